/**
 * check's causes, marked like the rebuild's: a cause is confirmed only by the
 * experiment that varied its factor (issue #21). A variation built alone is
 * that experiment: the files it changed, where builds with nothing varied
 * agree, are confirmed for that variation's kind and no other. What the byte
 * patterns suggest (src/rebuild/explain.ts) stays a hypothesis, never ✓.
 */
import type { Cause, CauseKind } from "../rebuild/cause.ts";
import type { VariationName } from "./variations.ts";

/** The cause each variation stands for when varying it alone changes the output. */
export const VARIATION_CAUSE: Record<VariationName, CauseKind> = {
  "build-path": "build-path",
  "file-order": "file-order",
  filesystem: "file-order",
  mtime: "mtime",
  clock: "timestamp",
  timezone: "timezone",
  locale: "locale",
  umask: "file-mode",
  env: "env-var",
  hostname: "hostname",
  user: "user",
  install: "dependency-drift",
};

/**
 * The variation's confirmed causes: one per file it changed (`null`: the
 * archive itself, no one file), its evidence the byte pattern found there when
 * there is one. `described` is the variation's note ("mtime: the project's
 * files modified 397 days later").
 */
export function confirmByVariation(variation: VariationName, described: string, changed: readonly (string | null)[], hypotheses: readonly Cause[], extra = ""): Cause[] {
  const kind = VARIATION_CAUSE[variation];
  return changed.map((file) => {
    const where = file === null ? "the archive changes" : `${file} changes`;
    const experiment = `${where} where the builds with nothing varied agree, when only ${variation} is varied: ${described}${extra}`;
    const pattern = hypotheses.find((c) => c.file === file && c.kind === kind) ?? hypotheses.find((c) => c.file === file && c.kind !== "unknown");
    return { kind, file, evidence: pattern?.evidence ?? experiment, confirmed: true, experiment };
  });
}

/** A build that failed when only `variation` was varied: the output depends on it, the build's error is the evidence. */
export function confirmByFailure(variation: VariationName, described: string, error: string): Cause {
  const experiment = `the build FAILED when only ${variation} was varied (${described}): ${error}`;
  return { kind: VARIATION_CAUSE[variation], file: null, evidence: experiment, confirmed: true, experiment };
}

/**
 * Every cause once per kind and file: confirmed ones first, in the order
 * found; a hypothesis only where no experiment confirmed that kind for that
 * file, marked `confirmed: false`.
 */
export function mergeCauses(confirmed: readonly Cause[], hypotheses: readonly Cause[]): Cause[] {
  const seen = new Set<string>();
  const out: Cause[] = [];
  for (const cause of [...confirmed.map((c) => ({ ...c, confirmed: true })), ...hypotheses.map((c) => ({ ...c, confirmed: false, experiment: undefined }))]) {
    const key = `${cause.kind}\0${cause.file}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const { experiment, ...rest } = cause;
    out.push(experiment === undefined ? rest : { ...rest, experiment });
  }
  return out;
}
