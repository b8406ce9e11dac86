/**
 * Finding differences: our own sequence diff (Myers' O((N+M)·D) greedy
 * algorithm), the token-level spans where two texts differ, and whether they
 * are the same pieces in another order. Both sides come from archives we did
 * not make, so every step is bounded: a diff costlier than `maxCost` edits is
 * given up rather than allowed to run for minutes on a hostile pair.
 */

export type Op = "=" | "-" | "+";
/** `n` elements starting at `a` in the first sequence and `b` in the second. */
export interface Run { op: Op; a: number; b: number; n: number }

/**
 * The shortest edit script from `a` to `b`. When it needs more than `maxCost`
 * insertions and deletions: undefined, or with `coarse`, everything between the
 * common head and tail as one replacement.
 */
export function diffSequences<T>(a: readonly T[], b: readonly T[], maxCost = 1000, coarse = false): Run[] | undefined {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const n = a.length - head - tail;
  const m = b.length - head - tail;
  const runs: Run[] = [];
  const push = (op: Op, x: number, y: number, count: number) => {
    if (count === 0) return;
    const last = runs.at(-1);
    if (last?.op === op && last.a + (op === "+" ? 0 : last.n) === x && last.b + (op === "-" ? 0 : last.n) === y) last.n += count;
    else runs.push({ op, a: x, b: y, n: count });
  };
  const middle = n + m === 0 ? [] : myers(a, b, head, n, m, maxCost);
  if (middle === undefined && !coarse) return undefined;
  push("=", 0, 0, head);
  if (middle === undefined) {
    push("-", head, head, n);
    push("+", head + n, head, m);
  }
  for (const [op, x, y] of middle ?? []) push(op, head + x, head + y, 1);
  push("=", a.length - tail, b.length - tail, tail);
  return runs;
}

/** Element-wise edits of a[off, off+n) → b[off, off+m), in order. */
function myers<T>(a: readonly T[], b: readonly T[], off: number, n: number, m: number, maxCost: number): [Op, number, number][] | undefined {
  const max = Math.min(n + m, maxCost);
  // Only the diagonals -d-1..d+1 are read at step d, so only they are kept: O(D²) memory, not O(D·(N+M)).
  const trace: Int32Array[] = [];
  let v = new Int32Array(3);
  v[2] = 0; // v[k] is stored at index k + d + 1; at d = 0, k = 1 is index 2
  let found = -1;
  for (let d = 0; d <= max && found < 0; d++) {
    trace.push(v);
    const next = new Int32Array(2 * d + 5);
    const at = (k: number) => v[k + d + 1]!;
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? at(k + 1) : at(k - 1) + 1;
      let y = x - k;
      while (x < n && y < m && a[off + x] === b[off + y]) x++, y++;
      next[k + d + 2] = x;
      if (x >= n && y >= m) found = d;
    }
    v = next;
  }
  if (found < 0) return undefined;
  const edits: [Op, number, number][] = [];
  let x = n;
  let y = m;
  for (let d = found; d >= 0; d--) {
    const prev = trace[d]!;
    const at = (k: number) => prev[k + d + 1]!;
    const k = x - y;
    const prevK = d === 0 ? 0 : k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) edits.push(["=", --x, --y]);
    if (d > 0) edits.push(x === prevX ? ["+", x, prevY] : ["-", prevX, y]);
    x = prevX;
    y = prevY;
  }
  return edits.reverse();
}

/** Identifier/number runs, whitespace runs, and single other characters (whole code points). */
const TOKEN = /[\p{L}\p{N}_$]+|\s+|[^]/gu;
const WORD = /[\p{L}\p{N}_$]/u;

export function tokenize(text: string, limit = Infinity): { tokens: string[]; starts: number[]; complete: boolean } {
  const tokens: string[] = [];
  const starts: number[] = [];
  TOKEN.lastIndex = 0;
  let match: RegExpExecArray | null;
  while (tokens.length < limit && (match = TOKEN.exec(text)) !== null) {
    tokens.push(match[0]);
    starts.push(match.index);
  }
  const end = tokens.length === 0 ? 0 : starts.at(-1)! + tokens.at(-1)!.length;
  starts.push(end); // sentinel: where the last token ends
  return { tokens, starts, complete: end === text.length };
}

/** A differing stretch: a[aStart, aEnd) became b[bStart, bEnd) (UTF-16 indices). */
export interface Span { aStart: number; aEnd: number; bStart: number; bEnd: number }

/** Tokens and characters compared per side at a time; a longer stretch of differences is compared window by window. */
const MAX_TOKENS = 20_000;
const MAX_WINDOW = 256 * 1024;
/** Changes this close (and on one line) are one span: `1,234.5` → `1.234,5` is one difference, not two. */
const MERGE_GAP = 3;

