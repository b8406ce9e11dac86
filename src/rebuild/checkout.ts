/**
 * Rebuild stage `checkout`: a fresh clone at the recorded commit, in a
 * temporary folder, never the user's work tree (whose state is exactly what a
 * rebuild must not depend on).
 */
import { gitEnv, toolEnv } from "../sandbox/child-env.ts";
import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { BunsealError } from "../errors.ts";
import { exec, tail } from "../util/exec.ts";
import { scratchDir } from "../util/scratch-dir.ts";

export interface Checkout {
  /** the temporary folder holding the clone (and, beside it, the rebuild's outputs) */
  root: string;
  repo: string;
  /** the project folder inside the clone (the recorded subdir) */
  projectDir: string;
  /** what was cloned from */
  source: string;
}

const GIT_ENV = gitEnv(process.env);

export async function checkoutCommit(source: string, commit: string, subdir: string): Promise<Checkout> {
  const root = await mkdtemp(join(scratchDir(), "bunseal-rebuild-"));
  const repo = join(root, "src");
  const git = async (args: string[], cwd = root) => {
    const result = await exec(["git", ...args], { cwd, env: GIT_ENV, failCode: "GIT_FAILED" });
    return result;
  };
  // A local repository is borrowed from (--shared: its objects are read in place, not copied);
  // the clone lives only as long as the rebuild.
  const local = !/^[a-z][a-z0-9+.-]*:\/\//i.test(source) || source.startsWith("file://");
  const cloned = await git(["clone", "--quiet", "--no-checkout", ...(local ? ["--shared"] : []), source, repo]);
  if (cloned.exitCode !== 0) {
    throw new BunsealError("SOURCE_UNAVAILABLE", `cannot clone ${source}; expected a readable git repository (pass --source DIR|URL):\n${tail(cloned.stderr)}`, { file: source, expected: "a git repository" });
  }
  let checkedOut = await git(["checkout", "--quiet", "--detach", commit], repo);
  if (checkedOut.exitCode !== 0) {
    // The commit may be on no branch the clone fetched; ask for it by name.
    await git(["fetch", "--quiet", "origin", commit], repo);
    checkedOut = await git(["checkout", "--quiet", "--detach", commit], repo);
  }
  if (checkedOut.exitCode !== 0) {
    throw new BunsealError("SOURCE_UNAVAILABLE", `${source} does not have commit ${commit}; expected the recorded commit to be reachable:\n${tail(checkedOut.stderr)}`, { file: source, field: "commit", expected: commit, found: "no such commit" });
  }
  return { root, repo, projectDir: subdir ? join(repo, subdir) : repo, source };
}

/**
 * Removes a checkout without making the caller wait: deleting an installed
 * node_modules takes as long as installing it did. The removal goes on in its
 * own process if bunseal exits first.
 */
export function removeInBackground(path: string): void {
  const proc = Bun.spawn(["rm", "-rf", "--", path], { stdin: "ignore", stdout: "ignore", stderr: "ignore", env: toolEnv(process.env) });
  proc.unref();
}
