/**
 * check's `filesystem` variation: the real build runs in the project's own
 * folder, on its own file system (ext4 lists a folder in hash order), while
 * check's copies live on a memory file system (which lists in the order
 * entries were made). A copy of the build's root on the project's file system,
 * shown by the sandbox at the very path of the memory copy, changes the file
 * system and nothing else: each file keeps its mode and times. Installed packages are shown from the memory copy:
 * they are not the project's files, and copying them would cost more than the
 * build.
 */
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, statfsSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registerScratch, unregisterScratch } from "../util/scratch-registry.ts";
import { keepTimes } from "./keep-times.ts";

/** `true` when the project's file system is another than the copies', or why the variation cannot run. */
export function filesystemAvailable(projectDir: string, workspaceRoot: string): true | string {
  try {
    const [project, copies] = [statfsSync(projectDir), statfsSync(workspaceRoot)];
    if (statSync(projectDir).dev === statSync(workspaceRoot).dev || project.type === copies.type) {
      return "the project and check's copies are on the same kind of file system";
    }
    return true;
  } catch (error) {
    return `the file systems cannot be inspected: ${(error as Error).message}`;
  }
}

/** Whether a user who owns nothing (the user variation's uid) can read `dir` and every folder above it. */
export function reachableByOthers(dir: string): boolean {
  const parts = dir.split("/").filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const path = `/${parts.slice(0, i).join("/")}`;
    const mode = statSync(path).mode;
    if ((mode & 0o001) === 0 || (i === parts.length && (mode & 0o004) === 0)) return false;
  }
  return true;
}

export interface FilesystemCopy {
  path: string;
  /** node_modules folders (relative to the root), shown from the memory copy */
  packages: string[];
  dispose(): void;
}

/**
 * Copies `root` (a memory copy) onto the project's file system: the system's
 * temporary folder when it is there (any user can reach it, which the `user`
 * variation needs), else bunseal's own folder of the project.
 */
export function copyOnProjectFilesystem(root: string, projectDir: string): FilesystemCopy {
  const device = statSync(projectDir).dev;
  const parent = statSync(tmpdir()).dev === device ? tmpdir() : join(projectDir, ".bunseal");
  mkdirSync(parent, { recursive: true });
  const path = mkdtempSync(join(parent, "bunseal-check-filesystem-"));
  registerScratch(path);
  // readable by the user variation's uid, as check's other copies are
  chmodSync(path, 0o755);
  const packages: string[] = [];
  const copy = (from: string, to: string, at: string) => {
    // sorted, as git checks a commit out: only the file system decides how the folder lists
    for (const entry of readdirSync(from, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const [source, dest, rel] = [join(from, entry.name), join(to, entry.name), at === "" ? entry.name : `${at}/${entry.name}`];
      if (entry.name === "node_modules") {
        // an empty folder where the sandbox shows the memory copy's packages
        mkdirSync(dest);
        packages.push(rel);
      } else if (entry.isDirectory()) {
        mkdirSync(dest);
        copy(source, dest, rel);
        // the mode and times of the memory copy, which kept the project's (or moved them, under the mtime variation)
        chmodSync(dest, statSync(source).mode & 0o7777);
        keepTimes(source, dest);
      } else if (entry.isSymbolicLink()) symlinkSync(readlinkSync(source), dest);
      else if (entry.isFile()) {
        copyFileSync(source, dest);
        keepTimes(source, dest);
      }
    }
  };
  try {
    copy(root, path, "");
  } catch (error) {
    // a copy that failed half-way leaves nothing behind
    rmSync(path, { recursive: true, force: true });
    unregisterScratch(path);
    throw error;
  }
  return {
    path,
    packages,
    dispose() {
      rmSync(path, { recursive: true, force: true });
      unregisterScratch(path);
    },
  };
}
