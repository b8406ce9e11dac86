/**
 * Bun workspaces: which folder a package's dependencies are installed and
 * locked from. Bun resolves a workspace member from the root that lists it
 * (`bun install` in a member folder walks up to that root and writes the one
 * lockfile there), so bunseal must read the same lockfile, or a package built
 * from its folder records no dependencies at all.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { BunsealError, describeValue } from "../errors.ts";

export interface WorkspaceManifest {
  /** absolute folder of the package.json */
  dir: string;
  /** the parsed package.json */
  pkg: Record<string, unknown>;
  /** the `workspaces` patterns, positive and negated ("!…"), as written */
  patterns: string[];
}

/**
 * Reads `<dir>/package.json` when there is one. A package.json that is not a
 * JSON object, or whose `workspaces` is neither an array of strings nor an
 * object with such a `packages` array, stops the run: guessing would pick the
 * wrong lockfile.
 */
export function readManifest(dir: string, shownAs = join(dir, "package.json")): WorkspaceManifest | undefined {
  const path = join(dir, "package.json");
  if (!existsSync(path) || !statSync(path).isFile()) return undefined;
  let pkg: unknown;
  try {
    pkg = JSON.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new BunsealError("WORKSPACE_INVALID", `${shownAs}: expected JSON, got ${(cause as Error).message}`, { file: shownAs, field: "(top level)", expected: "JSON", cause });
  }
  if (typeof pkg !== "object" || pkg === null || Array.isArray(pkg)) {
    throw new BunsealError("WORKSPACE_INVALID", `${shownAs}: expected a JSON object, got ${describeValue(pkg)}`, { file: shownAs, field: "(top level)", expected: "an object", found: describeValue(pkg) });
  }
  const record = pkg as Record<string, unknown>;
  const raw = record.workspaces;
  const list = Array.isArray(raw) ? raw : typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>).packages : raw;
  if (raw !== undefined && !(Array.isArray(list) && list.every((p) => typeof p === "string" && p !== ""))) {
    throw new BunsealError("WORKSPACE_INVALID", `${shownAs}: workspaces: expected an array of folder globs (or {"packages": [...]}), got ${describeValue(raw)}`, { file: shownAs, field: "workspaces", expected: "an array of folder globs", found: describeValue(raw) });
  }
  return { dir, pkg: record, patterns: raw === undefined ? [] : (list as string[]) };
}

/** Whether `memberDir` (absolute) is one of the folders the root's `workspaces` patterns list. */
export function isMember(root: WorkspaceManifest, memberDir: string): boolean {
  const rel = toPosix(relative(root.dir, memberDir));
  if (rel === "" || rel.startsWith("..")) return false;
  const matches = (pattern: string) => new Bun.Glob(normalizePattern(pattern)).match(rel);
  return root.patterns.some((p) => !p.startsWith("!") && matches(p)) && !root.patterns.some((p) => p.startsWith("!") && matches(p.slice(1)));
}

/**
 * The workspace root a package belongs to: the nearest ancestor, no higher than
 * `top` (the repository root), whose package.json lists the package under
 * `workspaces`; the package itself when it is a root or belongs to none.
 * Never above `top`: a package.json outside the repository is not part of the
 * commit, so a lockfile found there could not be reproduced.
 */
export function findWorkspaceRoot(projectDir: string, top: string | undefined): string {
  const start = resolve(projectDir);
  if (top === undefined || !isInside(resolve(top), start)) return start;
  for (let dir = start; ; dir = dirname(dir)) {
    if (dir !== start) {
      const manifest = readManifest(dir);
      if (manifest && manifest.patterns.length > 0 && isMember(manifest, start)) return dir;
    }
    if (dir === resolve(top) || dirname(dir) === dir) return start;
  }
}

/** The nearest ancestor of `dir` (itself included) that holds a `.git` (folder, or file for a worktree or submodule). */
export function enclosingRepository(dir: string): string | undefined {
  for (let at = resolve(dir); ; at = dirname(at)) {
    if (existsSync(join(at, ".git"))) return at;
    if (dirname(at) === at) return undefined;
  }
}

/**
 * The member folders of a workspace root, relative to it, sorted: every folder
 * with a package.json that a positive pattern matches and no negated one does.
 * node_modules is never searched: an installed copy of a package is no member.
 */
export function workspaceMembers(root: WorkspaceManifest): string[] {
  const found = new Set<string>();
  for (const pattern of root.patterns.filter((p) => !p.startsWith("!"))) {
    for (const path of new Bun.Glob(`${normalizePattern(pattern)}/package.json`).scanSync({ cwd: root.dir, onlyFiles: true, followSymlinks: false })) {
      const dir = toPosix(dirname(path));
      if (dir === "." || dir.split("/").includes("node_modules")) continue;
      if (isMember(root, join(root.dir, dir))) found.add(dir);
    }
  }
  return [...found].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function normalizePattern(pattern: string): string {
  return pattern.replace(/^\.\//, "").replace(/\/+$/, "");
}

function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !rel.startsWith(sep));
}

function toPosix(path: string): string {
  return path.split(sep).join("/");
}
