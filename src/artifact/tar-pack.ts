/**
 * The release artifact: a tar whose bytes depend only on the files' paths,
 * contents and executable bits and on SOURCE_DATE_EPOCH, so two builds of the
 * same commit produce the same digest.
 *
 * What tar-stream 3.x emits (checked against its pack.js/headers.js, pinned in bun.lock):
 * - POSIX ustar headers ("ustar\0" "00"). A path over 100 bytes is split into the
 *   ustar prefix field at a '/' when it fits (prefix <= 155, name <= 100 bytes).
 * - Only when it cannot be split (one segment over 100 bytes, or any non-ASCII
 *   byte in the path) does it write a pax 'x' header named "PaxHeader". That
 *   header carries a single `path=` record, never mtime/atime/ctime, and its own
 *   ustar fields are copied from the entry, so it is as deterministic as the entry.
 * - The archive ends with two zero blocks (1024 bytes) and is not padded to the
 *   10240-byte record size GNU tar uses; every reader accepts that.
 */
import tar from "tar-stream";
import { BunsealError } from "../errors.ts";
import { compareUtf8, pathProblem, PathTree, showPath } from "./tar-path.ts";

export interface ArtifactFile {
  path: string;
  data: Uint8Array;
  executable?: boolean;
}

export interface PackOptions {
  /** SOURCE_DATE_EPOCH, in whole seconds; written as every entry's mtime */
  mtime: number;
}

// tar-stream writes the mtime as `(ms / 1000) | 0`, which wraps negative from
// 2038-01-19; refuse rather than write a corrupt header.
const MAX_MTIME = 2 ** 31 - 1;

export async function packTar(files: readonly ArtifactFile[], options: PackOptions): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of packChunks(files, options)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * The tar packTar makes, piece by piece as tar-stream writes it: headers and
 * padding, and each file's data as the very bytes it was given (not a copy), so
 * a caller that compares a tar against it (src/artifact/tar-check.ts) need not
 * copy tens of megabytes of data to check its headers.
 */
export async function* packChunks(files: readonly ArtifactFile[], options: PackOptions): AsyncGenerator<Uint8Array> {
  const { mtime } = options;
  if (!Number.isInteger(mtime) || mtime < 0 || mtime > MAX_MTIME) {
    throw new BunsealError("BUILD_FAILED", `expected SOURCE_DATE_EPOCH to be whole seconds from 0 to ${MAX_MTIME}, got ${mtime}`, {
      field: "mtime",
      expected: `an integer from 0 to ${MAX_MTIME}`,
      found: String(mtime),
    });
  }
  const sorted = checkedAndSorted(files);

  const pack = tar.pack();
  const date = new Date(mtime * 1000);
  for (const file of sorted) {
    pack.entry(
      {
        name: file.path,
        // Only 'file' entries: directory entries carry nothing the paths do not already say,
        // and their modes and mtimes are exactly the metadata that differs between tools.
        type: "file",
        mode: file.executable === true ? 0o755 : 0o644,
        mtime: date,
        uid: 0,
        gid: 0,
        // Empty names, so the builder's account name never reaches the artifact.
        uname: "",
        gname: "",
      },
      // Without copying: tar-stream only reads the bytes.
      Buffer.from(file.data.buffer, file.data.byteOffset, file.data.byteLength),
    );
  }
  pack.finalize();
  for await (const chunk of pack) yield chunk as Buffer;
}

/**
 * These files come from our own build, so a bad path means the build produced
 * something we will not sign: BUILD_FAILED, not a user-input error.
 */
function checkedAndSorted(files: readonly ArtifactFile[]): ArtifactFile[] {
  const tree = new PathTree();
  for (const file of files) {
    const problem = pathProblem(file.path);
    if (problem !== undefined) {
      throw new BunsealError("BUILD_FAILED", `artifact file ${showPath(file.path)}: expected a relative POSIX path like "dist/app.js", got ${problem}`, {
        field: file.path,
        expected: "a relative POSIX path without '..', '.', empty segments or backslashes",
        found: problem,
      });
    }
    const conflict = tree.add(file.path, "file");
    if (conflict !== undefined) {
      throw new BunsealError("BUILD_FAILED", `artifact file ${showPath(file.path)}: expected each path once and no file used as a directory, got ${conflict}`, {
        field: file.path,
        expected: "each path once and no file used as a directory",
        found: conflict,
      });
    }
  }
  return [...files].sort((a, b) => compareUtf8(a.path, b.path));
}
