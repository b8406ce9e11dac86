/**
 * Plan before apply: what a rollback will do, worked out from the pin history
 * alone, as a plain value. Pure, so each refusal is tested without a store.
 * The target must be known good here: an artifact pinned in this very
 * environment before.
 */
import { BunsealError } from "../errors.ts";
import type { ArtifactRecord, ArtifactSummary, LockedPackage, PinRecord } from "../store/store.ts";
import { matchDigestPrefix } from "./digest-prefix.ts";

export interface RollbackRequest {
  service: string;
  env: string;
  /** a digest pinned in this env before: whole, or a unique prefix of at least 12 hex */
  to?: string;
  /** how many pins back (default 1) */
  steps?: number;
  allowContractChange?: boolean;
  /** the caller gave a reason of their own (not the default): required to pin again a digest that was rolled back from */
  reasonGiven?: boolean;
}

export interface RollbackPlan {
  service: string;
  env: string;
  from: { sequence: number; digest: string; schemaVersion: string | null; telemetryContract: string | null; commit: string | null };
  /**
   * `packages`: what the target ships (and those the store cannot say of, shipped null), so a responder
   * rolling back from a vulnerable package sees whether the target ships it too
   */
  to: { digest: string; lastPinnedAs: number; pinnedAt: string; schemaVersion: string | null; telemetryContract: string | null; commit: string | null; packages: Omit<LockedPackage, "integrity">[] };
  /** the pin the rollback will write */
  nextSequence: number;
  contractChange: boolean;
  /** which contracts the rollback changes (allowed by --allow-contract-change), in this order */
  contractChanges: ("schemaVersion" | "telemetryContract")[];
  /** earlier artifacts stepped over because a rollback rolled back from them (by that rollback's pin), newest first */
  skipped: { digest: string; rolledBackBy: number }[];
}

/** What the plan reads of an artifact: its contract, and (shown, not judged) its commit and packages. */
export type PlanArtifact = Pick<ArtifactSummary, "schemaVersion"> & Partial<Pick<ArtifactRecord, "telemetryContract" | "commit" | "packages">>;

const CONTRACTS = ["schemaVersion", "telemetryContract"] as const;
const CONTRACT_RISK = { schemaVersion: "the data may no longer fit", telemetryContract: "dashboards, alerts and consumers of its events may no longer match" } as const;

/** `history`: the pins of (service, env), oldest first. `artifacts`: what the store knows of their digests. */
export function planRollback(request: RollbackRequest, history: readonly PinRecord[], artifacts: ReadonlyMap<string, PlanArtifact>): RollbackPlan {
  const current = history.at(-1);
  if (!current) {
    throw new BunsealError("ROLLBACK_REFUSED", `${request.service} has never been pinned in ${request.env}; expected a pin history to roll back in`, { field: "--env", expected: "an environment with pins", found: "no pins" });
  }
  const rolledBack = rolledBackFrom(history);
  const { target, skipped } = request.to !== undefined ? { target: findByDigest(request, history, current, rolledBack), skipped: [] } : findBySteps(request, history, current, rolledBack);
  const contract = (digest: string, name: (typeof CONTRACTS)[number]) => artifacts.get(digest)?.[name] ?? null;
  const fromVersion = contract(current.digest, "schemaVersion");
  const toVersion = contract(target.digest, "schemaVersion");
  // each contract the same way: the data's schema, and the telemetry others read (issue 22 item 5)
  const contractChanges = CONTRACTS.filter((name) => contract(current.digest, name) !== contract(target.digest, name));
  const contractChange = contractChanges.length > 0;
  if (contractChange && !request.allowContractChange) {
    const changes = contractChanges.map((name) => `the ${name} contract from ${contract(current.digest, name) ?? "(none)"} to ${contract(target.digest, name) ?? "(none)"}; ${CONTRACT_RISK[name]}`);
    const first = contractChanges[0]!;
    throw new BunsealError("ROLLBACK_REFUSED", `rolling ${request.service} in ${request.env} back to ${short(target.digest)} would change ${changes.join(", and ")}. Pass --allow-contract-change if that is intended`, {
      field: `contracts.${first}`,
      expected: contract(current.digest, first) ?? "(none)",
      found: contract(target.digest, first) ?? "(none)",
    });
  }
  return {
    service: request.service,
    env: request.env,
    from: { sequence: current.sequence, digest: current.digest, schemaVersion: fromVersion, telemetryContract: contract(current.digest, "telemetryContract"), commit: artifacts.get(current.digest)?.commit ?? null },
    to: { digest: target.digest, lastPinnedAs: target.sequence, pinnedAt: target.pinnedAt, schemaVersion: toVersion, telemetryContract: contract(target.digest, "telemetryContract"), commit: artifacts.get(target.digest)?.commit ?? null, packages: shipped(artifacts.get(target.digest)) },
    nextSequence: current.sequence + 1,
    contractChange,
    contractChanges,
    skipped,
  };
}

