/**
 * Stage `source`: where the code comes from. Records the commit, the remote
 * and ref, and whether the work tree matches the commit. A dirty tree is
 * refused by default: an artifact that claims a commit must be built from it.
 */
import { realpathSync } from "node:fs";
import { isAbsolute, relative, sep } from "node:path";
import { BunsealError } from "../errors.ts";
import { tail } from "../util/exec.ts";
import type { Env } from "../sandbox/child-env.ts";
import { runGit } from "./git-runner.ts";
import { readCommit, changedPaths as workTreeChanges, type ContentDigests } from "./work-tree.ts";

export interface SourceInfo {
  /** absolute path of the repository's top level */
  repoRoot: string;
  /** the project folder relative to the repository root ("" when it is the root), POSIX separators */
  subdir: string;
  commit: string;
  /** committer time of the commit, unix seconds */
  commitTime: number;
  /** `origin`'s URL with any credentials removed; undefined when the repository has no remote */
  remoteUrl?: string;
  /**
   * `refs/heads/<branch>` when HEAD is on a branch; when detached (a tag checkout, every GitLab job),
   * the ref the repository shows at HEAD (detachedRef); undefined when it shows none
   */
  ref?: string;
  dirty: boolean;
  /** paths (relative to the repository root) that differ from the commit, sorted; empty when clean */
  changedPaths: string[];
}

export interface ReadSourceOptions {
  allowDirty?: boolean;
  /** absolute paths whose changes do not count (bunseal's own output folders) */
  ignore?: readonly string[];
  /** filled with the sha256 of every file whose content was shown to be the commit's (src/source/work-tree.ts) */
  digests?: ContentDigests;
}

async function git(cwd: string, args: string[], allowFail = false): Promise<string | undefined> {
  const result = await runGit(cwd, args);
  if (result.exitCode !== 0) {
    if (allowFail) return undefined;
    throw new BunsealError("GIT_FAILED", `git ${args.join(" ")} failed in ${cwd} (exit ${result.exitCode}):\n${tail(result.stderr)}`);
  }
  return result.stdout;
}

export type SourceHead = Omit<SourceInfo, "dirty" | "changedPaths">;

export interface ReadHeadOptions {
  /** the CI's variables (default: this process's): its declared ref is recorded only where the repository shows it at HEAD */
  env?: Env;
}

/** Everything about the source but the state of the work tree: fast, needed before the build starts. */
export async function readHead(projectDir: string, options: ReadHeadOptions = {}): Promise<SourceHead> {
  const head = await git(projectDir, ["rev-parse", "--show-toplevel", "--show-prefix", "HEAD", "--symbolic-full-name", "HEAD"], true);
  if (head === undefined) {
    throw new BunsealError("SOURCE_NOT_GIT", `${projectDir} is not inside a git repository with at least one commit; expected a git work tree, since the artifact must name the commit it was built from`, {
      file: projectDir,
      expected: "a git repository with a commit",
    });
  }
  const [repoRoot = "", prefix = "", commit = "", symbolic = ""] = head.split("\n");
  // core.worktree in .git/config can name another folder as the work tree: the one checked must hold the project
  if (!isInside(realPath(repoRoot), realPath(projectDir))) {
    throw new BunsealError("SOURCE_NOT_GIT", `${projectDir}: expected the git work tree to contain the project, got ${repoRoot} (core.worktree in the repository's configuration?)`, { file: projectDir, expected: "a work tree that contains the project", found: repoRoot });
  }
  // the commit's own bytes, hashed here, give its time: not git log, which follows replace refs and grafts if let
  const [info, remote, ref] = await Promise.all([
    readCommit(repoRoot, commit),
    git(projectDir, ["config", "--get", "remote.origin.url"], true),
    symbolic.startsWith("refs/") ? symbolic : detachedRef(projectDir, commit, options.env ?? process.env),
  ]);
  return {
    repoRoot,
    subdir: prefix.replace(/\/$/, ""),
    commit,
    commitTime: info.committerTime,
    remoteUrl: remote === undefined ? undefined : normalizeRemote(stripCredentials(remote.trim())),
    ref,
  };
}

/**
 * A detached HEAD's ref, from what the repository shows pointing at the commit
 * (an annotated tag by its target): the CI's declared ref (GitHub's GITHUB_REF;
 * GitLab's CI_COMMIT_TAG, else its branch CI_COMMIT_REF_NAME) when the repository
 * shows it, or origin's copy of that branch, at HEAD, for a job knows which tag or
 * branch it runs for; else the tags at HEAD, the highest by git's version order
 * (`v1.10.0` over `v1.9.0` and `latest`), the same whatever order they were made in.
 * A variable alone is never believed: a declared ref the repository does not show
 * at HEAD is ignored, and so are branches at HEAD that nothing declared.
 */
