/**
 * Stage `compare` of rebuild: what differs between the published artifact and
 * the rebuilt one, file by file, with enough detail (first differing byte,
 * bounded diff, source origin, differing snippets) for `explain` to say why.
 */
import { BunsealError } from "../errors.ts";
import { compareUtf8, showPath } from "../artifact/tar-path.ts";
import { listTar, readTarFiles, DEFAULT_TAR_LIMITS, type TarSource } from "../artifact/tar-read.ts";
import { sha256Hex } from "../util/digest.ts";
import { MAX_REGIONS, regionsOf, type Region } from "./regions.ts";
import { hexDiff, unifiedDiff } from "./diff-text.ts";
import { findSourceMap, originalPosition, parseSourceMap, positionAt, type Origin } from "./sourcemap.ts";
import { differingSpans, reorderedUnit, sameHistogram } from "./text-diff.ts";

export interface ArtifactEntry { path: string; data: Uint8Array; mode: number; mtime: number; uid: number; gid: number; uname: string; gname: string }
/** An entry without its data: one line of the archive's listing. */
export type EntryHeader = Omit<ArtifactEntry, "data"> & { size: number };

export interface FileDifference {
  path: string;
  /** added = only in rebuilt; removed = only in original; metadata = same bytes, header fields differ */
  kind: "added" | "removed" | "changed" | "metadata";
  size: { original?: number; rebuilt?: number };
  /** hex */
  sha256: { original?: string; rebuilt?: string };
  /** byte offset of the first difference (changed, or added with renamedFrom) */
  firstDifferenceAt?: number;
  /** header fields that differ: { mode: [0o644, 0o755] } */
  metadata?: Record<string, [unknown, unknown]>;
  /** text files: a bounded unified diff; minified lines are shown as windows with their column */
  diff?: string;
  /** binary files: xxd-style hunks around the differences, as diffoscope shows them */
  hexDiff?: string;
  /** where the first difference comes from, via the output's sourcemap */
  origin?: Origin;
  /** differing spans, each widened to the whole literal or word it is in; offset is the snippet's byte offset in the original */
  regions?: Region[];
  /** both versions hold the same multiset of lines (or statements, or bytes), only in another order */
  reordered?: "lines" | "statements" | "bytes";
  /** added only: the removed file this one replaces, the same name but for its content hash (`chunk-[hash].js`); the content fields above compare against it */
  renamedFrom?: string;
}

export type { Region };

export interface Comparison {
  identical: boolean;
  /** sorted by path (UTF-8 byte order) */
  files: FileDifference[];
  /** hex sha256 of each tar, when compared as tars */
  tar?: { original: string; rebuilt: string };
  /** the shared paths, each in its archive's order, when that order differs */
  entryOrder?: { original: string[]; rebuilt: string[] };
  /** every entry's header in archive order: the "file list" diffoscope shows */
  listing?: { original: EntryHeader[]; rebuilt: EntryHeader[] };
}

const HEADER_FIELDS = ["mode", "mtime", "uid", "gid", "uname", "gname"] as const;
/** Larger files get digests and the first differing byte, but no text analysis. */
const MAX_ANALYSED_BYTES = 32 * 1024 * 1024;

export function compareEntries(original: readonly ArtifactEntry[], rebuilt: readonly ArtifactEntry[]): Comparison {
  const a = byPath(original, "original");
  const b = byPath(rebuilt, "rebuilt");
  const files: FileDifference[] = [];
  for (const path of [...new Set([...a.keys(), ...b.keys()])].sort(compareUtf8)) {
    const x = a.get(path);
    const y = b.get(path);
    if (x === undefined || y === undefined) {
      const side = x === undefined ? "rebuilt" : "original";
      const data = (x ?? y)!.data;
      files.push({ path, kind: x === undefined ? "added" : "removed", size: { [side]: data.length }, sha256: { [side]: sha256Hex(data) } });
      continue;
    }
    const metadata = headerDifferences(x, y);
    const same = firstDifference(x.data, y.data) < 0;
    if (same && metadata === undefined) continue;
    const file: FileDifference = {
      path,
      kind: same ? "metadata" : "changed",
      size: { original: x.data.length, rebuilt: y.data.length },
      sha256: { original: sha256Hex(x.data), rebuilt: sha256Hex(y.data) },
    };
    if (metadata) file.metadata = metadata;
    if (!same) Object.assign(file, contentDifference([path, path], x.data, y.data, a, b));
    files.push(file);
  }
  pairRenamed(files, a, b);
  const comparison: Comparison = { identical: false, files, listing: { original: original.map(header), rebuilt: rebuilt.map(header) } };
  const order = (entries: readonly ArtifactEntry[], other: Map<string, ArtifactEntry>) => entries.map((e) => e.path).filter((p) => other.has(p));
  const [first, second] = [order(original, b), order(rebuilt, a)];
  if (first.some((p, i) => p !== second[i])) comparison.entryOrder = { original: first, rebuilt: second };
  comparison.identical = files.length === 0 && comparison.entryOrder === undefined;
  return comparison;
}

/** Reads both archives with the strict reader (hostile input: limits, no extraction) and compares them. */
export async function compareTars(originalTar: TarSource, rebuiltTar: TarSource): Promise<Comparison> {
  const [a, b] = await Promise.all([readEntries(originalTar), readEntries(rebuiltTar)]);
  const comparison = compareEntries(a.entries, b.entries);
  comparison.tar = { original: a.sha256, rebuilt: b.sha256 };
  // Same entries in different framing (padding, pax records, header fields we do not read) is still a different artifact.
  comparison.identical &&= a.sha256 === b.sha256;
  return comparison;
}