/**
 * Digest -> the newest rollback pin that rolled back from it. A digest someone
 * rolled back from was judged bad in this environment: it is not "known good"
 * for a rollback, whatever ran since (issue 20, item 8: #3 1.11, #4 rollback to
 * 1.8, and #5 went back to 1.11).
 */
function rolledBackFrom(history: readonly PinRecord[]): Map<string, number> {
  const bySequence = new Map(history.map((p) => [p.sequence, p]));
  const marks = new Map<string, number>();
  for (const pin of history) {
    const from = pin.rollbackOf === null ? undefined : bySequence.get(pin.rollbackOf);
    if (from) marks.set(from.digest, pin.sequence);
  }
  return marks;
}

function findByDigest(request: RollbackRequest, history: readonly PinRecord[], current: PinRecord, rolledBack: ReadonlyMap<string, number>): PinRecord {
  const want = matchDigestPrefix(request.to!, history.map((p) => p.digest), "--to");
  if (want === current.digest) {
    throw new BunsealError("ROLLBACK_REFUSED", `${short(want)} is what ${request.env} runs now; expected an earlier artifact`, { field: "--to", expected: "an earlier pin", found: "the current pin" });
  }
  const match = want === undefined ? undefined : history.findLast((p) => p.digest === want);
  if (!match) {
    const given = request.to!.trim().replace(/^sha256:/i, "").toLowerCase();
    throw new BunsealError("ROLLBACK_REFUSED", `sha256:${given} was never pinned for ${request.service} in ${request.env}, so it is not known good there; expected one of: ${[...new Set(history.map((p) => p.digest))].map(short).join(", ")}`, { field: "--to", expected: "a digest pinned in this env before", found: `sha256:${given}` });
  }
  const by = rolledBack.get(match.digest);
  if (by !== undefined && !request.reasonGiven) {
    throw new BunsealError("ROLLBACK_REFUSED", `${short(match.digest)} was rolled back from (by #${by}) in ${request.env}, so it is not known good there; expected --reason saying why it is good again, to pin it anyway`, { field: "--reason", expected: "a reason of your own", found: "none" });
  }
  return match;
}

/** N steps back: the Nth distinct artifact before the current one, newest first, none that was rolled back from. */
function findBySteps(request: RollbackRequest, history: readonly PinRecord[], current: PinRecord, rolledBack: ReadonlyMap<string, number>): { target: PinRecord; skipped: RollbackPlan["skipped"] } {
  const steps = request.steps ?? 1;
  if (!Number.isInteger(steps) || steps < 1) throw new BunsealError("USAGE", `--steps: expected a whole number of at least 1, got ${steps}`, { field: "--steps", expected: ">= 1", found: String(steps) });
  const seen = new Set([current.digest]);
  const earlier: PinRecord[] = [];
  const skipped: RollbackPlan["skipped"] = [];
  for (const pin of [...history].reverse()) {
    if (earlier.length === steps) break;
    if (seen.has(pin.digest)) continue;
    seen.add(pin.digest);
    const by = rolledBack.get(pin.digest);
    if (by !== undefined) skipped.push({ digest: pin.digest, rolledBackBy: by });
    else earlier.push(pin);
  }
  const target = earlier[steps - 1];
  if (!target) {
    const passed = skipped.map((s) => `${short(s.digest)} was rolled back from (by #${s.rolledBackBy})`).join("; ");
    throw new BunsealError(
      "ROLLBACK_REFUSED",
      `${request.service} in ${request.env} has ${earlier.length} earlier artifact(s) not rolled back from; expected at least ${steps} to go back ${steps} step(s)${passed ? `. ${passed}: pinning it again takes --to and --reason` : ""}`,
      { field: "--steps", expected: `<= ${earlier.length}`, found: String(steps) },
    );
  }
  return { target, skipped };
}

function shipped(artifact: PlanArtifact | undefined): RollbackPlan["to"]["packages"] {
  return (artifact?.packages ?? []).filter((p) => p.shipped !== false).map(({ name, version, shipped }) => ({ name, version, shipped })).sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
}

function short(digest: string): string {
  return `sha256:${digest.slice(0, 12)}`;
}
