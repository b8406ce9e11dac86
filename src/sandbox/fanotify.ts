/**
 * The kernel's own list of the files the build opened, from fanotify: every
 * open on the file systems the build can see raises an event naming the
 * opened file by its folder's file handle and its name, and the build is not
 * stopped for it. Measured on the 10,000-module bench: strace (which stops the
 * process at every open) +40 %; fanotify reporting a descriptor per event
 * (which opens every file a second time) +18 %; this, file handles resolved
 * once per folder, within run-to-run noise. Needs CAP_SYS_ADMIN, so only when
 * bunseal runs as root; elsewhere the build is traced with strace, or not at
 * all, and the record says which.
 *
 * Reached through bun:ffi and libc: no package wraps fanotify, and these are
 * a handful of system calls.
 */
import { FFIType, ptr } from "bun:ffi";
import { openLibc } from "../util/libc.ts";
import { readFileSync, readlinkSync, statSync } from "node:fs";
import { isInside } from "./hidden-paths.ts";

const FAN_CLOEXEC = 0x1;
const FAN_NONBLOCK = 0x2;
/** no limit on queued events: a dropped event would be a read left out of the record */
const FAN_UNLIMITED_QUEUE = 0x10;
/** events name the folder (by file handle) and the entry's name: no descriptor is opened per event */
const FAN_REPORT_DFID_NAME = 0x400 | 0x800;
const FAN_MARK_ADD = 0x1;
/** the whole file system, so opens through the sandbox's own bind mounts are seen too */
const FAN_MARK_FILESYSTEM = 0x100;
const FAN_MARK_MOUNT = 0x10;
const FAN_MARK_IGNORED_MASK = 0x20;
const FAN_MARK_IGNORED_SURV_MODIFY = 0x40;
const FAN_OPEN = 0x20n;
const FAN_OPEN_EXEC = 0x1000n;
const FAN_Q_OVERFLOW = 0x4000n;
const FAN_EVENT_INFO_TYPE_DFID_NAME = 2;
const O_RDONLY_LARGEFILE = 0o100000;
const O_DIRECTORY = 0o200000;
const AT_FDCWD = -100;
const EVENT_HEADER = 24;
/** info header (4) and fsid (8) come before the file handle */
const HANDLE_AT = 12;

type Libc = NonNullable<ReturnType<typeof load>>;
let libc: Libc | null | undefined;

