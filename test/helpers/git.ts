/**
 * Real git repositories for tests. Everything that feeds a commit hash is
 * pinned (author, committer, dates, branch name, config), so the same files
 * and time give the same commit on every machine, and golden values that
 * contain a commit stay valid.
 */
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { makeTempDir, writeTree, type FileTree, type TestDir } from "./testdir.ts";

/** 2023-11-14T22:13:20Z: any fixed instant will do; this one is easy to spot in output. */
export const DEFAULT_COMMIT_TIME = 1_700_000_000;
export const TEST_AUTHOR = { name: "bunseal test", email: "test@bunseal.invalid" };

export interface GitRepo extends TestDir {
  commit: string;
}

export interface GitRepoOptions {
  remote?: string;
  /** unix seconds, used for both author and committer date */
  commitTime?: number;
  message?: string;
}

// HOME points at a folder that never exists, and global/system config is switched
// off, so the developer's ~/.gitconfig (signing, hooks path, templates, default
// branch, excludes) cannot change what a test sees. A missing folder has nothing
// to read and nothing to clean up (bun test fires no exit hook to remove a temp one).
const NO_HOME = join(tmpdir(), "bunseal-test-home-does-not-exist");

export function gitEnv(time: number = DEFAULT_COMMIT_TIME): Record<string, string> {
  const env: Record<string, string> = {};
  // Drop inherited GIT_* (GIT_DIR, GIT_INDEX_FILE from a hook, ...): they would point git at another repo.
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith("GIT_")) env[key] = value;
  const date = `@${time} +0000`;
  return {
    ...env,
    HOME: NO_HOME,
    XDG_CONFIG_HOME: NO_HOME,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_AUTHOR_NAME: TEST_AUTHOR.name,
    GIT_AUTHOR_EMAIL: TEST_AUTHOR.email,
    GIT_COMMITTER_NAME: TEST_AUTHOR.name,
    GIT_COMMITTER_EMAIL: TEST_AUTHOR.email,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
    LC_ALL: "C",
  };
}

/** Runs git in `cwd` and returns trimmed stdout; a failure throws with git's stderr. */
export async function git(cwd: string, args: string[], time?: number): Promise<string> {
  const proc = Bun.spawn(["git", ...args], { cwd, env: gitEnv(time), stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (exitCode !== 0) throw new Error(`git ${args.join(" ")} (in ${cwd}) exited ${exitCode}: ${stderr.trim()}`);
  return stdout.trim();
}

/** Stages everything (including deletions) and commits; returns the new HEAD. */
export async function gitCommitAll(repoPath: string, message: string, time: number = DEFAULT_COMMIT_TIME): Promise<string> {
  await git(repoPath, ["add", "--all"], time);
  await git(repoPath, ["commit", "-q", "--no-verify", "--allow-empty", "-m", message], time);
  return git(repoPath, ["rev-parse", "HEAD"], time);
}

export async function gitRepo(files: FileTree, options: GitRepoOptions = {}): Promise<GitRepo> {
  const dir = await makeTempDir("bunseal-repo-");
  try {
    await writeTree(dir.path, files);
    await git(dir.path, ["init", "-q", "-b", "main"]);
    // Also in the repo's own config, so a later plain `git` (e.g. run by bunseal) can commit here too.
    await git(dir.path, ["config", "user.name", TEST_AUTHOR.name]);
    await git(dir.path, ["config", "user.email", TEST_AUTHOR.email]);
    await git(dir.path, ["config", "commit.gpgsign", "false"]);
    if (options.remote !== undefined) await git(dir.path, ["remote", "add", "origin", options.remote]);
    const commit = await gitCommitAll(dir.path, options.message ?? "initial commit", options.commitTime);
    return { ...dir, commit };
  } catch (error) {
    await dir.cleanup();
    throw error;
  }
}

/** A real `git clone` of `repoPath` into a new folder (under `destParent` when given). */
export async function cloneTo(repoPath: string, destParent?: string): Promise<GitRepo> {
  let dir: TestDir;
  if (destParent === undefined) {
    dir = await makeTempDir("bunseal-clone-");
  } else {
    const path = join(destParent, `clone-${crypto.randomUUID()}`);
    const cleanup = () => rm(path, { recursive: true, force: true });
    dir = { path, cleanup, [Symbol.asyncDispose]: cleanup };
  }
  try {
    // --no-local copies objects the way a remote clone would, instead of hard-linking them.
    await git(dirname(dir.path), ["clone", "-q", "--no-local", repoPath, dir.path]);
    return { ...dir, commit: await git(dir.path, ["rev-parse", "HEAD"]) };
  } catch (error) {
    await dir.cleanup();
    throw error;
  }
}
