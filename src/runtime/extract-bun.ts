/**
 * Takes the Bun binary out of an npm package tarball, in memory, through the
 * project's strict tar reader: a package that holds a link, a path leaving the
 * archive or a duplicate entry is refused, never half-extracted onto disk.
 */
import { BunsealError, isBunsealError } from "../errors.ts";
import { readTarFiles } from "../artifact/tar-read.ts";

// A platform package is package.json, a README and the binary; far fewer entries
// and bytes than the reader's defaults, which are sized for release artifacts.
const LIMITS = { maxEntries: 64, maxEntryBytes: 512 * 1024 * 1024, maxTotalBytes: 768 * 1024 * 1024 };

/** `exe` is the binary's path inside the package, e.g. "bin/bun"; `where` names the package and URL for messages. */
export async function extractBunBinary(tgz: Uint8Array, exe: string, where: string): Promise<Uint8Array> {
  const invalid = (why: string, cause?: unknown): never => {
    // The package came from the registry, not from the user: exit 3, not ARCHIVE_INVALID's exit 2.
    throw new BunsealError("BUN_REGISTRY_FAILED", `${where} is not a usable Bun package: ${why}`, { expected: `an npm package holding package/${exe}`, found: why, cause });
  };
  let tar: Uint8Array;
  try {
    tar = Bun.gunzipSync(tgz as Uint8Array<ArrayBuffer>);
  } catch (cause) {
    return invalid(`not gzip data (${(cause as Error).message})`, cause);
  }
  let files: Map<string, Uint8Array>;
  try {
    files = await readTarFiles(tar, LIMITS);
  } catch (cause) {
    if (!isBunsealError(cause)) throw cause;
    return invalid(cause.message, cause);
  }
  // npm packs everything under "package/"; the name is fixed by `npm pack`, not by the publisher.
  const binary = files.get(`package/${exe}`);
  if (binary === undefined || binary.byteLength === 0) return invalid(`expected an entry package/${exe}, found ${[...files.keys()].slice(0, 8).join(", ") || "no files"}`);
  return binary;
}
