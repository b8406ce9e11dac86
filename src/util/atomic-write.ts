/**
 * Every file bunseal writes goes to a temporary name beside its target and is
 * renamed into place, so a crash or a kill leaves either the old file or the
 * new one, never half of either.
 */
import { mkdir, open, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { BunsealError } from "../errors.ts";

export interface AtomicWriteOptions {
  mode?: number;
}

export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(tmp, data, { mode: options.mode ?? 0o644 });
    await syncFile(tmp);
  } catch (cause) {
    await rm(tmp, { force: true });
    throw new BunsealError("IO_FAILED", `could not write ${path}: ${(cause as Error).message}`, { file: path, cause });
  }
  await renameIntoPlace(tmp, path);
}

/**
 * Moves a file already written and synced under a temporary name (by this
 * process, or the build worker) to its place.
 */
export async function renameIntoPlace(tmp: string, path: string): Promise<void> {
  try {
    await rename(tmp, path);
  } catch (cause) {
    await rm(tmp, { force: true });
    throw new BunsealError("IO_FAILED", `could not write ${path}: ${(cause as Error).message}`, { file: path, cause });
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
