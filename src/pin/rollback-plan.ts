/**
 * Plan before apply: what a rollback will do, worked out from the pin history
 * alone, as a plain value. Pure, so each refusal is tested without a store.
 * The target must be known good here: an artifact pinned in this very
 * environment before.
 */
import { BunsealError } from "../errors.ts";
import type { ArtifactSummary, PinRecord } from "../store/store.ts";

export interface RollbackRequest {
  service: string;
  env: string;
  /** a digest pinned in this env before */
  to?: string;
  /** how many pins back (default 1) */
  steps?: number;
  allowContractChange?: boolean;
}

export interface RollbackPlan {
  service: string;
  env: string;
  from: { sequence: number; digest: string; schemaVersion: string | null };
  to: { digest: string; lastPinnedAs: number; pinnedAt: string; schemaVersion: string | null };
  /** the pin the rollback will write */
  nextSequence: number;
  contractChange: boolean;
}

/** `history`: the pins of (service, env), oldest first. `artifacts`: what the store knows of their digests. */
export function planRollback(request: RollbackRequest, history: readonly PinRecord[], artifacts: ReadonlyMap<string, Pick<ArtifactSummary, "schemaVersion">>): RollbackPlan {
  const current = history.at(-1);
  if (!current) {
    throw new BunsealError("ROLLBACK_REFUSED", `${request.service} has never been pinned in ${request.env}; expected a pin history to roll back in`, { field: "--env", expected: "an environment with pins", found: "no pins" });
  }
  const target = request.to !== undefined ? findByDigest(request, history, current) : findBySteps(request, history, current);
  const fromVersion = artifacts.get(current.digest)?.schemaVersion ?? null;
  const toVersion = artifacts.get(target.digest)?.schemaVersion ?? null;
  const contractChange = fromVersion !== toVersion;
  if (contractChange && !request.allowContractChange) {
    throw new BunsealError("ROLLBACK_REFUSED", `rolling ${request.service} in ${request.env} back to ${short(target.digest)} would change the schemaVersion contract from ${fromVersion ?? "(none)"} to ${toVersion ?? "(none)"}; the data may no longer fit. Pass --allow-contract-change if that is intended`, {
      field: "contracts.schemaVersion",
      expected: fromVersion ?? "(none)",
      found: toVersion ?? "(none)",
    });
  }
  return {
    service: request.service,
    env: request.env,
    from: { sequence: current.sequence, digest: current.digest, schemaVersion: fromVersion },
    to: { digest: target.digest, lastPinnedAs: target.sequence, pinnedAt: target.pinnedAt, schemaVersion: toVersion },
    nextSequence: current.sequence + 1,
    contractChange,
  };
}

function findByDigest(request: RollbackRequest, history: readonly PinRecord[], current: PinRecord): PinRecord {
  const want = request.to!.replace(/^sha256:/, "").toLowerCase();
  if (want === current.digest) {
    throw new BunsealError("ROLLBACK_REFUSED", `${short(want)} is what ${request.env} runs now; expected an earlier artifact`, { field: "--to", expected: "an earlier pin", found: "the current pin" });
  }
  const match = history.findLast((p) => p.digest === want);
  if (!match) {
    throw new BunsealError("ROLLBACK_REFUSED", `${short(want)} was never pinned for ${request.service} in ${request.env}, so it is not known good there; expected one of: ${[...new Set(history.map((p) => short(p.digest)))].join(", ")}`, { field: "--to", expected: "a digest pinned in this env before", found: `sha256:${want}` });
  }
  return match;
}

/** N steps back: the Nth distinct artifact before the current one, newest first. */
function findBySteps(request: RollbackRequest, history: readonly PinRecord[], current: PinRecord): PinRecord {
  const steps = request.steps ?? 1;
  if (!Number.isInteger(steps) || steps < 1) throw new BunsealError("USAGE", `--steps: expected a whole number of at least 1, got ${steps}`, { field: "--steps", expected: ">= 1", found: String(steps) });
  const seen = new Set([current.digest]);
  const earlier: PinRecord[] = [];
  for (const pin of [...history].reverse()) {
    if (seen.has(pin.digest)) continue;
    seen.add(pin.digest);
    earlier.push(pin);
  }
  const target = earlier[steps - 1];
  if (!target) {
    throw new BunsealError("ROLLBACK_REFUSED", `${request.service} in ${request.env} has ${earlier.length} earlier artifact(s); expected at least ${steps} to go back ${steps} step(s)`, { field: "--steps", expected: `<= ${earlier.length}`, found: String(steps) });
  }
  return target;
}

function short(digest: string): string {
  return `sha256:${digest.slice(0, 12)}`;
}
