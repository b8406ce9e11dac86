/**
 * Every file bunseal writes goes to a temporary name beside its target and is
 * renamed into place, so a crash or a kill leaves either the old file or the
 * new one, never half of either.
 *
 * What the disk says no with becomes a BunsealError naming the path: a file
 * where a folder is expected is the user's input (NOT_A_DIRECTORY, exit 2);
 * anything else (read-only, no permission, full) is the machine (IO_FAILED, exit 3).
 */
import { mkdir, open, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { BunsealError } from "../errors.ts";

export interface AtomicWriteOptions {
  mode?: number;
}

export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const tmp = await stageFile(path, data, options);
  await renameIntoPlace(tmp, path);
}

/**
 * The first half of writeFileAtomic: the data written and synced under a
 * temporary name beside `path`, for a caller that must do something else
 * (record it in the store) before it renames the file into place.
 */
export async function stageFile(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<string> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(tmp, data, { mode: options.mode ?? 0o644 });
    await syncFile(tmp);
  } catch (cause) {
    await removeQuietly(tmp);
    throw await ioError(path, cause);
  }
  return tmp;
}

/**
 * Moves a file already written and synced under a temporary name (by this
 * process, or the build worker) to its place.
 */
export async function renameIntoPlace(tmp: string, path: string): Promise<void> {
  try {
    await rename(tmp, path);
  } catch (cause) {
    await removeQuietly(tmp);
    throw await ioError(path, cause);
  }
}

/**
 * Makes `dir` if needed and proves a file can be written there (a small file,
 * written, synced and removed), so a read-only, full or misnamed folder is
 * found before work whose result would have nowhere to go.
 */
export async function ensureWritableDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (cause) {
    throw await ioError(dir, cause, "create the folder");
  }
  const probe = join(dir, `.bunseal-probe.${process.pid}.${crypto.randomUUID().slice(0, 8)}`);
  try {
    // one block, not one byte: a disk with no block left must fail here (ext4 and tmpfs
    // reserve blocks at write time, so no fsync is needed to hear about it)
    await writeFile(probe, new Uint8Array(4096));
  } catch (cause) {
    throw await ioError(dir, cause, "write to the folder");
  } finally {
    await removeQuietly(probe);
  }
}

/** fsync: without it a power loss can leave a renamed file pointing at empty blocks. */
export async function syncFile(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * What a failed write means, naming the path. ENOTDIR, or EEXIST from making a
 * folder, means a file stands where a folder must be: that path is named.
 */
export async function ioError(path: string, cause: unknown, action = "write"): Promise<BunsealError> {
  if (cause instanceof BunsealError) return cause;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOTDIR" || code === "EEXIST") {
    const file = await fileInTheWay(code === "EEXIST" ? path : dirname(path));
    if (file !== undefined) {
      return new BunsealError("NOT_A_DIRECTORY", `${file}: expected a folder${file === path ? "" : ` (on the way to ${path})`}, got a file`, { file, expected: "a folder", found: "a file", cause });
    }
  }
  const why = (cause as Error | undefined)?.message ?? String(cause);
  return new BunsealError("IO_FAILED", `could not ${action} ${path}: ${why}`, { file: path, expected: "a writable place with free space", found: code ?? why, cause });
}

/** The nearest of `path` and its parents that exists and is not a folder. */
async function fileInTheWay(path: string): Promise<string | undefined> {
  for (let p = resolve(path); ; p = dirname(p)) {
    const info = await stat(p).catch(() => undefined);
    if (info) return info.isDirectory() ? undefined : p;
    if (dirname(p) === p) return undefined;
  }
}

/** Cleanup after a failure must not replace the failure: an rm that fails too (read-only, not a folder) is ignored. */
async function removeQuietly(path: string): Promise<void> {
  await rm(path, { force: true }).catch(() => undefined);
}
