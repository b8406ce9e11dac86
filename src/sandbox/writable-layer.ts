/**
 * The build's writable layer: the repository is shown through an overlay
 * (the kernel's overlayfs) whose lower layer is the work tree, read-only, and
 * whose upper layer is a scratch folder of bunseal's. A tool that writes a
 * cache or a log, a script that empties `dist` first, a code generator: each
 * works, and what it writes lands in the scratch folder, never in the work
 * tree, and goes with it. Once the sandbox is gone the scratch folder says,
 * from outside the build's reach, which files it wrote: a file it wrote and
 * then read is an input of role `generated`, hashed from there.
 *
 * What git ignores is not hidden by a mount over it but removed in the layer
 * (a whiteout): the build finds nothing there and may make it anew, as a
 * generator of a git-ignored `src/generated.ts` does, and then the read is of
 * its own file, recorded.
 *
 * Two ways to mount it, by who runs bunseal:
 * - root: the build runs as another uid (SANDBOX_ID), which owns none of the
 *   work tree. The lower layer is an idmapped mount that shows the tree's
 *   owner as that uid (nothing on the disk changes), the overlay is made with
 *   the new mount API and attached at a scratch path. Reached through bun:ffi: util-linux 2.38 (Debian
 *   12) cannot make idmapped mounts, and these are a handful of system calls.
 * - a user: the build is that user already. A user namespace of its own
 *   (`unshare -Urm`) may mount an overlay (Linux 5.11 and later) at the
 *   scratch path, and the sandbox starts inside it.
 * Either way bwrap binds it at the repository's path; everything else it
 * shows (the tar, a declared input) it binds from the disk, not the layer.
 */
