/**
 * A workspace member's outputs, as built in this run, for the members that
 * import it (issue #19, Why 8). A package whose package.json points its entry
 * into a git-ignored build folder (`module: "dist/index.js"`) is consumed by
 * its siblings through that folder: the sandbox hides the folder on the disk
 * (a stale local build, or nothing), so the producer's artifact is unpacked
 * into a scratch folder and shown there, read-only, to each dependent's build.
 *
 * Where the folder is is not guessed: it is the folder at which the entry the
 * package.json names is a file of the artifact (`dist/index.js` and an
 * artifact holding `index.js`: `dist`). A package whose entry is no file of
 * its artifact (a workspace that imports sources) gets nothing shown.
 */
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import { readTarFiles } from "../artifact/tar-read.ts";

export interface SiblingOutputs {
  /** the producing member's folder, relative to the workspace root (POSIX) */
  member: string;
  /** its package name, as its dependents import it */
  package: string;
  /** where its outputs are shown to a dependent's build (absolute) */
  at: string;
  /** the scratch folder holding them (absolute, read-only to the build) */
  from: string;
  artifact: { name: string; digest: string };
  /** each file, relative to `at` */
  files: { path: string; sha256: string; size: number }[];
}

/** The entry paths a package.json names for importers: module, main, and the "." export's strings. */
export function entryPaths(pkg: Record<string, unknown>): string[] {
  const found: string[] = [];
  const add = (value: unknown) => {
    if (typeof value === "string") found.push(posix.normalize(value.replace(/^\.\//, "")));
    else if (value && typeof value === "object") for (const inner of Object.values(value)) add(inner);
  };
  add(pkg.module);
  add(pkg.main);
  const exports = pkg.exports;
  if (typeof exports === "string") add(exports);
  else if (exports && typeof exports === "object") add((exports as Record<string, unknown>)["."] ?? (Object.keys(exports).some((k) => k.startsWith(".")) ? undefined : exports));
  return [...new Set(found)].filter((path) => path !== "." && !path.startsWith("../") && !path.startsWith("/"));
}

/**
 * The folder (relative to the member) at which an entry is a file of the
 * artifact; undefined when no entry is. An entry that is the artifact's file
 * itself at the member's root gives "" (shown at the member's folder itself is
 * refused: it would hide its sources).
 */
export function mountFolder(entries: readonly string[], artifactFiles: readonly string[]): string | undefined {
  let best: { folder: string; length: number } | undefined;
  for (const entry of entries) {
    for (const file of artifactFiles) {
      if (!entry.endsWith(`/${file}`)) continue;
      const folder = entry.slice(0, entry.length - file.length - 1);
      if (!best || file.length > best.length) best = { folder, length: file.length };
    }
  }
  return best?.folder;
}

/** Unpacks a member's artifact for its dependents; undefined when its package.json names no entry among the artifact's files. */
export async function unpackSibling(input: { rootDir: string; member: string; pkg: Record<string, unknown>; artifactPath: string; artifact: { name: string; digest: string }; files: readonly { path: string; digest: string; size: number }[] }): Promise<SiblingOutputs | undefined> {
  const folder = mountFolder(entryPaths(input.pkg), input.files.map((f) => f.path));
  if (folder === undefined || typeof input.pkg.name !== "string") return undefined;
  // the folder is named by the project, and the mount point is made on the host when missing: a committed
  // link on the way (`lib -> /anywhere`) would have bunseal make a folder wherever it points
  if (!plainFolders(join(input.rootDir, input.member), folder)) return undefined;
  const from = mkdtempSync(join(tmpdir(), "bunseal-sibling-"));
  // the sandbox's uid (as root, another one) reads it: the folder is opened to all, read-only
  chmodSync(from, 0o755);
  for (const [path, data] of await readTarFiles(input.artifactPath)) {
    const dest = join(from, path);
    mkdirSync(dirname(dest), { recursive: true, mode: 0o755 });
    writeFileSync(dest, data, { mode: 0o444 });
  }
  return {
    member: input.member,
    package: input.pkg.name,
    at: join(input.rootDir, input.member, folder),
    from,
    artifact: input.artifact,
    files: input.files.map((f) => ({ path: f.path, sha256: f.digest.replace(/^sha256:/, ""), size: f.size })),
  };
}

/** Whether every part of `folder` below `base` that exists is a folder, not a link or a file. */
function plainFolders(base: string, folder: string): boolean {
  let at = base;
  for (const part of folder.split("/")) {
    at = join(at, part);
    const stat = lstatSync(at, { throwIfNoEntry: false });
    if (stat === undefined) return true;
    if (!stat.isDirectory()) return false;
  }
  return true;
}

export async function removeSibling(sibling: SiblingOutputs): Promise<void> {
  await rm(sibling.from, { recursive: true, force: true });
}
