/**
 * An artifact's runtime measurements, as trace shows them: each stored one
 * (measure --store), its bundle verified again under the same trust as the
 * artifact's attestation (the caller's, or the signer the store recorded), and
 * its figures and verdict read from the signed predicate once it verified;
 * a row that does not verify is listed with why, its claims not shown.
 */
import type { ArtifactRecord, Store } from "../store/store.ts";
import type { Figures, Finding, MeasurementPredicate } from "../measure/predicate.ts";
import type { Trust } from "../verify/trust.ts";

export interface TracedMeasurement {
  measuredAt: string;
  /** the environment whose pin it ran against (`measure --env`), or null */
  env: string | null;
  againstDigest: string | null;
  verifies: boolean;
  verifyFailures: string[];
  /** from the signed predicate: only when it verified */
  passed: boolean | null;
  runs: number | null;
  figures: Figures | null;
  findings: Finding[];
}

export async function measurementsOfArtifact(store: Store, record: ArtifactRecord, trust: Trust | undefined): Promise<TracedMeasurement[]> {
  const rows = await store.measurementsOf(record.digest);
  if (rows.length === 0) return [];
  const [{ verifyMeasurement }, { storedTrust }, { trustedKeys }] = await Promise.all([import("../measure/verify-measurement.ts"), import("../store/verify-stored.ts"), import("../verify/trust.ts")]);
  const anchor = trust ?? storedTrust(record);
  // a policy's key signers stand for it: its rules judge provenance, not measurements
  const signer = anchor.kind === "identity" ? { identity: anchor.identity } : { keys: await trustedKeys(anchor) };
  const traced: TracedMeasurement[] = [];
  for (const row of rows) {
    let predicate: MeasurementPredicate | undefined;
    let failures: string[];
    try {
      const report = await verifyMeasurement({ ...signer, trustedRoot: anchor.trustedRoot, artifact: `sha256:${record.digest}`, bundlePath: `store:measurement of ${record.name} at ${row.measuredAt}`, bundleBytes: new TextEncoder().encode(row.bundle), expectations: {} });
      predicate = report.verifiedMeasurement;
      failures = report.failures.map((f) => `${f.code}: ${f.message}`);
      if (!predicate && failures.length === 0) failures = ["no trusted signer vouched for it"];
    } catch (error) {
      failures = [`its bundle does not parse (${(error as Error).message})`];
    }
    traced.push({
      measuredAt: predicate?.measuredAt ?? row.measuredAt,
      env: predicate ? (predicate.against?.env ?? null) : row.env,
      againstDigest: predicate ? (predicate.against?.artifact.digest.sha256 ?? null) : row.againstDigest,
      verifies: predicate !== undefined,
      verifyFailures: predicate ? [] : failures,
      passed: predicate?.verdict.passed ?? null,
      runs: predicate?.runs ?? null,
      figures: predicate?.figures ?? null,
      findings: predicate?.verdict.findings ?? [],
    });
  }
  return traced;
}
