/**
 * What of the work tree the build must not see: everything git ignores
 * (`.env`, `.env.local`, keys, caches, old outputs) except installed packages
 * and the files the config declares as extra inputs, the repository's own
 * `.git`, and bunseal's folders. Untracked files that git does not ignore need
 * no hiding: they make the tree dirty, and a dirty tree is refused unless
 * `--allow-dirty` records them.
 */
import { lstatSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { ignoredAtHead } from "../source/work-tree.ts";
import type { Env } from "./child-env.ts";

export interface HiddenPath {
  /** absolute path */
  path: string;
  kind: "dir" | "file";
}

/**
 * Ignored entries under the repository root, folders collapsed (`--directory`),
 * as git lists them against HEAD's own tree: a file force-added to the index
 * (`git add -f .secrets`) is still ignored, and still hidden.
 */
export async function ignoredEntries(repoRoot: string, host: Env): Promise<string[]> {
  return ignoredAtHead(repoRoot, host);
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
  for (const path of always) add(path);
  // outer folders first, so a mask inside a masked folder is laid after (and over) it
  return [...hidden.values()].sort((a, b) => depth(a.path) - depth(b.path) || (a.path < b.path ? -1 : 1));
}

function depth(path: string): number {
  return path.split(sep).length;
}

/** Whether `path` lies inside `dir` (or is it). */
export function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (!rel.startsWith("..") && !rel.startsWith(sep) && rel !== "..");
}
