/**
 * Rebuild stage `checkout`: a fresh clone at the recorded commit, in a
 * temporary folder, never the user's work tree (whose state is exactly what a
 * rebuild must not depend on).
 */
import { toolEnv } from "../sandbox/child-env.ts";
import { runGit } from "../source/git-runner.ts";
import { existsSync, statSync } from "node:fs";
import { chmod, mkdtemp } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { BunsealError } from "../errors.ts";
import { tail } from "../util/exec.ts";
import { scratchDir } from "../util/scratch-dir.ts";
import { registerScratch, unregisterScratch } from "../util/scratch-registry.ts";

export interface Checkout {
  /** the temporary folder holding the clone (and, beside it, the rebuild's outputs) */
  root: string;
  repo: string;
  /** the project folder inside the clone (the recorded subdir) */
  projectDir: string;
  /** what was cloned from: the URL, or a local repository's top level */
  source: string;
}

export async function checkoutCommit(given: string, commit: string, subdir: string): Promise<Checkout> {
  const local = !/^[a-z][a-z0-9+.-]*:\/\//i.test(given) || given.startsWith("file://");
  const source = local ? await localRepository(given) : given;
  // a file:// URL is reported as given (it is how the statement names the source); a path by its top level
  const shown = given.startsWith("file://") ? given : source;
  const root = await mkdtemp(join(scratchDir(), "bunseal-rebuild-"));
  registerScratch(root);
  // reachable by another uid, for the experiment that builds as another user (the clone is the recorded commit: nothing secret)
  await chmod(root, 0o755);
  const repo = join(root, "src");
  // a clone that failed leaves nothing behind
  const fail = (error: BunsealError) => {
    removeInBackground(root);
    return error;
  };
  const git = async (args: string[], cwd = root) => {
    return runGit(cwd, args);
  };
  // A local repository is borrowed from (--shared: its objects are read in place, not copied);
  // the clone lives only as long as the rebuild.
  // no template: hooks and info/exclude come from nowhere but the clone itself
  const cloned = await git(["clone", "--quiet", "--no-checkout", "--template=", ...(local ? ["--shared"] : []), source, repo]);
  if (cloned.exitCode !== 0) {
    // a remote that cannot be reached is the network's problem (exit 3); a local one that is no repository, the input's (exit 2)
    throw fail(new BunsealError(local ? "SOURCE_UNAVAILABLE" : "CLONE_FAILED", `cannot clone ${source}; expected a readable git repository (pass --source DIR|URL):\n${tail(cloned.stderr)}`, { file: source, expected: "a git repository" }));
  }
  let checkedOut = await git(["checkout", "--quiet", "--detach", commit], repo);
  if (checkedOut.exitCode !== 0) {
    // The commit may be on no branch the clone fetched; ask for it by name.
    await git(["fetch", "--quiet", "origin", commit], repo);
    checkedOut = await git(["checkout", "--quiet", "--detach", commit], repo);
  }
  if (checkedOut.exitCode !== 0) {
    throw fail(new BunsealError("SOURCE_UNAVAILABLE", `${source} does not have commit ${commit}; expected the recorded commit to be reachable:\n${tail(checkedOut.stderr)}`, { file: source, field: "commit", expected: commit, found: "no such commit" }));
  }
  return { root, repo, projectDir: subdir ? join(repo, subdir) : repo, source: shown };
}

/**
 * The top level of the repository a local source names. `--source` may be the
 * repository or any folder in it (a workspace package, where the user stands),
 * and a relative one means relative to where bunseal was started, never to the
 * temporary folder git runs in; `git clone` itself takes only the top level.
 */
async function localRepository(given: string): Promise<string> {
  const path = resolve(given.startsWith("file://") ? fileURLToPath(given) : given);
  const unavailable = (why: string) =>
    new BunsealError("SOURCE_UNAVAILABLE", `--source ${given}: expected a git repository or a folder inside one, got ${why} (${path}); pass the repository's folder or URL`, { file: path, expected: "a folder inside a git repository", found: why });
  if (!existsSync(path)) throw unavailable("no such folder");
  if (!statSync(path).isDirectory()) throw unavailable("a file");
  const top = await runGit(path, ["rev-parse", "--show-toplevel"]);
  if (top.exitCode === 0) return top.stdout.trim();
  // a bare repository (a mirror, a CI cache, the remote of a local clone) has no work tree, and is a fine source
  const bare = await runGit(path, ["rev-parse", "--is-bare-repository", "--absolute-git-dir"]);
  const [isBare, gitDir] = bare.stdout.trim().split("\n");
  if (bare.exitCode === 0 && isBare === "true" && gitDir) return gitDir;
  throw unavailable("a folder outside any git repository");
}

/**
 * Removes a checkout without making the caller wait: deleting an installed
 * node_modules takes as long as installing it did. The removal goes on in its
 * own process if bunseal exits first.
 */
export function removeInBackground(path: string): void {
  const proc = Bun.spawn(["rm", "-rf", "--", path], { stdin: "ignore", stdout: "ignore", stderr: "ignore", env: toolEnv(process.env) });
  proc.unref();
  // the rm runs on in its own process even if bunseal exits now
  unregisterScratch(path);
}
