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

/** A file written and synced under a temporary name, waiting to be renamed into place. */
export interface StagedFile {
  path: string;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * Writes and syncs the data under a temporary name now; `commit` renames it
 * into place later. Lets a large artifact be written while its attestation is
 * still being made, and still appear only when everything is ready.
 */
export async function stageFile(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<StagedFile> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`);
  const fail = async (cause: unknown): Promise<never> => {
    await rm(tmp, { force: true });
    throw new BunsealError("IO_FAILED", `could not write ${path}: ${(cause as Error).message}`, { file: path, cause });
  };
  try {
    await mkdir(dir, { recursive: true });
    await writeSynced(tmp, data, options);
  } catch (cause) {
    return fail(cause);
  }
  return adoptStaged(tmp, path);
}

/** Wraps a file some other process already wrote and synced under a temporary name. */
export function adoptStaged(tmp: string, path: string): StagedFile {
  return {
    path,
    commit: () =>
      rename(tmp, path).catch(async (cause) => {
        await rm(tmp, { force: true });
        throw new BunsealError("IO_FAILED", `could not write ${path}: ${(cause as Error).message}`, { file: path, cause });
      }),
    abort: () => rm(tmp, { force: true }),
  };
}

/** Writes and fsyncs: without the sync a power loss can leave a renamed file pointing at empty blocks. */
export async function writeSynced(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  await writeFile(path, data, { mode: options.mode ?? 0o644 });
  await syncFile(path);
}

export async function syncFile(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  await (await stageFile(path, data, options)).commit();
}
