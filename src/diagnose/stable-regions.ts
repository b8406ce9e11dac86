/**
 * Whether a build changed a file where builds of the same thing agree. A file
 * that differs from run to run (a random value, the time) may still hold a
 * value that follows something varied (a host name beside the random number):
 * comparing the whole file would blame every variation, or none. So the
 * builds where nothing was varied (the repeat, the frozen-clock pair) mark
 * the base's unstable tokens, and a varied build counts as a change only when
 * it differs from the base somewhere else.
 *
 * Token-level (identifier and number runs, single other characters), on the
 * diff of src/rebuild/text-diff.ts. Every answer that cannot be given
 * within bounds (binary, a diff too costly) is `undefined`: "cannot tell",
 * which callers must not read as either answer.
 */
import { diffSequences, tokenize, type Run } from "../rebuild/text-diff.ts";

/** The base file's tokens, and which of them (and which gaps between them) other builds of the same thing did not reproduce. */
export interface StableRegions {
  tokens: readonly string[];
  /** token i differed in some unvaried build */
  unstable: Uint8Array;
  /** an insertion before token i (i = tokens.length: at the end) was seen in some unvaried build */
  unstableGap: Uint8Array;
}

/** Edits of more than this many tokens between two builds of one file are not followed: the answer is "cannot tell". */
const MAX_COST = 4000;
/** Files larger than this are not tokenized. */
const MAX_BYTES = 8 * 1024 * 1024;

/**
 * The base's regions, from builds where nothing was varied (each compared with
 * the base). `undefined` when the file is not text or a diff is too costly.
 */
export function stableRegions(base: Uint8Array, unvaried: readonly Uint8Array[]): StableRegions | undefined {
  const a = text(base);
  if (a === undefined) return undefined;
  const { tokens } = tokenize(a);
  const regions: StableRegions = { tokens, unstable: new Uint8Array(tokens.length), unstableGap: new Uint8Array(tokens.length + 1) };
  for (const other of unvaried) {
    const runs = diffAgainst(tokens, other);
    if (runs === undefined) return undefined;
    for (const run of runs) {
      if (run.op === "-") regions.unstable.fill(1, run.a, run.a + run.n);
      // an insertion at a point: the gap before token run.a
      else if (run.op === "+") regions.unstableGap[run.a] = 1;
    }
  }
  return regions;
}

/**
 * Whether `other` differs from the base outside its unstable regions: `true`
 * (a stable token changed, or something was inserted where no unvaried build
 * inserted), `false` (every difference lies where unvaried builds differ too),
 * `undefined` (cannot tell).
 */
export function changesStableRegion(regions: StableRegions, other: Uint8Array): boolean | undefined {
  const runs = diffAgainst(regions.tokens, other);
  if (runs === undefined) return undefined;
  for (const run of runs) {
    if (run.op === "-") {
      for (let i = run.a; i < run.a + run.n; i++) if (!regions.unstable[i]) return true;
    } else if (run.op === "+") {
      // an insertion counts as unstable next to an unstable token too: a random value that grew by a token
      const at = run.a;
      const nearUnstable = regions.unstableGap[at] || (at > 0 && regions.unstable[at - 1]) || (at < regions.tokens.length && regions.unstable[at]);
      if (!nearUnstable) return true;
    }
  }
  return false;
}

function diffAgainst(tokens: readonly string[], other: Uint8Array): Run[] | undefined {
  const b = text(other);
  if (b === undefined) return undefined;
  return diffSequences(tokens, tokenize(b).tokens, MAX_COST);
}

const decoder = new TextDecoder("utf-8", { fatal: true });
function text(bytes: Uint8Array): string | undefined {
  if (bytes.byteLength > MAX_BYTES || bytes.includes(0)) return undefined;
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}
