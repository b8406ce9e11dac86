/**
 * Reads tar archives someone else made (a published release for `rebuild` and
 * `trace`), listing and hashing entries without extracting anything.
 *
 * Not tar-stream's extract(): it reads past the end-of-archive marker (so an
 * entry appended after it is seen by us and not by GNU tar), accepts an archive
 * cut off at an entry boundary, ignores malformed pax records and pax
 * mtime/uid/gid, parses a directory's data as headers, and fixes its extended-
 * header cap at 4 MiB. A reader used to compare archives must see exactly what
 * other tools see, or refuse; so this one is small, strict and ours.
 */
import { BunsealError } from "../errors.ts";
import { ByteReader } from "./byte-reader.ts";
import { decodeHeader, isZeroBlock, TarDefect, type RawHeader } from "./tar-header.ts";
import { applyExtended, checkGlobalPax, decodePax, longName, type Extended } from "./tar-extended.ts";
import { pathProblem, PathTree, showPath } from "./tar-path.ts";

export interface TarEntryInfo {
  path: string;
  size: number;
  /** permission bits only (& 0o7777); the file type is always "regular file" */
  mode: number;
  /** seconds since the epoch; fractional when a pax header gave one */
  mtime: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  /** hex SHA-256 of the entry's data */
  sha256: string;
}

export interface TarLimits {
  maxEntries?: number;
  maxEntryBytes?: number;
  maxTotalBytes?: number;
}

/** Far above a bundled web service, far below what would exhaust a CI runner. */
export const DEFAULT_TAR_LIMITS: Required<TarLimits> = {
  maxEntries: 100_000,
  maxEntryBytes: 512 * 1024 * 1024,
  maxTotalBytes: 2 * 1024 * 1024 * 1024,
};

/** Pax and GNU long-name headers hold a path and a few numbers; more is an attempt to exhaust memory. */
export const MAX_EXTENDED_HEADER_BYTES = 64 * 1024;

export type TarSource = Uint8Array | string;

export async function listTar(source: TarSource, limits?: TarLimits): Promise<TarEntryInfo[]> {
  const entries: TarEntryInfo[] = [];
  await walkTar(source, limits, false, (info) => entries.push(info));
  return entries;
}

/** Every regular file's bytes by path; the archive is read once and nothing is written to disk. */
export async function readTarFiles(source: TarSource, limits?: TarLimits): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  await walkTar(source, limits, true, (info, data) => files.set(info.path, data!));
  return files;
}

/** Every regular file with its entry and its bytes, in one pass (an artifact unpacked for a run: src/measure/unpack.ts). */
export async function readTarEntries(source: TarSource, limits?: TarLimits): Promise<{ info: TarEntryInfo; data: Uint8Array }[]> {
  const entries: { info: TarEntryInfo; data: Uint8Array }[] = [];
  await walkTar(source, limits, true, (info, data) => entries.push({ info, data: data! }));
  return entries;
}

const LINK_OR_DEVICE = new Map([
  ["1", "a hard link"],
  ["2", "a symbolic link"],
  ["3", "a character device"],
  ["4", "a block device"],
  ["6", "a FIFO"],
  ["K", "a GNU long link name (only links have one)"],
]);

