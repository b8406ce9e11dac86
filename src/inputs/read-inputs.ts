/**
 * The files the build opened (from the trace) that the metafile does not
 * list: each one inside the folder the build could see is an input, recorded
 * with its digest and the role "read" (a macro's data file, a package.json Bun
 * read while resolving, a tsconfig up the tree). Reads of the toolchain
 * (bunseal's worker code, the Bun binary, the system's libraries) are not
 * inputs of the project; the sandbox shows nothing else.
 */
import { statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { isInside } from "../sandbox/hidden-paths.ts";

export interface ReadScope {
  /** the folder whose files the build may read (the repository root, or the project) */
  root: string;
  projectDir: string;
  /** masked paths: what the build opened there was an empty mask, not the file */
  hidden: readonly string[];
  /** bunseal's own code and the Bun binary's folder, which may lie inside `root` */
  toolchain: readonly string[];
  /** the writable layer's upper folder (src/sandbox/writable-layer.ts): a read there is of a file the build wrote, at the same path under `root` */
  written?: string;
}

/**
 * Project-relative POSIX paths of the traced reads that are inputs and not in
 * `known` (the inputs already recorded), sorted.
 */
export function readInputs(opened: readonly string[], scope: ReadScope, known: ReadonlySet<string> = new Set(), written: ReadonlyMap<string, string | null> = new Map()): string[] {
  const found = new Set<string>();
  const projectPrefix = `${scope.projectDir}/`;
  for (const traced of opened) {
    // a read in the layer's upper folder is of what the build wrote at that path
    const path = scope.written && isInside(scope.written, traced) ? join(scope.root, relative(scope.written, traced)) : traced;
    // most reads are the modules the metafile lists: told apart by a string test, before any path arithmetic
    if (path.startsWith(projectPrefix) && known.has(path.slice(projectPrefix.length))) continue;
    if (!isInside(scope.root, path)) continue;
    if (scope.toolchain.some((dir) => isInside(dir, path))) continue;
    // a hidden path the build made anew is its own file, not the mask
    if (!written.has(path) && scope.hidden.some((dir) => isInside(dir, path))) continue;
    found.add(relative(scope.projectDir, path).split(sep).join("/"));
  }
  return [...found].sort();
}

/**
 * Project-relative POSIX paths of the regular files whose metadata the build
 * read (stat) and that are neither inputs (`known`) nor read (`read`, what
 * `readInputs` made of the opens), judged as `readInputs` judges opens, sorted.
 * Whether a path is a regular file is asked of the disk, or of the build's
 * layer for what it wrote, once the sandbox is gone: a folder (every clone
 * gives it new times too) and a path that is gone are no file's metadata.
 */
export function statInputs(stated: readonly string[], read: readonly string[], scope: ReadScope, known: ReadonlySet<string> = new Set(), written: ReadonlyMap<string, string | null> = new Map()): string[] {
  if (stated.length === 0) return [];
  const opened = new Set(read);
  return readInputs(stated, scope, known, written).filter((path) => {
    if (opened.has(path)) return false;
    const absolute = join(scope.projectDir, path);
    const file = written.has(absolute) ? written.get(absolute) : absolute;
    return typeof file === "string" && statSync(file, { throwIfNoEntry: false })?.isFile() === true;
  });
}