function load() {
  return openLibc({
    fanotify_init: { args: [FFIType.u32, FFIType.u32], returns: FFIType.i32 },
    fanotify_mark: { args: [FFIType.i32, FFIType.u32, FFIType.u64, FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
    open: { args: [FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
    open_by_handle_at: { args: [FFIType.i32, FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
    read: { args: [FFIType.i32, FFIType.ptr, FFIType.u64], returns: FFIType.i64 },
    readlink: { args: [FFIType.ptr, FFIType.ptr, FFIType.u64], returns: FFIType.i64 },
    close: { args: [FFIType.i32], returns: FFIType.i32 },
  }).symbols;
}

function symbols(): Libc | null {
  if (libc === undefined) libc = load();
  return libc;
}

export interface OpenWatch {
  /** the process the build runs under (the sandbox's outermost): only its namespace's opens are the build's */
  follow(pid: number): void;
  /** reads what has arrived so far; call often, so that the processes behind events can still be asked who they are */
  drain(): void;
  /** drains what is left and stops watching; returns the files opened under the roots, sorted */
  close(): string[];
  /** whether the kernel dropped events (then the trace is incomplete) */
  incomplete(): boolean;
}

const cString = (text: string) => Buffer.from(`${text}\0`);

/**
 * Starts watching every open on the file systems that hold `roots`, keeping
 * those under a root made by the build: processes in the mount namespace of
 * the process given to `follow` (the sandbox), found by descent the first
 * time, and processes below that one in namespaces of their own. Opens by
 * this machine's own processes (bunseal, git, an editor) and by other
 * sandboxes (another build of the same repository) are not the build's.
 * Undefined when fanotify cannot be used here.
 */
export function watchOpens(roots: readonly string[]): OpenWatch | undefined {
  const c = symbols();
  if (!c) return undefined;
  const fd = c.fanotify_init(FAN_CLOEXEC | FAN_NONBLOCK | FAN_UNLIMITED_QUEUE | FAN_REPORT_DFID_NAME, O_RDONLY_LARGEFILE);
  if (fd < 0) return undefined;
  // one marked file system per device, and a descriptor on it to turn handles back into folders
  const mounts: number[] = [];
  const devices = new Set<number>();
  const release = () => {
    for (const m of mounts) c.close(m);
    c.close(fd);
  };
  for (const root of roots) {
    const dev = statSync(root).dev;
    if (devices.has(dev)) continue;
    devices.add(dev);
    const mount = c.open(ptr(cString(root)), O_DIRECTORY);
    if (mount < 0 || c.fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_OPEN | FAN_OPEN_EXEC, AT_FDCWD, ptr(cString(root))) !== 0) {
      if (mount >= 0) c.close(mount);
      release();
      return undefined;
    }
    mounts.push(mount);
  }
  // Opens through this machine's own mounts of those file systems (bunseal hashing the
  // inputs, git, an editor) are dropped by the kernel before they become events: the
  // build opens its files through the sandbox's bind mounts, which are other mounts.
  for (const root of roots) {
    c.fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_MOUNT | FAN_MARK_IGNORED_MASK | FAN_MARK_IGNORED_SURV_MODIFY, FAN_OPEN | FAN_OPEN_EXEC, AT_FDCWD, ptr(cString(root)));
  }

  const hostNamespace = namespaceOf(process.pid);
  let buildPid: number | undefined;
  let buildNamespace: string | undefined;
  const outsiders = new Map<number, boolean>();
  /**
   * A process already gone is counted as the build's: a read too many is harmless, one too few
   * is not. A process below the build's own is the build's whatever namespace it made for itself
   * (`unshare -Urm` needs no capability): judged by namespace alone, its reads were dropped.
   */
  const judge = (pid: number): boolean => {
    if (pid === process.pid) return true;
    const ns = namespaceOf(pid);
    if (ns === undefined) return false;
    if (ns === hostNamespace) return true;
    if (buildNamespace !== undefined && ns === buildNamespace) return false;
    if (buildPid !== undefined && descendsFrom(pid, buildPid)) {
      buildNamespace ??= ns;
      return false;
    }
    return true;
  };
  const isOutsider = (pid: number) => {
    let known = outsiders.get(pid);
    if (known === undefined) {
      known = judge(pid);
      outsiders.set(pid, known);
    }
    return known;
  };
  const link = new Uint8Array(4096);
  const decoder = new TextDecoder();
  /**
   * Folder by file handle (fsid and handle bytes, as a string key): its path with a
   * trailing slash, "" when it lies outside every root (its files are not the build's
   * inputs), null when the handle no longer names a folder.
   */
  const folders = new Map<string, string | null>();
  const folderOf = (event: Uint8Array, handleAt: number, handleLength: number): string | null => {
    // latin1: one character per byte, so distinct handles never share a key (UTF-8 would fold invalid bytes together)
    const key = Buffer.from(event.buffer, event.byteOffset + handleAt - 8, handleLength + 8).toString("latin1");
    let folder = folders.get(key);
    if (folder !== undefined) return folder;
    folder = null;
    const handle = event.slice(handleAt, handleAt + handleLength);
    for (const mount of mounts) {
      const dir = c.open_by_handle_at(mount, ptr(handle), O_DIRECTORY);
      if (dir < 0) continue;
      const size = Number(c.readlink(ptr(cString(`/proc/self/fd/${dir}`)), ptr(link), link.byteLength));
      c.close(dir);
      if (size > 0) {
        const path = decoder.decode(link.subarray(0, size));
        folder = roots.some((root) => isInside(root, path)) ? `${path}/` : "";
      }
      break;
    }
    folders.set(key, folder);
    return folder;
  };

  const opened = new Set<string>();
  const buffer = new Uint8Array(256 * 1024);
  const view = new DataView(buffer.buffer);
  let incomplete = false;
  let open = true;
  const drain = () => {
    if (!open) return;
    for (;;) {
      const n = Number(c.read(fd, ptr(buffer), buffer.byteLength));
      if (n <= 0) return;
      for (let at = 0; at + EVENT_HEADER <= n; ) {
        const length = view.getUint32(at, true);
        if (length < EVENT_HEADER) return;
        const mask = view.getBigUint64(at + 8, true);
        const pid = view.getInt32(at + 20, true);
        if ((mask & FAN_Q_OVERFLOW) !== 0n) incomplete = true;
        else if (!isOutsider(pid)) {
          for (let info = at + EVENT_HEADER; info + 4 <= at + length; ) {
            const infoLength = view.getUint16(info + 2, true);
            if (infoLength === 0) break;
            if (buffer[info] === FAN_EVENT_INFO_TYPE_DFID_NAME) {
              const handleAt = info + HANDLE_AT;
              const handleLength = 8 + view.getUint32(handleAt, true);
              let nameEnd = handleAt + handleLength;
              while (nameEnd < info + infoLength && buffer[nameEnd] !== 0) nameEnd++;
              const folder = folderOf(buffer, handleAt, handleLength);
              // a folder that is gone was no folder of the build's: the repository is read-only to it
              if (folder) opened.add(folder + decoder.decode(buffer.subarray(handleAt + handleLength, nameEnd)));
            }
            info += infoLength;
          }
        }
        at += length;
      }
    }
  };
  return {
    follow(pid) {
      buildPid = pid;
    },
    drain,
    close() {
      drain();
      open = false;
      release();
      return [...opened].sort();
    },
    incomplete: () => incomplete,
  };
}

/** Whether `pid` is `ancestor` or below it, by the parent links in /proc. */
function descendsFrom(pid: number, ancestor: number): boolean {
  for (let p = pid, steps = 0; p > 1 && steps < 64; steps++) {
    if (p === ancestor) return true;
    try {
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ")"
      const stat = readFileSync(`/proc/${p}/stat`, "latin1");
      p = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    } catch {
      return false;
    }
  }
  return false;
}

function namespaceOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/mnt`);
  } catch {
    return undefined;
  }
}