async function walkTar(source: TarSource, limits: TarLimits | undefined, keep: boolean, onFile: (info: TarEntryInfo, data?: Uint8Array) => void): Promise<void> {
  const { maxEntries, maxEntryBytes, maxTotalBytes } = { ...DEFAULT_TAR_LIMITS, ...limits };
  const file = typeof source === "string" ? source : undefined;
  const unreadable = (cause: unknown): never => {
    throw new BunsealError("INPUT_UNREADABLE", `could not read ${file}: ${(cause as Error).message}`, { file, cause });
  };
  const chunks = openChunks(source, unreadable);
  const reader = new ByteReader(chunks, unreadable);
  let entry: string | undefined;
  let place = "";
  const need = async (n: number): Promise<Uint8Array> => {
    const bytes = await reader.read(n);
    if (bytes === undefined) throw new TarDefect(`${n} more bytes`, "the end of the data (truncated archive)");
    return bytes;
  };
  try {
    let ext: Extended | undefined;
    const tree = new PathTree();
    let entries = 0;
    let total = 0;
    for (;;) {
      entry = undefined;
      const at = reader.position;
      place = `header at byte ${at}`;
      const block = await reader.read(512);
      if (block === undefined) throw new TarDefect("an end-of-archive marker (two zero blocks)", at === 0 ? "empty input" : "the end of the data (truncated archive)");
      if (at === 0 && block[0] === 0x1f && block[1] === 0x8b) throw new TarDefect("an uncompressed tar archive", "gzip data");
      if (isZeroBlock(block)) {
        place = `end-of-archive marker at byte ${at}`;
        if (ext !== undefined) throw new TarDefect("an entry after the extended header", "the end-of-archive marker");
        const second = await reader.read(512);
        if (second === undefined || !isZeroBlock(second)) throw new TarDefect("two zero blocks ending the archive", "a lone zero block");
        // An entry appended after the marker is listed by some readers and not by others.
        const stray = await reader.firstNonZero();
        if (stray !== undefined) throw new TarDefect("only zero padding after the end-of-archive marker", `data at byte ${stray}`);
        return;
      }
      const header = decodeHeader(block);
      entry = header.name;
      if (header.type === "x" || header.type === "g" || header.type === "L") {
        if (header.size > MAX_EXTENDED_HEADER_BYTES) throw new TarDefect(`an extended header of at most ${MAX_EXTENDED_HEADER_BYTES} bytes`, `${header.size} bytes`);
        const data = await need(header.size);
        await need(padding(header.size));
        if (header.type === "g") checkGlobalPax(decodePax(data));
        // With two, readers differ on which wins: the first, the last, or a merge.
        else if (ext !== undefined) throw new TarDefect("one extended header per entry", "two in a row");
        else ext = header.type === "x" ? { pax: decodePax(data) } : { longName: longName(data) };
        continue;
      }
      applyExtended(header, ext);
      ext = undefined;
      entry = header.name;
      const kind = entryKind(header);
      if (++entries > maxEntries) throw new TarDefect(`at most ${maxEntries} entries`, "more");
      let path = header.name.startsWith("./") ? header.name.slice(2) : header.name;
      if (kind === "directory" && path.endsWith("/")) path = path.slice(0, -1);
      // The archive's own root, as `tar -C dir .` writes it: nothing to list.
      if (kind === "directory" && (path === "" || path === ".") && header.size === 0) continue;
      const problem = pathProblem(path);
      if (problem !== undefined) throw new TarDefect("a relative path inside the archive", problem);
      // After "./" is dropped: `a.js` and `./a.js` are one file on disk.
      const conflict = tree.add(path, kind);
      if (conflict !== undefined) throw new TarDefect("each path once and no file used as a directory", conflict);
      if (kind === "directory") {
        if (header.size !== 0) throw new TarDefect("a directory entry without data", `${header.size} bytes of data`);
        continue;
      }
      // Both limits are checked against the header, before a byte of data is read.
      if (header.size > maxEntryBytes) throw new TarDefect(`an entry of at most ${maxEntryBytes} bytes`, `${header.size} bytes`);
      total += header.size;
      if (total > maxTotalBytes) throw new TarDefect(`at most ${maxTotalBytes} bytes in all entries`, `${total} bytes so far`);
      const hasher = new Bun.CryptoHasher("sha256");
      // A copy of its own (within the size limit just checked), so a result never aliases the caller's buffer.
      const data = keep ? new Uint8Array(header.size) : undefined;
      let filled = 0;
      const complete = await reader.pipe(header.size, (piece) => {
        hasher.update(piece);
        data?.set(piece, filled);
        filled += piece.byteLength;
      });
      if (!complete) throw new TarDefect(`${header.size} bytes of entry data`, "the end of the data (truncated archive)");
      await need(padding(header.size));
      const { size, mode, mtime, uid, gid, uname, gname } = header;
      onFile({ path, size, mode: mode & 0o7777, mtime, uid, gid, uname, gname, sha256: hasher.digest("hex") }, data);
    }
  } catch (error) {
    if (!(error instanceof TarDefect)) throw error;
    const where = entry === undefined ? place : `entry ${showPath(entry)}`;
    throw new BunsealError("ARCHIVE_INVALID", `${file ?? "archive"}: ${where}: ${error.message}`, { file, field: entry, expected: error.expected, found: error.found });
  } finally {
    // Closes the file when we stop early; a no-op after the stream has ended.
    try {
      await chunks.return?.();
    } catch {
      // the error that stopped the walk is the one to report
    }
  }
}

function openChunks(source: TarSource, unreadable: (cause: unknown) => never): AsyncIterator<Uint8Array> {
  if (typeof source !== "string") return (async function* () { yield source; })();
  try {
    // Bun opens the file here, synchronously, so a missing file throws now rather than on first read.
    return Bun.file(source).stream()[Symbol.asyncIterator]();
  } catch (cause) {
    return unreadable(cause);
  }
}

function padding(size: number): number {
  return (512 - (size % 512)) % 512;
}

function entryKind(header: RawHeader): "file" | "directory" {
  const refused = LINK_OR_DEVICE.get(header.type);
  if (refused !== undefined) throw new TarDefect("a regular file or directory", refused);
  if (header.type === "5") return "directory";
  // Before ustar, a trailing slash was how a directory was written.
  if (header.type === "0" || header.type === "\0") return header.name.endsWith("/") ? "directory" : "file";
  // Contiguous files are regular files to every modern reader.
  if (header.type === "7") return "file";
  throw new TarDefect("a regular file or directory", `an entry of unknown type ${JSON.stringify(header.type)}`);
}
