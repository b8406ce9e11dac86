/**
 * What of the work tree the build must not see: everything git ignores
 * (`.env`, `.env.local`, keys, caches, old outputs) except installed packages
 * and the files the config declares as extra inputs, the repository's own
 * `.git`, and bunseal's folders. Untracked files that git does not ignore need
 * no hiding: they make the tree dirty, and a dirty tree is refused unless
 * `--allow-dirty` records them.
 */
import { existsSync, lstatSync, readdirSync, realpathSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { BunsealError } from "../errors.ts";
import { runGit } from "../source/git-runner.ts";
import { ignoredAtHead } from "../source/work-tree.ts";
import type { Env } from "./child-env.ts";

export interface HiddenPath {
  /** absolute path */
  path: string;
  kind: "dir" | "file";
}

/**
 * Ignored entries under the repository root, folders collapsed (`--directory`),
 * as git lists them, and those of every checked-out submodule under it (git
 * lists the top repository's only, and a submodule's `lib/.env` is as secret
 * as the top one's), with each submodule's own `.git`.
 */
export async function ignoredEntries(repoRoot: string, host: Env, depth = 0, headCommit?: string): Promise<string[]> {
  // against HEAD's own tree: a file force-added to the index (`git add -f .secrets`) is still ignored, and still hidden
  const [entries, submodules] = await Promise.all([ignoredAtHead(repoRoot, host, headCommit), submodulesOf(repoRoot, host)]);
  if (submodules.length > 0 && depth >= MAX_SUBMODULE_DEPTH) {
    throw new BunsealError("SOURCE_UNAVAILABLE", `submodules nest deeper than ${MAX_SUBMODULE_DEPTH} levels at ${repoRoot}; expected at most ${MAX_SUBMODULE_DEPTH}, so that every submodule's ignored files can be hidden from the build`, { file: repoRoot, expected: `at most ${MAX_SUBMODULE_DEPTH} levels of submodules`, found: "deeper" });
  }
  for (const submodule of submodules) {
    if (!existsSync(join(repoRoot, submodule, ".git"))) continue;
    entries.push(`${submodule}/.git`);
    for (const entry of await ignoredEntries(join(repoRoot, submodule), host, depth + 1)) entries.push(`${submodule}/${entry}`);
  }
  return entries;
}

/** Submodules within submodules, this deep: deeper, their ignored files would go unlisted, so the build is refused instead. */
const MAX_SUBMODULE_DEPTH = 8;

/**
 * The paths of the repository's submodules (gitlinks in HEAD's tree, not the
 * index, which an install script can write), when it declares any in `.gitmodules`.
 */
async function submodulesOf(repoRoot: string, host: Env): Promise<string[]> {
  if (!existsSync(join(repoRoot, ".gitmodules"))) return [];
  const result = await runGit(repoRoot, ["ls-tree", "-r", "-z", "--full-tree", "HEAD"], { host });
  // no commit yet (check's copy of a project): no submodule either
  if (result.exitCode !== 0) return [];
  return result.stdout
    .split("\0")
    .filter((line) => line.startsWith("160000 "))
    .map((line) => line.slice(line.indexOf("\t") + 1));
}

/**
 * Other names of the same files under `root` (hard links: one inode, many
 * paths). A key linked into the work tree would otherwise be shown under its
 * second name. Looked for only when a file has more than one link.
 */
export function hardLinksIn(root: string, files: readonly string[]): string[] {
  const wanted = new Set<string>();
  for (const file of files) {
    const stat = statSync(file, { throwIfNoEntry: false });
    if (stat && stat.isFile() && stat.nlink > 1) wanted.add(`${stat.dev}:${stat.ino}`);
  }
  if (wanted.size === 0) return [];
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) {
        const stat = lstatSync(path);
        if (stat.nlink > 1 && wanted.has(`${stat.dev}:${stat.ino}`)) found.push(path);
      }
    }
  };
  walk(root);
  return found;
}

function isPackagesFolder(entry: string): boolean {
  return entry.replace(/\/$/, "").split("/").at(-1) === "node_modules";
}

/**
 * The paths to mask, given git's ignored entries (relative to the repository
 * root) and the absolute paths that must be hidden whatever git says (the out
 * folder, `.bunseal`, the signing key).
 */
export function hiddenPaths(repoRoot: string, ignored: readonly string[], always: readonly string[]): HiddenPath[] {
  const hidden = new Map<string, HiddenPath>();
  const add = (path: string) => {
    const stat = lstatSync(path, { throwIfNoEntry: false });
    // a symbolic link needs no mask: its target is hidden or shown on its own account,
    // and a mount over a link would land on the target instead
    if (!stat || stat.isSymbolicLink()) return;
    hidden.set(path, { path, kind: stat.isDirectory() ? "dir" : "file" });
  };
  add(join(repoRoot, ".git"));
  for (const entry of ignored) {
    if (isPackagesFolder(entry)) continue;
    add(join(repoRoot, entry.replace(/\/$/, "")));
  }
  for (const path of always) {
    // a `.env` that is a link shows its target's values: the target is masked (when it lies
    // outside the repository, the sandbox does not show it and the link leads nowhere)
    const target = lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink() ? realTarget(path) : path;
    if (target && (target === path || isInside(repoRoot, target))) add(target);
  }
  // outer folders first, so a mask inside a masked folder is laid after (and over) it
  return [...hidden.values()].sort((a, b) => depth(a.path) - depth(b.path) || (a.path < b.path ? -1 : 1));
}

function realTarget(link: string): string | undefined {
  try {
    return realpathSync(link);
  } catch {
    return undefined;
  }
}

function depth(path: string): number {
  return path.split(sep).length;
}

/** Whether `path` lies inside `dir` (or is it). */
export function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (!rel.startsWith("..") && !rel.startsWith(sep) && rel !== "..");
}
