/**
 * Differences written out as text: diff(1)-style unified hunks (with windows
 * for minified lines) and xxd dumps, as diffoscope shows them. Used by the
 * comparison (for each file) and by the diffoscope report; imports neither.
 */
import { diffSequences, differingSpans, type Run } from "./text-diff.ts";

/** xxd's 16-byte lines, as diffoscope's binary comparison feeds them to diff. */
function xxdLines(bytes: Uint8Array, fromLine: number, toLine: number): string[] {
  const lines: string[] = [];
  for (let line = fromLine; line < toLine && line * 16 < bytes.length; line++) {
    const chunk = bytes.subarray(line * 16, line * 16 + 16);
    const groups: string[] = [];
    for (let i = 0; i < chunk.length; i += 2) groups.push(Buffer.from(chunk.subarray(i, i + 2)).toString("hex"));
    const ascii = Array.from(chunk, (c) => (c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : ".")).join("");
    lines.push(`${(line * 16).toString(16).padStart(8, "0")}: ${groups.join(" ").padEnd(39)}  ${ascii}\n`);
  }
  return lines;
}

/** Hunks of the xxd dumps from a little before the first difference; at most 256 lines of each side are compared. */
export function hexDiff(a: Uint8Array, b: Uint8Array, firstDifference: number): string {
  const from = Math.max(0, Math.floor(firstDifference / 16) - 3);
  const [la, lb] = [xxdLines(a, from, from + 256), xxdLines(b, from, from + 256)];
  return renderHunks(la, lb, diffSequences(la, lb, 512, true)!, { firstLine: from });
}

export interface UnifiedOptions {
  context?: number;
  maxLines?: number;
  maxBytes?: number;
  /** line number (0-based) of a[0] and b[0] in their files, when diffing a window */
  firstLine?: number;
}
export const DIFF_LIMITS = { context: 3, maxLines: 200, maxBytes: 16 * 1024 };

/** A line with its newline, so "x" at the end of a file without one differs from "x\n", as it does for diff(1). */
export function splitLines(text: string): string[] {
  return text === "" ? [] : text.split(/(?<=\n)/);
}

/**
 * GNU-diff-style hunks (no ---/+++ header) for line arrays from splitLines.
 * Within a block of changes every deletion is shown before every insertion, as diff(1) and diffoscope do.
 * `show` renders one line's text (e.g. to shorten a very long one).
 */
export function renderHunks(a: readonly string[], b: readonly string[], runs: readonly Run[], options: UnifiedOptions = {}, show = (line: string) => line): string {
  const { context, maxLines, maxBytes } = { ...DIFF_LIMITS, ...options };
  const shift = options.firstLine ?? 0;
  const out = new Limited(maxLines, maxBytes);
  let i = 0;
  while (i < runs.length) {
    while (i < runs.length && runs[i]!.op === "=") i++;
    if (i >= runs.length) break;
    // A hunk: changes whose separating equal runs are at most 2·context long.
    let j = i;
    while (j + 1 < runs.length && !(runs[j + 1]!.op === "=" && (runs[j + 1]!.n > 2 * context || j + 2 >= runs.length))) j++;
    const before = runs[i - 1];
    const lead = before ? Math.min(context, before.n) : 0;
    const after = runs[j + 1];
    const trail = after ? Math.min(context, after.n) : 0;
    const aStart = runs[i]!.a - lead;
    const bStart = runs[i]!.b - lead;
    const end = runs[j]!;
    const aLen = end.a + (end.op === "+" ? 0 : end.n) + trail - aStart;
    const bLen = end.b + (end.op === "-" ? 0 : end.n) + trail - bStart;
    // Lines go straight into the budget, so a huge replacement is never built in memory.
    const emit = (mark: string, line: string) => (line.endsWith("\n") ? out.add(`${mark}${show(line.slice(0, -1))}\n`) : out.add(`${mark}${show(line)}\n`) && out.add("\\ No newline at end of file\n"));
    const ctx = (x: number, count: number) => { for (let c = 0; c < count && out.open; c++) emit(" ", a[x + c]!); };
    out.add(`@@ -${range(shift + aStart, aLen)} +${range(shift + bStart, bLen)} @@\n`);
    ctx(aStart, lead);
    for (let r = i; r <= j && out.open; ) {
      if (runs[r]!.op === "=") { ctx(runs[r]!.a, runs[r]!.n); r++; continue; }
      const block: Run[] = [];
      while (r <= j && runs[r]!.op !== "=") block.push(runs[r++]!);
      for (const run of block.filter((x) => x.op === "-")) for (let c = 0; c < run.n && out.open; c++) emit("-", a[run.a + c]!);
      for (const run of block.filter((x) => x.op === "+")) for (let c = 0; c < run.n && out.open; c++) emit("+", b[run.b + c]!);
    }
    if (after) ctx(after.a, trail);
    if (!out.open) break;
    i = j + 1;
  }
  return out.text();
}

