/**
 * The rebuild's causes, each marked by whether an experiment confirmed it:
 * the byte-pattern findings of explain.ts, confirmed only where an experiment
 * showed the same kind for the same file (a pattern about no file, or another
 * file, stays a hypothesis), and the experiments' own findings where the
 * patterns saw nothing. What the experiments leave only likely (a value that
 * changes run to run where the monotonic clock could not be stopped) is
 * listed, unconfirmed. Confirmed causes come first. Drift (another
 * Bun, lockfile, package or input) is read off the recorded digests, which is
 * evidence enough: it is confirmed by the comparison itself.
 */
import type { Confirmation } from "../diagnose/diagnose.ts";
import type { Cause, CauseKind } from "./cause.ts";

const DRIFT: readonly CauseKind[] = ["bun-version", "dependency-drift", "input-drift"];

export function confirmCauses(found: readonly Cause[], confirmations: readonly Confirmation[]): Cause[] {
  const used = new Set<Confirmation>();
  const shown = confirmations.filter((c) => !c.hypothesis);
  const causes: Cause[] = found.map((cause) => {
    const match = shown.find((c) => c.kind === cause.kind && c.file === cause.file);
    if (DRIFT.includes(cause.kind) && !match) return { ...cause, confirmed: true, experiment: "the recorded digests compared with the rebuild's" };
    if (!match) return { ...cause, confirmed: false };
    used.add(match);
    return { ...cause, confirmed: true, experiment: match.experiment };
  });
  for (const c of confirmations) {
    if (used.has(c) || causes.some((cause) => cause.confirmed && cause.kind === c.kind && cause.file === c.file)) continue;
    if (c.hypothesis) {
      if (!causes.some((cause) => cause.kind === c.kind && cause.file === c.file)) causes.push({ kind: c.kind, file: c.file, evidence: c.experiment, confirmed: false });
      continue;
    }
    causes.push({ kind: c.kind, file: c.file, evidence: c.experiment, confirmed: true, experiment: c.experiment });
  }
  // an "unknown" that an experiment explained says nothing any more
  const explained = new Set(causes.filter((c) => c.confirmed).map((c) => c.file));
  return causes.filter((c) => !(c.kind === "unknown" && explained.has(c.file))).sort((a, b) => Number(b.confirmed) - Number(a.confirmed));
}

/** Which cause kinds the patterns suggest for files: their experiments run first. */
export function suspects(found: readonly Cause[]): CauseKind[] {
  return [...new Set(found.filter((c) => !DRIFT.includes(c.kind) && c.kind !== "unknown" && c.kind !== "random").map((c) => c.kind))];
}
