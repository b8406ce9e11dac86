/**
 * How differences are written out: diff(1)-style unified hunks (bunseal's own
 * `diff`, with windows for minified lines), xxd dumps, the tar listing, and the
 * whole comparison as diffoscope's JSON report (diffoscope-json-version 1), so the
 * tools the Reproducible Builds project uses (diffoscope's own HTML presenter,
 * try.diffoscope.org, reprotest) can show it. The shape mirrors what
 * diffoscope 240 writes for two tar files: a "file list" detail with the
 * archive listing's diff, then one detail per member whose bytes differ; text
 * members as plain unified hunks, binary members as xxd hunks with
 * `has_internal_linenos`. Metadata and added/removed members appear only in
 * the file list, as they do in diffoscope. Our hunks carry 3 lines of context
 * (diffoscope's `--diff-context 3`; its default is 7).
 */
import type { Comparison, EntryHeader, FileDifference } from "./compare.ts";
import { diffSequences, differingSpans, type Run } from "./text-diff.ts";

export interface DiffoscopeDifference {
  source1: string;
  source2: string;
  comments?: string[];
  has_internal_linenos?: true;
  unified_diff: string | null;
  details?: DiffoscopeDifference[];
}

export function toDiffoscope(comparison: Comparison, labels: { original: string; rebuilt: string }): object {
  const details: DiffoscopeDifference[] = [];
  const list = fileList(comparison);
  if (list) details.push(list);
  for (const file of comparison.files) {
    const detail = memberDetail(file);
    if (detail) details.push(detail);
  }
  return { "diffoscope-json-version": 1, source1: labels.original, source2: labels.rebuilt, unified_diff: null, details };
}

function fileList(comparison: Comparison): DiffoscopeDifference | undefined {
  let a: string[];
  let b: string[];
  const comments: string[] = [];
  if (comparison.listing) {
    a = comparison.listing.original.map(listingLine);
    b = comparison.listing.rebuilt.map(listingLine);
  } else {
    // Only digests were compared: the differing names are all we know.
    a = comparison.files.filter((f) => f.kind !== "added").map((f) => `${f.path}\n`);
    b = comparison.files.filter((f) => f.kind !== "removed").map((f) => `${f.path}\n`);
    comments.push("only the entries that differ are listed: the archives' full listings were not available");
  }
  const runs = diffSequences(a, b, 2000, true)!;
  if (runs.every((r) => r.op === "=")) return undefined;
  const unified = renderHunks(a, b, runs, { maxLines: 2000, maxBytes: 256 * 1024 });
  return { source1: "file list", source2: "file list", ...(comments.length > 0 ? { comments } : {}), unified_diff: unified };
}

function memberDetail(file: FileDifference): DiffoscopeDifference | undefined {
  if (file.kind !== "changed" && file.renamedFrom === undefined) return undefined;
  const comments: string[] = [];
  if (file.origin) comments.push(`the first difference (byte ${file.firstDifferenceAt}) comes from ${file.origin.input}:${file.origin.line}:${file.origin.column}, by the output's source map`);
  if (file.reordered) comments.push(`the same ${file.reordered} in a different order`);
  let unified: string | null = null;
  let linenos = false;
  if (file.diff !== undefined) unified = file.diff.split("\n").slice(2).join("\n");
  else if (file.hexDiff !== undefined) [unified, linenos] = [file.hexDiff, true];
  else comments.push(`contents differ: sha256 ${file.sha256.original ?? "?"} vs ${file.sha256.rebuilt ?? "?"}; no diff available`);
  // Key order as diffoscope writes it: source1, source2, comments, has_internal_linenos, unified_diff.
  return {
    source1: file.renamedFrom ?? file.path,
    source2: file.path,
    ...(comments.length > 0 ? { comments } : {}),
    ...(linenos ? { has_internal_linenos: true as const } : {}),
    unified_diff: unified,
  };
}

/** One line of the listing as diffoscope prints it from libarchive (comparators/utils/libarchive.py, list_libarchive). */
export function listingLine(entry: EntryHeader): string {
  const owner = (name: string, id: number) => (name ? `${name.padEnd(8)} ${`(${id})`.padStart(7)}` : String(id));
  const seconds = Math.floor(entry.mtime);
  const micros = String(Math.round((entry.mtime - seconds) * 1e6)).padStart(6, "0");
  const time = new Date(seconds * 1000).toISOString().replace("T", " ").slice(0, 19);
  // libarchive reports 0 links for tar members; diffoscope prints what it reports.
  return `${strmode(entry.mode)} ${"0".padStart(3)} ${owner(entry.uname, entry.uid).padStart(8)} ${owner(entry.gname, entry.gid).padStart(8)} ${String(entry.size).padStart(8)} ${time}.${micros} ${entry.path}\n`;
}

function strmode(mode: number): string {
  const bit = (mask: number, c: string) => (mode & mask ? c : "-");
  const special = (x: number, s: number, on: string) => (mode & s ? (mode & x ? on : on.toUpperCase()) : bit(x, "x"));
  return `-${bit(0o400, "r")}${bit(0o200, "w")}${special(0o100, 0o4000, "s")}${bit(0o40, "r")}${bit(0o20, "w")}${special(0o10, 0o2000, "s")}${bit(0o4, "r")}${bit(0o2, "w")}${special(0o1, 0o1000, "t")}`;
}

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
