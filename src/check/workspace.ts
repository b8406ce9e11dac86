/**
 * Copies of the project (or of the workspace it belongs to) for `bunseal check` builds: on tmpfs when the machine
 * has one (fast to write, and there a directory lists its entries in the order
 * they were made, which is what the file-order variation needs), at a chosen path length, with
 * the project's own files created in sorted or reverse order. node_modules is
 * copied, not linked: a link would put the original's absolute path into the
 * build. Every copy keeps each file's mode and modification time: a copy
 * that changed them would vary what no variation names.
 */
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readlinkSync, statSync, symlinkSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { BunsealError } from "../errors.ts";
import { runGit } from "../source/git-runner.ts";
import { exec, tail } from "../util/exec.ts";
import { scratchDir } from "../util/scratch-dir.ts";
import { registerScratch, unregisterScratch } from "../util/scratch-registry.ts";
import { keepTimes } from "./keep-times.ts";

// node_modules is handled apart (see createWorkspace)
const SKIP = new Set([".git", ".bunseal", "node_modules"]);

export interface Workspace {
  root: string;
  /**
   * A copy of the project. Every copy but a longer-path one sits at the same
   * path, made anew when its creation order changes, so that varying the order
   * changes nothing else (a different path would be a second variation).
   * `source` is the folder copied whole: the project, or the workspace root of
   * a workspace member (whose build needs its sibling packages and the root's
   * node_modules and lockfile), with the project at `subdir` inside it; the
   * copy of the project is returned. `laterMtimes`: the project's own files
   * (not installed packages) modified later than the source's (the `mtime`
   * variation). `withoutModules`: no installed packages in the copy (the
   * `install` variation installs them anew).
   */
  copy(source: string, options: CopyOptions, subdir?: string): Promise<string>;
  /** a folder the build may write its artifact to, writable by any user (for the user variation) */
  outDir(name: string): Promise<string>;
  dispose(): Promise<void>;
}

export interface CopyOptions {
  longerPath: boolean;
  reverseCreation: boolean;
  laterMtimes?: boolean;
  withoutModules?: boolean;
}

export async function createWorkspace(): Promise<Workspace> {
  const root = await mkdtemp(join(scratchDir(), "bunseal-check-"));
  registerScratch(root);
  // readable and traversable by the user variation's uid
  await chmod(root, 0o755);
  const base = join(root, "copy", "project");
  const longer = join(root, "copy-at-a-longer-path", "project");
  const made = new Map<string, string>();
  // the node_modules folders (the root's, and a workspace's packages' own) are copied once and
  // moved (renamed) into whichever copy builds next: copying them for every copy would cost
  // more than the builds themselves
  let modulesIn: string | undefined;
  let moduleDirs: string[] = [];
  const moveModules = async (to: string) => {
    for (const rel of moduleDirs) {
      await mkdir(dirname(join(to, rel)), { recursive: true });
      await rename(join(modulesIn!, rel), join(to, rel));
    }
    modulesIn = to;
  };
  return {
    root,
    async copy(source, options, subdir = "") {
      const dest = options.longerPath ? longer : base;
      // a copy whose packages were installed anew is never reused: the next one gets the project's
      const kind = [options.reverseCreation ? "reverse" : "sorted", options.laterMtimes ? "later" : "kept", options.withoutModules ? `fresh-${made.size}` : "modules"].join(" ");
      if (made.get(dest) !== kind) {
        if (modulesIn === dest) await moveModules(join(root, "node_modules-parked"));
        await rm(dest, { recursive: true, force: true });
        const found: string[] = [];
        copyTree(source, dest, options.reverseCreation, options.laterMtimes === true, found);
        if (subdir !== "") await markRepository(dest);
        made.set(dest, options.withoutModules ? "fresh" : kind);
        if (modulesIn === undefined) {
          // parked, never built with, when the first copy wants none
          const into = options.withoutModules ? join(root, "node_modules-parked") : dest;
          for (const rel of found) {
            await mkdir(dirname(join(into, rel)), { recursive: true });
            await copyModules(join(source, rel), join(into, rel));
          }
          moduleDirs = found;
          modulesIn = into;
        }
      }
      if (options.withoutModules) return subdir === "" ? dest : join(dest, subdir);
      if (modulesIn !== dest) await moveModules(dest);
      return subdir === "" ? dest : join(dest, subdir);
    },
    async outDir(name) {
      const dir = join(root, `out-${name}`);
      await mkdir(dir, { recursive: true });
      await chmod(dir, 0o777);
      return dir;
    },
    dispose: async () => {
      await rm(root, { recursive: true, force: true });
      unregisterScratch(root);
    },
  };
}

/**
 * A workspace member's copy sits below the copy of its workspace root. An
 * empty git repository there makes that copy the root the build's boundary
 * shows (as the repository is for the original build, src/sandbox/boundary.ts),
 * masking the files its .gitignore names, and bounds the search for the
 * workspace's lockfile (src/workspace/workspace-root.ts) to the copy.
 */
async function markRepository(dir: string): Promise<void> {
  const result = await runGit(dir, ["init", "--quiet", dir]);
  if (result.exitCode !== 0) throw new BunsealError("GIT_FAILED", `git init failed in the check copy ${dir} (exit ${result.exitCode}):\n${tail(result.stderr)}`, { file: dir });
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
 * copyFileSync keeps the file's mode; a folder's mode and every time are set
 * after its entries are made (making them changes the folder's own mtime).
 */
function copyTree(source: string, dest: string, reverse: boolean, later: boolean, modules: string[], at = ""): void {
  mkdirSync(dest, { recursive: true });
  const all = readdirSync(source, { withFileTypes: true });
  if (all.some((e) => e.name === "node_modules" && (e.isDirectory() || e.isSymbolicLink()))) modules.push(at === "" ? "node_modules" : `${at}/node_modules`);
  const entries = all.filter((e) => !SKIP.has(e.name));
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (reverse) entries.reverse();
  for (const entry of entries) {
    const from = join(source, entry.name);
    const to = join(dest, entry.name);
    if (entry.isDirectory()) copyTree(from, to, reverse, later, modules, at === "" ? entry.name : `${at}/${entry.name}`);
    else if (entry.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
    else if (entry.isFile()) {
      copyFileSync(from, to);
      keepTimes(from, to, later);
    }
  }
  // the copy's own top folder stays as made: the user variation's uid must reach it, whatever the project's is
  if (at !== "") chmodSync(dest, statSync(source).mode & 0o7777);
  keepTimes(source, dest, later);
}