import { FFIType, ptr, read } from "bun:ffi";
import { openLibc } from "../util/libc.ts";
import { chmodSync, chownSync, closeSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { registerStopper } from "../util/scratch-registry.ts";
import type { HiddenPath } from "./hidden-paths.ts";

export interface WritableLayer {
  /** where the build's writes land: a folder that mirrors the repository root */
  upper: string;
  /** where the overlay is mounted (as a user, only in the namespace of `argv`): bwrap binds it at the repository's path */
  merged: string;
  /** (a user) the command prefix that mounts the overlay in a namespace of its own, then runs the sandbox */
  argv: string[];
  /**
   * Once the sandbox is gone: what the build made, by its path at the
   * repository (absolute) → the file in the upper layer that holds it, or null
   * for what is no regular file (a link, a pipe): what was read there cannot
   * be read back.
   */
  written(): Map<string, string | null>;
  /** unmounts (root) and removes the scratch folder */
  release(): void;
}

export interface LayerRequest {
  /** the repository's path, where the build sees the layer */
  root: string;
  /** what the layer shows beneath: the work tree (check's filesystem variation: its copy) */
  lower: string;
  /** entries of the work tree the build must not find: removed in the layer */
  removed: readonly HiddenPath[];
  /** the uid and gid the build runs as, to the kernel: the tree's owner is shown as it (root only) */
  runsAs?: { uid: number; gid: number };
}

const S_IFCHR = 0o020000;
const OPEN_TREE_CLONE = 1;
const O_CLOEXEC = 0o2000000;
const AT_RECURSIVE = 0x8000;
const AT_EMPTY_PATH = 0x1000;
const AT_FDCWD = -100n;
const MOUNT_ATTR_IDMAP = 0x100000n;
const FSOPEN_CLOEXEC = 1n;
const FSCONFIG_SET_STRING = 1n;
const FSCONFIG_SET_FD = 5n;
const FSCONFIG_CMD_CREATE = 6n;
const FSMOUNT_CLOEXEC = 1n;
const MOVE_MOUNT_F_EMPTY_PATH = 4n;
const MNT_DETACH = 2;
// the mount API's calls have one number on every architecture (they came after the tables were unified)
const SYS = { open_tree: 428n, move_mount: 429n, fsopen: 430n, fsconfig: 431n, fsmount: 432n, mount_setattr: 442n };

const I64 = FFIType.i64;
let libc: ReturnType<typeof loadLibc> | undefined;
function loadLibc() {
  return openLibc({
    syscall: { args: [I64, I64, I64, I64, I64, I64], returns: I64 },
    mknod: { args: [FFIType.ptr, FFIType.u32, FFIType.u64], returns: FFIType.i32 },
    umount2: { args: [FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
    __errno_location: { args: [], returns: FFIType.ptr },
  }).symbols;
}
function symbols() {
  if (libc === undefined) libc = loadLibc();
  return libc;
}

class LayerError extends Error {}

/** Calls the kernel with string arguments kept alive for the call; throws with errno on failure. */
function call(c: NonNullable<typeof libc>, what: string, nr: bigint, ...args: (bigint | string)[]): number {
  const keep: Buffer[] = [];
  const words = args.map((a) => {
    if (typeof a !== "string") return a;
    const b = Buffer.from(`${a}\0`);
    keep.push(b);
    return BigInt(ptr(b));
  });
  while (words.length < 5) words.push(0n);
  const result = Number(c.syscall(nr, words[0]!, words[1]!, words[2]!, words[3]!, words[4]!));
  if (result < 0) throw new LayerError(`${what} failed (errno ${read.i32(c.__errno_location()!)})`);
  return result;
}

/** The upper layer with every removed entry a whiteout (a 0/0 character device), its folders made as the tree has them. */
function prepareUpper(upper: string, lower: string, removed: readonly HiddenPath[], owner?: { uid: number; gid: number }): void {
  const c = symbols();
  if (!c) throw new LayerError("libc cannot be loaded");
  const made = new Set<string>([""]);
  const makeDir = (rel: string) => {
    if (made.has(rel)) return;
    makeDir(dirname(rel) === "." ? "" : dirname(rel));
    const at = join(upper, rel);
    // a folder in the upper layer is the folder the build sees: its mode is the tree's
    mkdirSync(at);
    chmodSync(at, statSync(join(lower, rel)).mode & 0o7777);
    if (owner) chownSync(at, owner.uid, owner.gid);
    made.add(rel);
  };
  for (const entry of removed) {
    const rel = entry.path;
    makeDir(dirname(rel) === "." ? "" : dirname(rel));
    if (c.mknod(ptr(Buffer.from(`${join(upper, rel)}\0`)), S_IFCHR, 0n) !== 0) throw new LayerError(`a whiteout for ${rel} could not be made (errno ${read.i32(c.__errno_location()!)})`);
  }
}

export function openLayer(request: LayerRequest): WritableLayer {
  const scratch = mkdtempSync(join(tmpdir(), "bunseal-layer-"));
  const upper = join(scratch, "upper");
  const work = join(scratch, "work");
  const rootStat = statSync(request.lower);
  // an entry inside a removed folder is gone with it
  const relRemoved: HiddenPath[] = [];
  for (const entry of request.removed) {
    const rel = relative(request.root, entry.path);
    if (rel === "" || rel.startsWith("..") || relRemoved.some((outer) => outer.kind === "dir" && rel.startsWith(`${outer.path}/`))) continue;
    relRemoved.push({ ...entry, path: rel });
  }
  let detach: (() => void) | undefined;
  let forget: (() => void) | undefined;
  const release = () => {
    forget?.();
    detach?.();
    detach = undefined;
    removeScratch(scratch);
  };
  try {
    mkdirSync(upper);
    mkdirSync(work, { mode: 0o700 });
    chmodSync(upper, rootStat.mode & 0o7777);
    if (request.runsAs) {
      // root: the build, another uid, passes the scratch folder to reach the overlay; it lists nothing there
      chmodSync(scratch, 0o711);
      const owner = { uid: rootStat.uid, gid: rootStat.gid };
      chownSync(upper, request.runsAs.uid, request.runsAs.gid);
      prepareUpper(upper, request.lower, relRemoved, request.runsAs);
      const merged = join(scratch, "merged");
      mkdirSync(merged);
      detach = mountAsRoot(request.lower, upper, work, merged, owner, request.runsAs);
      forget = registerStopper(() => detach?.());
      return { upper, merged, argv: [], written: () => writtenFiles(upper, request.root), release };
    }
    prepareUpper(upper, request.lower, relRemoved);
    const merged = join(scratch, "merged");
    mkdirSync(merged);
    // mount(8) takes the layers as one option string: a path with a comma or colon would be read as two
    const lower = join(scratch, "lower");
    symlinkSync(request.lower, lower);
    const argv = ["/usr/bin/unshare", "--user", "--map-root-user", "--mount", "--propagation", "private", "/bin/sh", "-c", 'mount -t overlay overlay -o "lowerdir=$1,upperdir=$2,workdir=$3" "$4" && shift 4 && exec "$@"', "sh", lower, upper, work, merged];
    return { upper, merged, argv, written: () => writtenFiles(upper, request.root), release };
  } catch (cause) {
    release();
    throw cause;
  }
}

function mountAsRoot(lower: string, upper: string, work: string, merged: string, owner: { uid: number; gid: number }, to: { uid: number; gid: number }): () => void {
  const c = symbols();
  if (!c) throw new LayerError("libc cannot be loaded");
  const fds: number[] = [];
  try {
    const userns = idmapNamespace(owner, to);
    const tree = call(c, "open_tree", SYS.open_tree, AT_FDCWD, lower, BigInt(OPEN_TREE_CLONE | O_CLOEXEC | AT_RECURSIVE));
    fds.push(tree);
    const attr = new BigUint64Array([MOUNT_ATTR_IDMAP, 0n, 0n, BigInt(userns)]);
    call(c, "mount_setattr", SYS.mount_setattr, BigInt(tree), "", BigInt(AT_EMPTY_PATH | AT_RECURSIVE), BigInt(ptr(attr)), 32n);
    const fs = call(c, "fsopen overlay", SYS.fsopen, "overlay", FSOPEN_CLOEXEC);
    fds.push(fs);
    call(c, "overlay lowerdir", SYS.fsconfig, BigInt(fs), FSCONFIG_SET_FD, "lowerdir+", 0n, BigInt(tree));
    call(c, "overlay upperdir", SYS.fsconfig, BigInt(fs), FSCONFIG_SET_STRING, "upperdir", upper, 0n);
    call(c, "overlay workdir", SYS.fsconfig, BigInt(fs), FSCONFIG_SET_STRING, "workdir", work, 0n);
    call(c, "overlay create", SYS.fsconfig, BigInt(fs), FSCONFIG_CMD_CREATE, 0n, 0n, 0n);
    const mount = call(c, "fsmount", SYS.fsmount, BigInt(fs), FSMOUNT_CLOEXEC, 0n);
    fds.push(mount);
    call(c, "move_mount", SYS.move_mount, BigInt(mount), "", AT_FDCWD, merged, MOVE_MOUNT_F_EMPTY_PATH);
  } finally {
    for (const fd of fds) closeSync(fd);
  }
  return () => {
    c.umount2(ptr(Buffer.from(`${merged}\0`)), MNT_DETACH);
  };
}

/** One user namespace per mapping, kept open by its descriptor for the life of the process: check builds many times. */
const namespaces = new Map<string, number>();

/**
 * A user namespace that maps the tree's owner to the build's uid, by a
 * descriptor: an idmapped mount takes its mapping from one. A namespace made
 * by root may be given any mapping by root; the process that made it goes at
 * once, the descriptor holds it.
 */
function idmapNamespace(owner: { uid: number; gid: number }, to: { uid: number; gid: number }): number {
  const key = `${owner.uid}:${owner.gid}>${to.uid}:${to.gid}`;
  const known = namespaces.get(key);
  if (known !== undefined) return known;
  const holder = Bun.spawn(["/usr/bin/unshare", "--user", "/bin/sleep", "60"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  try {
    waitForNamespace(holder.pid);
    writeMap(`/proc/${holder.pid}/uid_map`, `${owner.uid} ${to.uid} 1\n`);
    writeMap(`/proc/${holder.pid}/gid_map`, `${owner.gid} ${to.gid} 1\n`);
    const fd = openSync(`/proc/${holder.pid}/ns/user`, "r");
    namespaces.set(key, fd);
    return fd;
  } finally {
    holder.kill();
  }
}

function waitForNamespace(pid: number): void {
  // unshare has made the namespace once /proc shows the process in one other than ours
  const ours = readLink("/proc/self/ns/user");
  for (let i = 0; i < 400; i++) {
    const theirs = readLink(`/proc/${pid}/ns/user`);
    if (theirs !== undefined && theirs !== ours) return;
    Bun.sleepSync(1);
  }
  throw new LayerError("the user namespace for the idmapped mount was not made in time");
}

function readLink(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

function writeMap(file: string, line: string): void {
  const fd = openSync(file, "w");
  try {
    writeSync(fd, line);
  } finally {
    closeSync(fd);
  }
}

/**
 * What is in the upper layer, by its path at the repository: the regular files
 * the build wrote, and (null) anything else it made there but a folder or a
 * whiteout (a removed entry is a 0/0 character device).
 */
function writtenFiles(upper: string, root: string): Map<string, string | null> {
  const found = new Map<string, string | null>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const at = join(root, relative(upper, path));
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) found.set(at, path);
      else if (!(entry.isCharacterDevice() && lstatSync(path).rdev === 0)) found.set(at, null);
    }
  };
  walk(upper);
  return found;
}

/** Why a layer cannot be made here, or undefined when it can; `error` from openLayer. */
export function layerProblem(error: unknown): string | undefined {
  return error instanceof LayerError ? error.message : undefined;
}

/**
 * Removes the scratch folder, layer and all. As a user, overlayfs leaves its
 * own folder in `work` with no permissions at all, which the owner must open
 * up before it can be removed.
 */
function removeScratch(scratch: string): void {
  try {
    rmSync(scratch, { recursive: true, force: true });
    return;
  } catch {
    // opened up below, then removed again
  }
  const openUp = (dir: string) => {
    try {
      chmodSync(dir, 0o700);
      for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) openUp(join(dir, entry.name));
    } catch {
      // not ours to open: rmSync says so below
    }
  };
  openUp(scratch);
  rmSync(scratch, { recursive: true, force: true });
}
