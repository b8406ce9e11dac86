/**
 * A service's runtime figures across its releases (issue 22 item 6): cold
 * start p95, peak memory and latency p95 of every stored measurement of its
 * artifacts that verifies, oldest first, with the budgets of the newest and
 * what was pinned where. A measurement that does not verify (its artifact is
 * not in the store, its signer is not the artifact's, its row was edited) is
 * counted, never drawn: the chart shows only what was signed.
 */
import { FIGURE_NAMES, type MeasurementPredicate } from "../measure/predicate.ts";
import { verifyMeasurement } from "../pin/verified-measurements.ts";
import type { ArtifactRecord, Store } from "../store/store.ts";
import { storedTrust } from "../store/verify-stored.ts";
import type { Trust } from "../verify/trust.ts";

/** How many of a service's newest measurements the chart reads. */
export const FIGURES_LIMIT = 100;

export interface FigurePoint {
  /** sha256 hex of the artifact measured */
  digest: string;
  name: string;
  measuredAt: string;
  /** sha256 hex of what it ran against, or null */
  against: string | null;
  passed: boolean;
  coldStartP95Ms: number | null;
  peakRssMb: number | null;
  latencyP95Ms: number | null;
  /** the figures its verdict found over budget or regressed (the budgets' names: coldStartP95Ms, rssMb, latencyP95Ms, …) */
  regressions: string[];
  /** where the artifact was pinned: env and pin number */
  pins: { env: string; sequence: number }[];
}

export interface ServiceFigures {
  service: string;
  /** oldest first */
  points: FigurePoint[];
  /** the budgets the newest verified measurement was judged by */
  budgets: MeasurementPredicate["budgets"];
  /** stored measurements that did not verify, so are not drawn */
  unverified: number;
}

export async function serviceFigures(store: Store, service: string): Promise<ServiceFigures> {
  const [stored, pins] = await Promise.all([store.measurementsOfService(service, FIGURES_LIMIT), store.pins({ service })]);
  const artifacts = new Map<string, ArtifactRecord | undefined>();
  const points: FigurePoint[] = [];
  let budgets: MeasurementPredicate["budgets"] = {};
  let unverified = 0;
  // newest first, as stored
  for (const m of stored) {
    if (!artifacts.has(m.subjectDigest)) artifacts.set(m.subjectDigest, await store.getArtifact(m.subjectDigest));
    const artifact = artifacts.get(m.subjectDigest);
    const outcome = artifact ? await verifyMeasurement(m, m.subjectDigest, trustOf(artifact)) : { reason: "its artifact is not in the store" };
    if (!("predicate" in outcome)) {
      unverified++;
      continue;
    }
    const p = outcome.predicate;
    if (points.length === 0) budgets = p.budgets;
    points.push({
      digest: m.subjectDigest,
      name: artifact!.name,
      measuredAt: p.measuredAt,
      against: p.against?.artifact.digest.sha256 ?? null,
      passed: p.verdict.passed,
      coldStartP95Ms: p.figures.coldStartMs?.p95 ?? null,
      peakRssMb: p.figures.rssMb?.peak ?? null,
      latencyP95Ms: p.figures.latencyMs?.p95 ?? null,
      regressions: regressed(p),
      pins: pins.filter((pin) => pin.digest === m.subjectDigest).map((pin) => ({ env: pin.env, sequence: pin.sequence })),
    });
  }
  return { service, points: points.reverse(), budgets, unverified };
}

/** The artifact's recorded signer; a row whose key no longer parses (edited) vouches for nothing: a key no signature matches. */
function trustOf(artifact: ArtifactRecord): Trust {
  try {
    return storedTrust(artifact);
  } catch {
    return { kind: "keys", keys: [] };
  }
}

function regressed(p: MeasurementPredicate): string[] {
  const names = new Set<string>([...p.verdict.findings.map((f) => f.figure), ...(p.against?.ratios ?? []).filter((r) => r.regression).map((r) => r.figure)]);
  return [...names].filter((n) => (FIGURE_NAMES as readonly string[]).includes(n)).sort();
}
