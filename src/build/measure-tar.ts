/**
 * The artifact as bunseal's own process measures it, once the sandbox and
 * everything it started are gone: the tar shown to be the deterministic tar
 * packTar writes (src/artifact/tar-check.ts), and every digest taken here.
 *
 * Where the build ran sandboxed, nothing can write the worker's file any more
 * (every process of its PID namespace is dead, and no other process of the
 * build's could open it): the file is taken back (owner, mode), mapped rather
 * than copied, and is itself the artifact, renamed into place once synced.
 * Where there was no sandbox, a process the build left behind could still
 * write it, so its bytes are copied into memory once and those bytes, the ones
 * hashed, are what is written out.
 */
import { chmodSync, chownSync, lstatSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { DEFAULT_TAR_LIMITS } from "../artifact/tar-read.ts";
import { readOwnTar } from "../artifact/tar-check.ts";
export { preloadTarCheck } from "../artifact/tar-check.ts";
import { BunsealError } from "../errors.ts";
import { sha256Hex } from "../util/digest.ts";
import type { PackagedFile } from "./worker-protocol.ts";

export interface MeasuredTar {
  bytes: Uint8Array;
  sha256: string;
  files: PackagedFile[];
  /** the worker's file is the artifact (the sandbox is gone): rename it, do not write `bytes` again */
  inPlace: boolean;
}

/** The most bunseal reads back: every entry at the tar reader's limit, and room for the headers. */
const MAX_TAR_BYTES = DEFAULT_TAR_LIMITS.maxTotalBytes + 64 * 1024 * 1024;

export interface MeasureOptions {
  /** every process that could write the file is dead (a sandbox, ended whole): the file may be kept as it is */
  sealed: boolean;
}

export async function measureTar(tarPath: string, mtime: number, options: MeasureOptions = { sealed: false }): Promise<MeasuredTar> {
  let bytes: Uint8Array;
  let inPlace = false;
  try {
    // the file's size and kind are the build's to choose: a sparse file of terabytes, or anything
    // but the one regular file bunseal made, is refused before it is read
    const stat = lstatSync(tarPath);
    if (!stat.isFile() || stat.nlink !== 1) throw new BunsealError("BUILD_FAILED", `the build worker's tar at ${tarPath} is not the one regular file bunseal made for it; nothing is signed`, { file: tarPath, expected: "a regular file with one link", found: stat.isFile() ? `${stat.nlink} links` : "another kind of file" });
    if (stat.size > MAX_TAR_BYTES) throw new BunsealError("BUILD_FAILED", `the build worker's tar is ${stat.size} bytes; expected at most ${MAX_TAR_BYTES}, nothing is signed`, { file: tarPath, expected: `at most ${MAX_TAR_BYTES} bytes`, found: `${stat.size} bytes` });
    if (options.sealed && stat.size > 0) {
      takeBack(tarPath);
      // a private map of a file nothing writes: the page cache is read in place (copying 30 MB
      // into fresh memory cost ≈100 ms on this machine, more than hashing it)
      bytes = Bun.mmap(tarPath, { shared: false });
      inPlace = true;
    } else {
      bytes = await readFile(tarPath);
    }
  } catch (cause) {
    if (cause instanceof BunsealError) throw cause;
    throw new BunsealError("IO_FAILED", `could not read the tar the build wrote at ${tarPath}: ${(cause as Error).message}`, { file: tarPath, expected: "a readable file", cause });
  }
  const entries = await readOwnTar(bytes, mtime, tarPath);
  // Bun's native hasher, on this thread: WebCrypto's copied each buffer first and ran ≈6× slower here
  const sha256 = sha256Hex(bytes);
  const files = entries.map((e) => ({ path: e.path, sha256: sha256Hex(e.data), size: e.data.byteLength, executable: e.executable, offset: e.offset }));
  return { bytes, sha256, files, inPlace };
}

/** The sandbox's uid gave the file its writes; it becomes bunseal's again, read-only to everyone else, before it is read. */
function takeBack(path: string): void {
  const uid = process.getuid?.();
  const gid = process.getgid?.();
  if (uid !== undefined && gid !== undefined) chownSync(path, uid, gid);
  chmodSync(path, 0o644);
}
