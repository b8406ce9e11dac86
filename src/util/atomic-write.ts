/**
 * Every file bunseal writes goes to a temporary name beside its target and is
 * renamed into place, so a crash or a kill leaves either the old file or the
 * new one, never half of either.
 */
import { mkdir, rename, rm, writeFile, open } from "node:fs/promises";
import { dirname, basename, join } from "node:path";
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
    // fsync before rename: without it a power loss can leave the new name pointing at empty blocks.
    const handle = await open(tmp, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (cause) {
    await rm(tmp, { force: true });
    throw new BunsealError("IO_FAILED", `could not write ${path}: ${(cause as Error).message}`, { file: path, cause });
  }
}
