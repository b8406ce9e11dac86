/**
 * Where rebuild checkouts and check copies go. Writing ten thousand small
 * files to a journalled disk took this project's CI machine seconds where the
 * build itself took half of one, so a memory file system is used when there is
 * one with room; BUNSEAL_TMPDIR overrides, the system temporary folder is the
 * fallback.
 */
import { accessSync, constants, existsSync, statfsSync } from "node:fs";
import { tmpdir } from "node:os";

const MEMORY_FS = "/dev/shm";
const MIN_FREE_BYTES = 2 * 1024 ** 3;

export function scratchDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (env.BUNSEAL_TMPDIR) return env.BUNSEAL_TMPDIR;
  try {
    if (existsSync(MEMORY_FS)) {
      accessSync(MEMORY_FS, constants.W_OK);
      const stats = statfsSync(MEMORY_FS);
      if (stats.bavail * stats.bsize >= MIN_FREE_BYTES) return MEMORY_FS;
    }
  } catch {
    // not writable or not inspectable: use the ordinary temporary folder
  }
  return tmpdir();
}
