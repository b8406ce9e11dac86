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
 *
 * A `.js` member is one layer deeper, as diffoscope writes it: the member with
 * no diff of its own, and beneath it the diff of its text. diffoscope's inner
 * layer is named after the command that made its text (`js-beautify {}`);
 * bunseal runs no beautifier and diffs the text as built, so its inner layer
 * says so (JS_TEXT): the same keys, the same place, an honest name. A JSON
 * member (a `.js.map`), given the members' bytes, gets diffoscope's
 * "Pretty-printed" layer: its JSON printed as diffoscope prints it (pretty-json.ts).
 */
import type { Comparison, EntryHeader, FileDifference } from "./compare.ts";
import { renderHunks } from "./diff-text.ts";
import { prettyJsonDiff } from "./pretty-json.ts";
import { diffSequences } from "./text-diff.ts";

export interface DiffoscopeDifference {
  source1: string;
  source2: string;
  comments?: string[];
  has_internal_linenos?: true;
  unified_diff: string | null;
  details?: DiffoscopeDifference[];
}

/** The inner layer's source for a `.js` member: diffoscope's is `js-beautify {}`, the command that made the text it diffs. */
export const JS_TEXT = "{} as built (js-beautify not run)";

/**
 * diffoscope's own test for a JavaScript file (comparators/javascript.py, 240):
 * the name's suffix `.js`, nothing else (`.mjs`, `.cjs` are compared as text).
 */
const isJavaScript = (path: string) => path.endsWith(".js");

/** Both archives' members by path: what a JSON member's layer is printed from. */
export interface MemberContents {
  original: ReadonlyMap<string, Uint8Array>;
  rebuilt: ReadonlyMap<string, Uint8Array>;
}

export function toDiffoscope(comparison: Comparison, labels: { original: string; rebuilt: string }, contents?: MemberContents): object {
  const details: DiffoscopeDifference[] = [];
  const list = fileList(comparison);
  if (list) details.push(list);
  for (const file of comparison.files) {
    const detail = memberDetail(file, contents);
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

function memberDetail(file: FileDifference, contents?: MemberContents): DiffoscopeDifference | undefined {
  if (file.kind !== "changed" && file.renamedFrom === undefined) return undefined;
  const comments: string[] = [];
  if (file.origin) comments.push(`the first difference (byte ${file.firstDifferenceAt}) comes from ${file.origin.input}:${file.origin.line}:${file.origin.column}, by the output's source map`);
  if (file.reordered) comments.push(`the same ${file.reordered} in a different order`);
  let unified: string | null = null;
  let linenos = false;
  if (file.diff !== undefined) unified = file.diff.split("\n").slice(2).join("\n");
  else if (file.hexDiff !== undefined) [unified, linenos] = [file.hexDiff, true];
  else comments.push(`contents differ: sha256 ${file.sha256.original ?? "?"} vs ${file.sha256.rebuilt ?? "?"}; no diff available`);
  // Key order as diffoscope writes it: source1, source2, comments, has_internal_linenos, unified_diff, details.
  const member = { source1: file.renamedFrom ?? file.path, source2: file.path, ...(comments.length > 0 ? { comments } : {}) };
  // a .js member diffoscope could not beautify (not UTF-8: our hex dump) stays flat, as diffoscope's fallback does
  if (file.diff !== undefined && isJavaScript(file.path)) return { ...member, unified_diff: null, details: [{ source1: JS_TEXT, source2: JS_TEXT, unified_diff: unified }] };
  const [a, b] = [contents?.original.get(file.renamedFrom ?? file.path), contents?.rebuilt.get(file.path)];
  const json = a && b && !isJavaScript(file.path) ? prettyJsonDiff(a, b) : undefined;
  if (json) {
    const layer = { source1: "Pretty-printed", source2: "Pretty-printed", ...(json.comment ? { comments: [json.comment] } : {}), unified_diff: json.unified_diff };
    return { ...member, unified_diff: null, details: [layer] };
  }
  return { ...member, ...(linenos ? { has_internal_linenos: true as const } : {}), unified_diff: unified };
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