/** Where `a` and `b` differ, token by token: the first `max` spans. */
export function differingSpans(a: string, b: string, max = 8): Span[] {
  const limit = Math.min(a.length, b.length);
  let s = 0;
  while (s < limit && a.charCodeAt(a.length - 1 - s) === b.charCodeAt(b.length - 1 - s)) s++;
  // End at a token (and code point) boundary too.
  while (s > 0 && (WORD.test(a[a.length - s]!) || isLow(a.charCodeAt(a.length - s)))) s--;
  const [endA, endB] = [a.length - s, b.length - s];
  const spans: Span[] = [];
  let [pa, pb] = [0, 0];
  while (spans.length < max) {
    // Equal stretches are skipped a character at a time, never tokenized.
    const floor = pa;
    while (pa < endA && pb < endB && a.charCodeAt(pa) === b.charCodeAt(pb)) pa++, pb++;
    if (pa >= endA && pb >= endB) break;
    // Back to the start of the token (never before where this window began), so "1764150000123" is compared whole.
    while (pa > floor && (WORD.test(a[pa - 1]!) || isHigh(a.charCodeAt(pa - 1)))) pa--, pb--;
    const A = tokenize(a.slice(pa, Math.min(endA, pa + MAX_WINDOW)), MAX_TOKENS);
    const B = tokenize(b.slice(pb, Math.min(endB, pb + MAX_WINDOW)), MAX_TOKENS);
    const whole = pa + A.starts.at(-1)! === endA && pb + B.starts.at(-1)! === endB;
    const runs = diffSequences(A.tokens, B.tokens, 1000);
    // With a window cut short, the edits after its last equal run may be only the cut: compare them again from there.
    const keep = runs === undefined ? -1 : whole ? runs.length : runs.findLastIndex((r) => r.op === "=");
    if (runs === undefined || keep <= 0) {
      spans.push({ aStart: pa, aEnd: Math.min(endA, pa + 200), bStart: pb, bEnd: Math.min(endB, pb + 200) });
      break;
    }
    spans.push(...toSpans(runs.slice(0, keep), A.starts, B.starts, pa, pb, a));
    if (whole) break;
    const resume = runs[keep]!;
    [pa, pb] = [pa + A.starts[resume.a + resume.n]!, pb + B.starts[resume.b + resume.n]!];
  }
  return spans.slice(0, max);
}

function toSpans(runs: readonly Run[], startsA: readonly number[], startsB: readonly number[], pa: number, pb: number, a: string): Span[] {
  const spans: Span[] = [];
  let cur: Span | undefined;
  for (const r of runs) {
    const [aFrom, aTo] = [pa + startsA[r.a]!, pa + startsA[r.a + (r.op === "+" ? 0 : r.n)]!];
    const [bFrom, bTo] = [pb + startsB[r.b]!, pb + startsB[r.b + (r.op === "-" ? 0 : r.n)]!];
    if (r.op === "=") {
      if (cur && (aTo - aFrom > MERGE_GAP || a.slice(aFrom, aTo).includes("\n"))) [spans[spans.length], cur] = [cur, undefined];
      continue;
    }
    if (cur) [cur.aEnd, cur.bEnd] = [aTo, bTo];
    else cur = { aStart: aFrom, aEnd: aTo, bStart: bFrom, bEnd: bTo };
  }
  if (cur) spans.push(cur);
  return spans;
}

/** The same items (split at commas, semicolons, bars and white space) in another order: what an unsorted listing looks like. */
export function isReordering(a: string, b: string): boolean {
  const items = (s: string) => s.split(/[\s,;|]+/).filter(Boolean);
  const [x, y] = [items(a), items(b)];
  return x.length > 1 && x.join("\0") !== y.join("\0") && x.toSorted().join("\0") === y.toSorted().join("\0");
}

const isHigh = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLow = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/** The same lines, or the same statements of a minified line, in another order: what nondeterministic module order looks like. */
export function reorderedUnit(a: string, b: string): "lines" | "statements" | undefined {
  if (samePieces(a.split("\n"), b.split("\n"))) return "lines";
  // Statements, not tokens: "1,234.5" → "1.234,5" permutes tokens but is a formatting change, not a reordering.
  if (samePieces(a.split(/(?<=[;}])/), b.split(/(?<=[;}])/))) return "statements";
  return undefined;
}

function samePieces(a: string[], b: string[]): boolean {
  if (a.length < 2 || a.length !== b.length) return false;
  const counts = new Map<string, number>();
  for (const piece of a) counts.set(piece, (counts.get(piece) ?? 0) + 1);
  for (const piece of b) {
    const left = (counts.get(piece) ?? 0) - 1;
    if (left < 0) return false;
    counts.set(piece, left);
  }
  return true;
}

export function sameHistogram(a: Uint8Array, b: Uint8Array): boolean {
  const counts = new Int32Array(256);
  for (const byte of a) counts[byte]!++;
  for (const byte of b) counts[byte]!--;
  return counts.every((c) => c === 0);
}