async function readEntries(source: TarSource): Promise<{ entries: ArtifactEntry[]; sha256: string }> {
  // Read once and parse those bytes twice, so the listing, the data and the digest are all of one version of the file.
  const bytes = typeof source === "string" ? await readBounded(source) : source;
  const [infos, data] = await Promise.all([listTar(bytes), readTarFiles(bytes)]);
  const entries = infos.map(({ sha256: _, size: __, ...info }) => ({ ...info, data: data.get(info.path)! }));
  return { entries, sha256: sha256Hex(bytes) };
}

async function readBounded(path: string): Promise<Uint8Array> {
  const file = Bun.file(path);
  // Headers and padding come on top of the data limit; an archive far past both is refused before it is read.
  const limit = DEFAULT_TAR_LIMITS.maxTotalBytes + 64 * 1024 * 1024;
  try {
    if (file.size > limit) throw new BunsealError("ARCHIVE_INVALID", `${path}: expected a tar of at most ${limit} bytes, got ${file.size}`, { file: path, expected: `at most ${limit} bytes`, found: `${file.size} bytes` });
    return await file.bytes();
  } catch (cause) {
    if (cause instanceof BunsealError) throw cause;
    throw new BunsealError("INPUT_UNREADABLE", `could not read ${path}: ${(cause as Error).message}`, { file: path, cause });
  }
}

function byPath(entries: readonly ArtifactEntry[], side: string): Map<string, ArtifactEntry> {
  const map = new Map<string, ArtifactEntry>();
  for (const entry of entries) {
    // Two entries with one path: which is "the" file depends on the extractor, so there is nothing sound to compare.
    if (map.has(entry.path)) {
      throw new BunsealError("ARCHIVE_INVALID", `${side} artifact: expected each path once, got ${showPath(entry.path)} twice`, { field: entry.path, expected: "each path once", found: "a duplicate entry" });
    }
    map.set(entry.path, entry);
  }
  return map;
}

function header({ data, ...rest }: ArtifactEntry): EntryHeader {
  return { ...rest, size: data.length };
}

function headerDifferences(x: ArtifactEntry, y: ArtifactEntry): Record<string, [unknown, unknown]> | undefined {
  const out: Record<string, [unknown, unknown]> = {};
  for (const field of HEADER_FIELDS) if (x[field] !== y[field]) out[field] = [x[field], y[field]];
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Index of the first differing byte (a length difference counts at the shorter length), or -1. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  const CHUNK = 64 * 1024;
  let i = 0;
  // Native comparison a chunk at a time; a byte loop only inside the chunk that differs.
  while (i < n && Buffer.compare(a.subarray(i, Math.min(n, i + CHUNK)), b.subarray(i, Math.min(n, i + CHUNK))) === 0) i += CHUNK;
  for (i = Math.min(i, n); i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

type Files = Map<string, ArtifactEntry>;

function contentDifference(paths: [string, string], x: Uint8Array, y: Uint8Array, a: Files, b: Files): Partial<FileDifference> {
  const at = firstDifference(x, y);
  if (at < 0) return {};
  const out: Partial<FileDifference> = { firstDifferenceAt: at };
  const [textA, textB] = [asText(x), asText(y)];
  if (textA === undefined || textB === undefined) {
    out.hexDiff = hexDiff(x, y, at);
    if (x.length === y.length && sameHistogram(x, y)) out.reordered = "bytes";
    return out;
  }
  out.diff = unifiedDiff(paths, textA, textB);
  // More spans than regions are kept: a reordered list is many spans that become one region.
  out.regions = regionsOf(textA, textB, differingSpans(textA, textB, 4 * MAX_REGIONS));
  const reordered = reorderedUnit(textA, textB);
  if (reordered) out.reordered = reordered;
  if (!paths[0].endsWith(".map")) {
    // The original's own map first: it is what was published. Both maps agree up to the first difference.
    for (const [path, text, files, bytes] of [[paths[0], textA, a, x], [paths[1], textB, b, y]] as const) {
      const map = parseSourceMap(findSourceMap(path, text, (p) => files.get(p)?.data) ?? "");
      const pos = positionAt(bytes, at);
      const origin = map && originalPosition(map, pos.line, pos.column);
      if (origin) return { ...out, origin };
    }
  }
  return out;
}

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function asText(bytes: Uint8Array): string | undefined {
  if (bytes.length > MAX_ANALYSED_BYTES || bytes.includes(0)) return undefined;
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Bun names chunks `chunk-[hash].js`: 8 base-36 characters that change whenever the content does. */
export const HASHED_NAME = /(?<=[-.])[a-z0-9]{8}(?=\.)/g;

function pairRenamed(files: FileDifference[], a: Files, b: Files): void {
  const key = (path: string) => path.replace(HASHED_NAME, "*");
  const unique = (kind: FileDifference["kind"]) => {
    const groups = Map.groupBy(files.filter((f) => f.kind === kind && key(f.path) !== f.path), (f) => key(f.path));
    return new Map([...groups].filter(([, g]) => g.length === 1).map(([k, g]) => [k, g[0]!]));
  };
  const removed = unique("removed");
  for (const [k, added] of unique("added")) {
    const gone = removed.get(k);
    if (gone === undefined) continue;
    const [x, y] = [a.get(gone.path)!.data, b.get(added.path)!.data];
    added.renamedFrom = gone.path;
    Object.assign(added, contentDifference([gone.path, added.path], x, y, a, b));
  }
}
