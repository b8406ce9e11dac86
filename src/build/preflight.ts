/**
 * Before a build: everything about where its results go is checked, so a
 * wrong or unwritable place is found before anything is built or signed,
 * and no signed tar or bundle is left behind by a failure that was knowable
 * up front (issue 8, attack 6).
 */
import { resolve } from "node:path";
import { ensureWritableDir } from "../util/atomic-write.ts";

/**
 * The out folder exists or can be made, is a folder, and takes a file.
 * Throws NOT_A_DIRECTORY (exit 2) when a file stands where the folder or one
 * of its parents should be, IO_FAILED (exit 3) when it is read-only, not
 * permitted or full; both name the path. `outDir` should be absolute (the
 * pipeline resolves it against the project folder).
 */
export async function preflightOutDir(outDir: string): Promise<void> {
  await ensureWritableDir(resolve(outDir));
}

/**
 * The out folder a build will write to, as the pipeline resolves it: `--out`,
 * else the config's outDir, relative to the project folder either way.
 */
export async function resolveOutDir(projectDir: string, out: string | undefined): Promise<string> {
  const project = resolve(projectDir);
  if (out !== undefined) return resolve(project, out);
  const { loadConfig } = await import("../config/load.ts");
  return resolve(project, (await loadConfig(project)).config.outDir);
}
