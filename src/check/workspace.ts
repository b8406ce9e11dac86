/**
 * Copies of the project for `bunseal check` builds: on tmpfs when the machine
 * has one (fast to write, and there a directory lists its entries in the order
 * they were made, which is what the file-order variation needs), at a chosen path length, with
 * the project's own files created in sorted or reverse order. node_modules is
 * copied, not linked: a link would put the original's absolute path into the
 * build.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readlinkSync, symlinkSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { BunsealError } from "../errors.ts";
import { scratchDir } from "../util/scratch-dir.ts";

// node_modules is handled apart (see createWorkspace)
const SKIP = new Set([".git", ".bunseal", "node_modules"]);

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
  const root = await mkdtemp(join(scratchDir(), "bunseal-check-"));
  // readable and traversable by the user variation's uid
  await chmod(root, 0o755);
  const base = join(root, "copy", "project");
  const longer = join(root, "copy-at-a-longer-path", "project");
  const made = new Map<string, "sorted" | "reverse">();
  // node_modules is copied once and moved (renamed) into whichever copy builds next:
  // copying it for every copy would cost more than the builds themselves
  let modules: string | undefined;
  return {
    root,
    async copy(source, options) {
      const dest = options.longerPath ? longer : base;
      const order = options.reverseCreation ? "reverse" : "sorted";
      if (made.get(dest) !== order) {
        if (modules?.startsWith(`${dest}/`)) modules = await park(modules, join(root, "node_modules-parked"));
        await rm(dest, { recursive: true, force: true });
        copyTree(source, dest, options.reverseCreation);
        made.set(dest, order);
      }
      const target = join(dest, "node_modules");
      if (existsSync(join(source, "node_modules")) && modules !== target) {
        if (modules === undefined) {
          await copyModules(join(source, "node_modules"), target);
        } else {
          await rename(modules, target);
        }
        modules = target;
      }
      return dest;
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

async function park(from: string, to: string): Promise<string> {
  await rename(from, to);
  return to;
}

/** `cp -a`: native, and an order of creation that is the same for every check. */
async function copyModules(from: string, to: string): Promise<void> {
  const proc = Bun.spawn(["cp", "-a", from, to], { stdout: "ignore", stderr: "pipe" });
  const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new BunsealError("IO_FAILED", `could not copy ${from} for the check builds: ${stderr.trim()}`, { file: from });
}

/**
 * Synchronous on purpose: the order in which entries are created is the point
 * (tmpfs lists a directory in creation order), and for ten thousand small files
 * the synchronous calls are several times faster than awaiting each one.
 * copyFileSync keeps the file's mode.
 */
function copyTree(source: string, dest: string, reverse: boolean): void {
  mkdirSync(dest, { recursive: true });
  const entries = readdirSync(source, { withFileTypes: true }).filter((e) => !SKIP.has(e.name));
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (reverse) entries.reverse();
  for (const entry of entries) {
    const from = join(source, entry.name);
    const to = join(dest, entry.name);
    if (entry.isDirectory()) copyTree(from, to, reverse);
    else if (entry.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
    else if (entry.isFile()) copyFileSync(from, to);
  }
}
