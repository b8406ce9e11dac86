/**
 * Copies of the project for `bunseal check` builds: on tmpfs when the machine
 * has one (there, a directory lists its entries in the order they were made,
 * which is what the file-order variation needs), at a chosen path length, with
 * files created in sorted or reverse order. node_modules is copied, not
 * linked: a link would put the original's absolute path into the build.
 */
import { existsSync } from "node:fs";
import { chmod, copyFile, lstat, mkdir, mkdtemp, readdir, readlink, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SKIP = new Set([".git", ".bunseal"]);

export interface Workspace {
  root: string;
  /**
   * A copy of the project. Every copy but a longer-path one sits at the same
   * path, made anew when its creation order changes, so that varying the order
   * changes nothing else (a different path would be a second variation).
   */
  copy(source: string, options: { longerPath: boolean; reverseCreation: boolean }): Promise<string>;
  /** a folder the build may write its artifact to, writable by any user (for the user variation) */
  outDir(name: string): Promise<string>;
  dispose(): Promise<void>;
}

export async function createWorkspace(): Promise<Workspace> {
  const parent = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
  const root = await mkdtemp(join(parent, "bunseal-check-"));
  // readable and traversable by the user variation's uid
  await chmod(root, 0o755);
  const base = join(root, "copy", "project");
  let baseOrder: "sorted" | "reverse" | undefined;
  let longer = 0;
  return {
    root,
    async copy(source, options) {
      if (options.longerPath) {
        const dest = join(root, `copy-${longer++}-at-a-longer-path`, "project");
        await copyTree(source, dest, options.reverseCreation);
        return dest;
      }
      const order = options.reverseCreation ? "reverse" : "sorted";
      if (baseOrder !== order) {
        await rm(base, { recursive: true, force: true });
        await copyTree(source, base, options.reverseCreation);
        baseOrder = order;
      }
      return base;
    },
    async outDir(name) {
      const dir = join(root, `out-${name}`);
      await mkdir(dir, { recursive: true });
      await chmod(dir, 0o777);
      return dir;
    },
    dispose: () => rm(root, { recursive: true, force: true }),
  };
}

async function copyTree(source: string, dest: string, reverse: boolean): Promise<void> {
  await mkdir(dest, { recursive: true });
  const names = (await readdir(source)).filter((n) => !SKIP.has(n)).sort();
  if (reverse) names.reverse();
  for (const name of names) {
    const from = join(source, name);
    const to = join(dest, name);
    const stat = await lstat(from);
    if (stat.isDirectory()) await copyTree(from, to, reverse);
    else if (stat.isSymbolicLink()) await symlink(await readlink(from), to);
    else if (stat.isFile()) {
      await copyFile(from, to);
      await chmod(to, stat.mode & 0o777);
    }
  }
}