function range(start: number, length: number): string {
  // diff(1): a one-line range is just its number; an empty one names the line before it.
  if (length === 1) return `${start + 1}`;
  return `${length === 0 ? start : start + 1},${length}`;
}

/** Collects output lines up to a line and byte budget, then notes how much was cut. */
class Limited {
  private readonly parts: string[] = [];
  private lines = 0;
  private bytes = 0;
  private cut = false;
  constructor(private readonly maxLines: number, private readonly maxBytes: number) {}
  /** false once the budget is spent */
  get open(): boolean {
    return !this.cut;
  }
  add(line: string): boolean {
    if (this.cut || this.lines + 1 > this.maxLines || this.bytes + line.length > this.maxBytes) {
      this.cut = true;
      return false;
    }
    this.parts.push(line);
    this.lines++;
    this.bytes += line.length;
    return true;
  }
  addAll(lines: readonly string[]): boolean {
    for (const line of lines) this.add(line);
    return !this.cut;
  }
  text(): string {
    return this.parts.join("") + (this.cut ? `\\ diff truncated at ${this.lines} lines / ${this.maxBytes} bytes\n` : "");
  }
}

/** Lines longer than this are minified code: shown as windows around each difference, not whole. */
const LONG_LINE = 500;
const WINDOW = 120;

/** A bounded unified diff with `---`/`+++` headers, or windows with line and column for minified one-line files. */
export function unifiedDiff([pathA, pathB]: readonly [string, string], a: string, b: string, options: UnifiedOptions = {}): string {
  const header = `--- original/${pathA}\n+++ rebuilt/${pathB}\n`;
  const la = splitLines(a);
  const lb = splitLines(b);
  const runs = diffSequences(la, lb, 1000, true)!;
  const long = runs.some((r) => (r.op === "-" ? la.slice(r.a, r.a + r.n) : r.op === "+" ? lb.slice(r.b, r.b + r.n) : []).some((l) => l.length > LONG_LINE));
  if (!long) return header + renderHunks(la, lb, runs, options, (line) => (line.length > LONG_LINE ? `${line.slice(0, 200)}… (${line.length} characters)` : line));
  const { maxLines, maxBytes } = { ...DIFF_LIMITS, ...options };
  const out = new Limited(maxLines - 2, maxBytes - header.length);
  for (const span of differingSpans(a, b, Math.floor(maxLines / 3))) {
    const [lineA, column] = lineAndColumn(a, span.aStart);
    const [lineB] = lineAndColumn(b, span.bStart);
    if (!out.addAll([`@@ -${lineA} +${lineB} @@ column ${column}\n`, `-${window(a, span.aStart, span.aEnd)}\n`, `+${window(b, span.bStart, span.bEnd)}\n`])) break;
  }
  return header + out.text();
}

/** 1-based line and column (UTF-16 units) of a string index. */
function lineAndColumn(text: string, index: number): [number, number] {
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < index; i = text.indexOf("\n", i + 1)) line++;
  return [line, index - (text.lastIndexOf("\n", index - 1) + 1) + 1];
}

function window(text: string, from: number, to: number): string {
  const end = Math.min(to, from + 2 * WINDOW) + WINDOW;
  const start = Math.max(0, from - WINDOW);
  const body = text.slice(start, Math.min(text.length, end)).replaceAll("\n", "⏎");
  return `${start > 0 ? "…" : ""}${body}${end < text.length ? "…" : ""}`;
}
