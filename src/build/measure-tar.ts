/**
 * The artifact as bunseal's own process measures it, once the sandbox and
 * everything it started are gone: the tar read once into memory, shown to be
 * the deterministic tar packTar writes (src/artifact/tar-check.ts), and every
 * digest taken here. The bytes kept are the ones written to the out folder,
 * so nothing that could still write the worker's file (a process the build
 * left behind where there was no sandbox) can change what was signed.
 */
import { readFile, stat } from "node:fs/promises";
import { DEFAULT_TAR_LIMITS } from "../artifact/tar-read.ts";
import { readOwnTar } from "../artifact/tar-check.ts";
export { preloadTarCheck } from "../artifact/tar-check.ts";
import { BunsealError } from "../errors.ts";
import { sha256HexAsync } from "../util/digest.ts";
import type { PackagedFile } from "./worker-protocol.ts";

export interface MeasuredTar {
  bytes: Uint8Array;
  sha256: string;
  files: PackagedFile[];
}

/** The most bunseal reads back: every entry at the tar reader's limit, and room for the headers. */
const MAX_TAR_BYTES = DEFAULT_TAR_LIMITS.maxTotalBytes + 64 * 1024 * 1024;

export async function measureTar(tarPath: string, mtime: number): Promise<MeasuredTar> {
  let bytes: Uint8Array;
  try {
    // the file's size is the build's to choose: a sparse file of terabytes is refused before it is read
    const { size } = await stat(tarPath);
    if (size > MAX_TAR_BYTES) throw new BunsealError("BUILD_FAILED", `the build worker's tar is ${size} bytes; expected at most ${MAX_TAR_BYTES}, nothing is signed`, { file: tarPath, expected: `at most ${MAX_TAR_BYTES} bytes`, found: `${size} bytes` });
    bytes = await readFile(tarPath);
  } catch (cause) {
    if (cause instanceof BunsealError) throw cause;
    throw new BunsealError("IO_FAILED", `could not read the tar the build wrote at ${tarPath}: ${(cause as Error).message}`, { file: tarPath, expected: "a readable file", cause });
  }
  const entries = await readOwnTar(bytes, mtime, tarPath);
  // on the thread pool, all at once: the tar's digest and each file's
  const [sha256, ...digests] = await Promise.all([sha256HexAsync(bytes), ...entries.map((e) => sha256HexAsync(e.data))]);
  const files = entries.map((e, i) => ({ path: e.path, sha256: digests[i]!, size: e.data.byteLength, executable: e.executable, offset: e.offset }));
  return { bytes, sha256: sha256!, files };
}
