/**
 * A project from fixtures/nondeterminism as a buildable git repository:
 * committed at a fixed time, its dependencies installed when it has any.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { readFixtureFiles } from "./example-service.ts";
import { gitRepo, type GitRepo } from "./git.ts";

export const PLANTED_DIR = join(import.meta.dir, "..", "..", "fixtures", "nondeterminism");

export async function plantedRepo(name: string, options: { install?: boolean } = {}): Promise<GitRepo> {
  const repo = await gitRepo(await readFixtureFiles(join(PLANTED_DIR, name)), { message: name });
  if (options.install !== false && existsSync(join(repo.path, "bun.lock"))) await install(repo.path);
  return repo;
}

export async function install(dir: string, bun: string = process.execPath): Promise<void> {
  const proc = Bun.spawn([bun, "install", "--frozen-lockfile", "--no-progress"], { cwd: dir, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [out, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`bun install in ${dir} exited ${code}:\n${out}`);
}

/**
 * The cache shared by every test that needs another Bun release: test/run.ts
 * points BUNSEAL_TEST_BUN_CACHE at one folder for the whole run, so the 50 MB
 * download happens once.
 */
export function bunCacheDir(fallback: string): string {
  return process.env.BUNSEAL_TEST_BUN_CACHE ?? fallback;
}
