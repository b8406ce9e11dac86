/**
 * Fetched Bun releases on disk, one folder each:
 * `<cacheDir>/bun-<version>-<platform>/bun` beside `entry.json`, which records
 * where the binary came from, the integrity its tarball was checked against,
 * and the binary's own sha256. entry.json is written last, so a folder without
 * it is an interrupted fetch and is simply fetched again.
 *
 * A hit is re-hashed and re-probed before use: a binary that was corrupted or
 * swapped (even for one that prints the right version) no longer matches the
 * digest recorded when it passed the registry's integrity check. This guards
 * against damage and against tools that write into caches; it cannot guard
 * against someone able to rewrite entry.json too, since both live in the same
 * folder — that person could equally replace bunseal.
 */
import { chmod, readFile, rm } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { z } from "../vendor/zod.js";
import { BunsealError, isBunsealError } from "../errors.ts";
import { writeFileAtomic } from "../util/atomic-write.ts";
import { sha256File, sha256Hex } from "../util/digest.ts";
import { probeBun, type BunRuntime } from "./probe-bun.ts";

const CacheEntry = z.strictObject({
  version: z.string(),
  package: z.string(),
  tarball: z.string(),
  integrity: z.string().startsWith("sha512-"),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().positive(),
  revision: z.string().regex(/^[0-9a-f]{40}$/),
});
export type CacheEntry = z.infer<typeof CacheEntry>;

export function defaultCacheDir(env: Record<string, string | undefined> = process.env): string {
  return env.BUNSEAL_CACHE || join(homedir(), ".bunseal", "cache", "bun");
}

/** The version is checked by version-name.ts first, so it cannot climb out of the cache folder. */
export function cacheEntryDir(cacheDir: string, version: string, packageName: string): string {
  return join(cacheDir, `bun-${version}-${packageName.replace(/^@oven\/bun-/, "")}`);
}

/** The cached Bun if it is intact, else undefined (after removing what was there). */
export async function readCachedBun(dir: string, want: { version: string; packageName: string; exe: string }, onProgress?: (msg: string) => void): Promise<BunRuntime | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, "entry.json"), "utf8");
  } catch {
    return undefined;
  }
  const discard = async (why: string): Promise<undefined> => {
    onProgress?.(`the cached Bun ${want.version} in ${dir} ${why}; discarding it and fetching again`);
    await rm(dir, { recursive: true, force: true });
    return undefined;
  };
  let entry: CacheEntry;
  try {
    entry = CacheEntry.parse(JSON.parse(text));
  } catch {
    return discard("has an unreadable entry.json");
  }
  if (entry.version !== want.version || entry.package !== want.packageName) return discard(`is recorded as ${entry.package}@${entry.version}`);
  const path = join(dir, want.exe);
  let actual;
  try {
    actual = await sha256File(path);
  } catch {
    return discard("has no binary");
  }
  if (actual.hex !== entry.sha256 || actual.size !== entry.size) {
    return discard(`does not match the digest recorded when it was fetched (expected sha256:${entry.sha256}, got sha256:${actual.hex})`);
  }
  let bun: BunRuntime;
  try {
    bun = await probeBun(path);
  } catch (cause) {
    if (!isBunsealError(cause)) throw cause;
    return discard(`does not run (${cause.message})`);
  }
  if (bun.version !== entry.version || bun.revision !== entry.revision) {
    return discard(`reports Bun ${bun.version} (${bun.revision}), expected ${entry.version} (${entry.revision})`);
  }
  return bun;
}

/** Writes a checked binary into the cache, proves it runs as the version it should be, then records it. */
export async function storeCachedBun(dir: string, exe: string, binary: Uint8Array, from: Pick<CacheEntry, "version" | "package" | "tarball" | "integrity">): Promise<BunRuntime> {
  const path = join(dir, exe);
  const where = `Bun ${from.version} (${from.package} from ${from.tarball})`;
  try {
    await rm(join(dir, "entry.json"), { force: true });
    await writeFileAtomic(path, binary, { mode: 0o755 });
    // writeFile's mode passes through the umask; the binary must be executable whatever it is.
    await chmod(path, 0o755);
    let bun: BunRuntime;
    try {
      bun = await probeBun(path);
    } catch (cause) {
      if (!isBunsealError(cause)) throw cause;
      throw new BunsealError(cause.code, `${cause.message} — ${where}`, { file: path, cause });
    }
    if (bun.version !== from.version) {
      throw new BunsealError("BUN_REGISTRY_FAILED", `expected ${where} to be Bun ${from.version}, got a binary reporting ${bun.version}`, { expected: from.version, found: bun.version });
    }
    const entry: CacheEntry = { ...from, sha256: sha256Hex(binary), size: binary.byteLength, revision: bun.revision };
    await writeFileAtomic(join(dir, "entry.json"), `${JSON.stringify(entry, null, 2)}\n`);
    return bun;
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