async function detachedRef(cwd: string, commit: string, env: Env): Promise<string | undefined> {
  const listed = await git(cwd, ["for-each-ref", "--points-at", commit, "--sort=-version:refname", "--format=%(refname)", "refs/tags", "refs/heads", "refs/remotes"], true);
  const atHead = (listed ?? "").split("\n").filter((line) => line.startsWith("refs/"));
  for (const declared of declaredRefs(env)) {
    if (declared.seenAs.some((ref) => atHead.includes(ref))) return declared.ref;
  }
  return atHead.find((ref) => ref.startsWith("refs/tags/"));
}

/** What the CI says the job runs for, with where a clone keeps that ref (a branch fetched as origin's). */
function declaredRefs(env: Env): { ref: string; seenAs: string[] }[] {
  const refs: { ref: string; seenAs: string[] }[] = [];
  const declare = (ref: string) => {
    const branch = ref.startsWith("refs/heads/") ? [`refs/remotes/origin/${ref.slice("refs/heads/".length)}`] : [];
    const pull = ref.startsWith("refs/pull/") ? [`refs/remotes/pull/${ref.slice("refs/pull/".length)}`] : [];
    refs.push({ ref, seenAs: [ref, ...branch, ...pull] });
  };
  if (env.GITHUB_REF?.startsWith("refs/")) declare(env.GITHUB_REF);
  if (env.CI_COMMIT_TAG) declare(`refs/tags/${env.CI_COMMIT_TAG}`);
  else if (env.CI_COMMIT_REF_NAME) declare(`refs/heads/${env.CI_COMMIT_REF_NAME}`);
  return refs;
}

/**
 * Whether the work tree matches the commit, by content (src/source/work-tree.ts);
 * refuses a dirty one unless allowed. Separate from readHead because on a large
 * repository hashing every file takes as long as the rest of the source stage,
 * and it can run while the bundler does.
 */
export async function checkWorkTree(head: SourceHead, options: ReadSourceOptions = {}): Promise<SourceInfo> {
  const changedPaths = await workTreeChanges(head.repoRoot, head.commit, { ignore: relativeInside(head.repoRoot, options.ignore ?? []), digests: options.digests });
  const dirty = changedPaths.length > 0;
  if (dirty && !options.allowDirty) {
    const shown = changedPaths.slice(0, 10).join("\n  ");
    throw new BunsealError("SOURCE_DIRTY", `the work tree has ${changedPaths.length} uncommitted change(s); expected a clean checkout of ${head.commit.slice(0, 12)} (commit them, or pass --allow-dirty to record them):\n  ${shown}${changedPaths.length > 10 ? "\n  ..." : ""}`, {
      file: head.repoRoot,
      expected: "a clean work tree",
      found: `${changedPaths.length} changed path(s)`,
    });
  }
  return { ...head, dirty, changedPaths };
}

export async function readSource(projectDir: string, options: ReadSourceOptions = {}): Promise<SourceInfo> {
  return checkWorkTree(await readHead(projectDir), options);
}

function relativeInside(repoRoot: string, paths: readonly string[]): string[] {
  return paths.map((p) => relative(repoRoot, p).split(sep).join("/")).filter((rel) => rel !== "" && !rel.startsWith(".."));
}

/** The path with links resolved; as given when it does not exist (a core.worktree naming nothing). */
function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/** `git status -z` entries: "XY path\0", with renames followed by their old path. */
export function parseStatus(output: string): string[] {
  const paths = new Set<string>();
  const fields = output.split("\0");
  for (let i = 0; i < fields.length; i++) {
    const entry = fields[i]!;
    if (entry.length < 4) continue;
    paths.add(entry.slice(3));
    if (entry[0] === "R" || entry[0] === "C") paths.add(fields[++i] ?? "");
  }
  paths.delete("");
  return [...paths].sort();
}

/** A remote URL may carry a token (`https://x-access-token:...@host/...`); it must never reach a signed statement. */
export function stripCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, "$1");
}

/**
 * Remotes as URIs: `git@host:org/repo.git` (scp-like) becomes
 * `ssh://git@host/org/repo.git`, and a local path a `file://` URL, so that the
 * recorded source is a URI a verifier can compare.
 */
export function normalizeRemote(url: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return url;
  const scp = /^([^@/:]+@)?([^/:]+):(?!\/)(.+)$/.exec(url);
  if (scp && !/^[A-Za-z]$/.test(scp[2]!)) return `ssh://${scp[1] ?? ""}${scp[2]}/${scp[3]}`;
  const path = url.replace(/\/\.?$/, "");
  return path.startsWith("/") ? `file://${path}` : url;
}

/** The SLSA source URI: `git+<remote>` (or the local path when there is no remote) `@<ref>`. */
export function sourceUri(source: SourceInfo): string {
  const base = source.remoteUrl ?? `file://${source.repoRoot}`;
  const withScheme = base.startsWith("git+") ? base : `git+${base}`;
  return source.ref ? `${withScheme}@${source.ref}` : withScheme;
}
