/**
 * check's causes, marked like the rebuild's: confirmed by the experiment that
 * showed them. A culprit variation is itself an experiment (a build that
 * changed only that, against the baseline); a difference between builds in
 * the same environment is told apart (timestamp or random) by two builds with
 * the clock stopped, as rebuild does (src/diagnose).
 */
import type { Cause, CauseKind } from "../rebuild/cause.ts";
import type { VariationName } from "./variations.ts";

/** The cause each variation stands for when varying it alone changes the output. */
export const VARIATION_CAUSE: Partial<Record<VariationName, CauseKind>> = {
  "build-path": "build-path",
  "file-order": "file-order",
  filesystem: "file-order",
  clock: "timestamp",
  timezone: "timezone",
  locale: "locale",
  umask: "file-mode",
  env: "env-var",
  hostname: "hostname",
  user: "user",
};

export function confirmByCulprits(causes: readonly Cause[], culprits: readonly VariationName[], firstFile: string | null): Cause[] {
  const confirmedKinds = new Map(culprits.flatMap((name) => (VARIATION_CAUSE[name] ? [[VARIATION_CAUSE[name]!, name] as const] : [])));
  const marked: Cause[] = causes.map((c) => {
    const variation = confirmedKinds.get(c.kind);
    return variation ? { ...c, confirmed: true, experiment: `a build varying only ${variation} differs from the baseline` } : { ...c, confirmed: false };
  });
  for (const [kind, variation] of confirmedKinds) {
    if (marked.some((c) => c.kind === kind && c.confirmed)) continue;
    const experiment = `a build varying only ${variation} differs from the baseline`;
    marked.push({ kind, file: firstFile, evidence: experiment, confirmed: true, experiment });
  }
  return marked.sort((a, b) => Number(b.confirmed) - Number(a.confirmed));
}

/** After two builds with the clock stopped at one instant: files that agreed follow the clock, the others are random. */
export function confirmByFrozenClock(causes: readonly Cause[], differing: readonly string[], agree: readonly string[]): Cause[] {
  const confirmations: Cause[] = differing.map((file) => {
    const experiment = agree.includes(file)
      ? `${file} differs between builds in the same environment, and comes out the same in two builds with the clock stopped at the same instant`
      : `${file} differs again even between two builds with the clock stopped at the same instant`;
    return { kind: agree.includes(file) ? "timestamp" : "random", file, evidence: experiment, confirmed: true, experiment };
  });
  const rest = causes.filter((c) => !confirmations.some((k) => k.kind === c.kind && k.file === c.file)).map((c) => ({ ...c, confirmed: false }));
  return [...confirmations, ...rest];
}
