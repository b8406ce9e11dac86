/**
 * The tar the build worker wrote, checked by bunseal's own process before a
 * digest of it is taken: the worker runs the project's macros, so the file is
 * the build's word until it is shown to be exactly the deterministic tar
 * `packTar` makes of the files it holds. The check is the strictest there is:
 * the entries are read out and packed again, and the two must be equal byte
 * for byte, so no header field, padding, order or trailing byte can carry
 * anything `packTar` would not have written. Each file's data is compared by
 * identity, not copied: packTar hands back the very view it was given.
 */
import { BunsealError } from "../errors.ts";
import { decodeHeader, isZeroBlock, TarDefect } from "./tar-header.ts";
import { applyExtended, decodePax } from "./tar-extended.ts";
import { MAX_EXTENDED_HEADER_BYTES } from "./tar-read.ts";

const BLOCK = 512;

/**
 * The packer (tar-stream) is loaded when first needed, not with the CLI: the
 * build stage starts loading it while the worker bundles (preloadTarCheck), when
 * this process is otherwise idle.
 */
let packer: Promise<typeof import("./tar-pack.ts")> | undefined;
const loadPacker = () => (packer ??= import("./tar-pack.ts"));
export function preloadTarCheck(): void {
  void loadPacker().catch(() => undefined);
}

export interface OwnTarEntry {
  path: string;
  /** the entry's bytes, a view into the tar (not a copy) */
  data: Uint8Array;
  executable: boolean;
  /** where the data starts inside the tar */
  offset: number;
}

/**
 * The entries of `tar`, in order, when it is byte for byte what packTar makes
 * of them with `mtime`; otherwise BUILD_FAILED naming what differs.
 */
export async function readOwnTar(tar: Uint8Array, mtime: number, file: string): Promise<OwnTarEntry[]> {
  const refuse = (expected: string, found: string) =>
    new BunsealError("BUILD_FAILED", `the build worker's tar is not the tar bunseal writes: expected ${expected}, got ${found}; nothing is signed`, { file, expected, found });
  let entries: OwnTarEntry[];
  try {
    entries = walk(tar);
  } catch (error) {
    if (error instanceof TarDefect) throw refuse(error.expected, error.found);
    throw error;
  }
  const { packChunks } = await loadPacker();
  const view = Buffer.from(tar.buffer, tar.byteOffset, tar.byteLength);
  let at = 0;
  for await (const chunk of packChunks(entries, { mtime })) {
    // a file's data comes back as the view into `tar` it was given: the same bytes, nothing to compare
    const same = chunk.buffer === tar.buffer && chunk.byteOffset === tar.byteOffset + at && at + chunk.byteLength <= tar.byteLength;
    if (!same && !view.subarray(at, at + chunk.byteLength).equals(chunk)) {
      const differs = at + firstDifference(chunk, tar.subarray(at, at + chunk.byteLength));
      throw refuse(`the bytes packTar makes of its ${entries.length} file(s)`, `${tar.byteLength} bytes that differ from byte ${differs}`);
    }
    at += chunk.byteLength;
  }
  if (at !== tar.byteLength) throw refuse(`the ${at} bytes packTar makes of its ${entries.length} file(s)`, `${tar.byteLength} bytes that differ from byte ${Math.min(at, tar.byteLength)}`);
  return entries;
}

/** Headers as packTar writes them: a ustar entry, preceded by a pax header only for a path ustar cannot hold. */
function walk(tar: Uint8Array): OwnTarEntry[] {
  const entries: OwnTarEntry[] = [];
  const block = (at: number) => {
    if (at + BLOCK > tar.byteLength) throw new TarDefect("another 512-byte block", `the end of the file at byte ${tar.byteLength}`);
    return tar.subarray(at, at + BLOCK);
  };
  for (let at = 0; ; ) {
    let header = block(at);
    if (isZeroBlock(header)) return entries;
    let decoded = decodeHeader(header);
    if (decoded.type === "x") {
      if (decoded.size > MAX_EXTENDED_HEADER_BYTES) throw new TarDefect(`a pax header of at most ${MAX_EXTENDED_HEADER_BYTES} bytes`, `${decoded.size} bytes`);
      const pax = decodePax(tar.subarray(at + BLOCK, at + BLOCK + decoded.size));
      at += BLOCK + padded(decoded.size);
      header = block(at);
      decoded = decodeHeader(header);
      applyExtended(decoded, { pax });
    }
    if (decoded.type !== "0") throw new TarDefect("a regular file entry", `type ${JSON.stringify(decoded.type)}`);
    const offset = at + BLOCK;
    if (offset + decoded.size > tar.byteLength) throw new TarDefect(`${decoded.size} bytes of data`, "the end of the file (a truncated tar)");
    entries.push({ path: decoded.name, data: tar.subarray(offset, offset + decoded.size), executable: (decoded.mode & 0o111) !== 0, offset });
    at = offset + padded(decoded.size);
  }
}

const padded = (size: number) => Math.ceil(size / BLOCK) * BLOCK;

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.byteLength, b.byteLength);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}
