/**
 * A project from fixtures/nondeterminism as a buildable git repository:
 * committed at a fixed time, its dependencies installed when it has any.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { readFixtureFiles } from "./example-service.ts";
import { git, gitCommitAll, gitRepo, TEST_AUTHOR, type GitRepo } from "./git.ts";

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

/**
 * A planted project committed on the memory file system, each folder's files
 * created so that the folder lists in neither sorted nor reverse-sorted order
 * (tmpfs lists in creation order, newest first): a clone, which git writes in
 * sorted order, then lists every folder in another order than this build did,
 * whichever file system the clone is on (a disk's hash order aside, which a
 * rotation matches by chance only). For the sources that read a listing
 * unsorted (file-order, readdir-50).
 */
export async function plantedRepoScrambled(name: string, root = "/dev/shm"): Promise<GitRepo> {
  const files = await readFixtureFiles(join(PLANTED_DIR, name));
  const dir = await mkdtemp(join(root, "bunseal-scrambled-"));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    const byFolder = new Map<string, string[]>();
    for (const path of Object.keys(files).sort()) {
      const folder = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
      byFolder.set(folder, [...(byFolder.get(folder) ?? []), path]);
    }
    for (const paths of byFolder.values()) {
      // a rotation by half: for three or more names, neither the sorted order nor its reverse
      const half = Math.floor(paths.length / 2);
      for (const path of [...paths.slice(half), ...paths.slice(0, half)]) {
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), files[path]!);
      }
    }
    await git(dir, ["init", "-q", "-b", "main"]);
    await git(dir, ["config", "user.name", TEST_AUTHOR.name]);
    await git(dir, ["config", "user.email", TEST_AUTHOR.email]);
    await git(dir, ["config", "commit.gpgsign", "false"]);
    const commit = await gitCommitAll(dir, name);
    if (existsSync(join(dir, "bun.lock"))) await install(dir);
    return { path: dir, commit, cleanup, [Symbol.asyncDispose]: cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
