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

export function confirmCauses(found: readonly Cause[], shownIn: readonly Confirmation[], record: { stats?: readonly string[] } = {}): Cause[] {
  const confirmations = shownIn.flatMap((c) => (c.kind === "mtime" ? statted(c, record.stats ?? []) : [c]));
  const used = new Set<Confirmation>();
  const shown = confirmations.filter((c) => !c.hypothesis);
  const causes: Cause[] = found.map((cause) => {
    // drift read off the record is of the whole build: the experiment that went back (the recorded Bun) confirms it through any file it moved back
    const match = shown.find((c) => c.kind === cause.kind && (c.file === cause.file || (cause.file === null && DRIFT.includes(cause.kind))));
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
  const explained = new Set([...causes.filter((c) => c.confirmed).map((c) => c.file), ...shownIn.filter((c) => !c.hypothesis).map((c) => c.file)]);
  return causes.filter((c) => !(c.kind === "unknown" && explained.has(c.file))).sort((a, b) => Number(b.confirmed) - Number(a.confirmed));
}

/**
 * An mtime is a source file's, not the output file's that shows it: the cause
 * names each file whose metadata the record says the build read, or no file
 * when the record lists none (the experiment still says where the bytes moved).
 */
function statted(c: Confirmation, stats: readonly string[]): Confirmation[] {
  if (stats.length === 0) return [{ ...c, file: null }];
  return stats.map((file) => ({ ...c, file, experiment: `${c.experiment}; the build read the metadata of ${file}` }));
}

/** Which cause kinds the patterns suggest for files: their experiments run first. */
export function suspects(found: readonly Cause[]): CauseKind[] {
  return [...new Set(found.filter((c) => !DRIFT.includes(c.kind) && c.kind !== "unknown" && c.kind !== "random").map((c) => c.kind))];
}
