/**
 * The build's sandbox: bubblewrap (Debian's `bubblewrap`) puts the build
 * worker in its own mount, PID and IPC namespaces and, unless the config asks
 * for the network, its own empty network namespace. Inside, the file system
 * is built from nothing: the system's programs and libraries read-only, a
 * handful of /etc files, the repository read-only with its hidden paths
 * masked, the Bun binary and bunseal's worker code read-only, and one
 * writable file, the tar the worker packs. The host's home, other projects,
 * the signing key and bunseal's own process are not there to be read.
 */
import { existsSync, lstatSync, readlinkSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { isInside, type HiddenPath } from "./hidden-paths.ts";

/** Absolute paths only: PATH is not trusted to name the sandbox tool. */
const BWRAP_CANDIDATES = ["/usr/bin/bwrap", "/bin/bwrap", "/usr/local/bin/bwrap"];

/** System folders every program needs, read-only. */
const SYSTEM_DIRS = ["/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin"];

/**
 * Only these of /etc: name lookup, users (os.userInfo), certificates (a build
 * with the network on), the zone database link. Not /etc as a whole: as root,
 * the sandbox could read /etc/shadow and the host's credentials in /etc.
 */
const ETC_FILES = ["/etc/passwd", "/etc/group", "/etc/hosts", "/etc/resolv.conf", "/etc/nsswitch.conf", "/etc/localtime", "/etc/ssl", "/etc/ca-certificates", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d"];

export interface SandboxSpec {
  /** the folder whose files of the commit the build may read (the repository root, or the project when it is no repository) */
  root: string;
  /**
   * The same files, kept elsewhere, to show at `root` instead (check's `filesystem` variation: the
   * project's files on another file system, at the same path); its `node_modules` folders come from `root`.
   */
  rootFrom?: { path: string; packages: readonly string[] };
  /** where the build starts */
  cwd: string;
  /** paths under `root` to mask, outer ones first */
  hidden: readonly HiddenPath[];
  /** files (absolute) shown again over a mask: declared extra inputs */
  reveal: readonly string[];
  /** files (absolute) the worker may write; each must exist before the sandbox starts */
  writable: readonly string[];
  /** folders (absolute, existing) written whole, bound over the read-only root before the masks: rebuild's install (its checkout and a fresh package cache) */
  writableDirs?: readonly string[];
  /** paths (absolute) that must not be readable wherever they lie: the signing key */
  deny: readonly string[];
  /** the Bun binary that runs the worker */
  bunPath: string;
  /** bunseal's own files the worker runs from (read-only) */
  code: readonly string[];
  network: boolean;
}

export interface SandboxAvailability {
  /** absolute path of bwrap, when it runs here */
  bwrap?: string;
  /** why not, when it does not */
  reason?: string;
  /** what the probe saw, for src/sandbox/unavailable.ts to name this machine's fix: no bwrap at all, or bwrap's own last words */
  missing?: true;
  stderr?: string;
}

let probed: Promise<SandboxAvailability> | undefined;

/** Whether bwrap exists and can make namespaces on this machine; asked once per process. */
export function sandboxAvailability(): Promise<SandboxAvailability> {
  probed ??= probe();
  return probed;
}

async function probe(): Promise<SandboxAvailability> {
  const bwrap = BWRAP_CANDIDATES.find((path) => existsSync(path));
  if (!bwrap) return { reason: "bubblewrap is not installed (Debian package bubblewrap)", missing: true };
  try {
    const proc = Bun.spawn([bwrap, "--ro-bind", "/", "/", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--die-with-parent", "/bin/true"], { stdin: "ignore", stdout: "ignore", stderr: "pipe", env: {} });
    const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
    if (code === 0) return { bwrap };
    return { reason: `bubblewrap cannot create namespaces here (${stderr.trim().split("\n").at(-1) ?? `exit ${code}`})`, stderr: stderr.trim() };
  } catch (cause) {
    return { reason: `bubblewrap could not be started (${(cause as Error).message})`, stderr: (cause as Error).message };
  }
}

/** The command-line prefix that runs a program inside the sandbox. */
export function sandboxArgv(bwrap: string, spec: SandboxSpec): string[] {
  const args: string[] = [bwrap, "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-ipc", "--unshare-cgroup-try"];
  if (!spec.network) args.push("--unshare-net");
  for (const dir of SYSTEM_DIRS) {
    const stat = lstatSync(dir, { throwIfNoEntry: false });
    if (!stat) continue;
    if (stat.isSymbolicLink()) args.push("--symlink", readlinkSync(dir), dir);
    else args.push("--ro-bind", dir, dir);
  }
  for (const path of ETC_FILES) if (existsSync(path)) args.push("--ro-bind", path, path);
  args.push("--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp");
  // bunseal's worker code, then the Bun binary's folder (a fetched release lives in a cache folder)
  for (const path of spec.code) args.push("--ro-bind", path, path);
  const bunDir = dirname(realpathSync(spec.bunPath));
  if (!SYSTEM_DIRS.some((dir) => bunDir === dir || bunDir.startsWith(`${dir}/`))) args.push("--ro-bind", bunDir, bunDir);
  if (spec.rootFrom) {
    args.push("--ro-bind", spec.rootFrom.path, spec.root);
    for (const folder of spec.rootFrom.packages) args.push("--ro-bind", join(spec.root, folder), join(spec.root, folder));
  } else {
    args.push("--ro-bind", spec.root, spec.root);
  }
  for (const dir of spec.writableDirs ?? []) args.push("--bind", dir, dir);
  for (const entry of spec.hidden) {
    // an empty tmpfs, not read-only: a declared extra input may be shown again inside it
    if (entry.kind === "dir") args.push("--tmpfs", entry.path);
    else args.push("--ro-bind", "/dev/null", entry.path);
  }
  for (const path of spec.reveal) args.push("--ro-bind", path, path);
  for (const path of spec.writable) args.push("--bind", path, path);
  // last, over everything else: wherever the key lies, the build finds nothing there
  const shown = [spec.root, bunDir, ...spec.code, ...ETC_FILES];
  for (const path of spec.deny) {
    const visible = shown.some((dir) => isInside(dir, path)) && !spec.hidden.some((h) => h.kind === "dir" && isInside(h.path, path));
    if (visible && lstatSync(path, { throwIfNoEntry: false })?.isFile()) args.push("--ro-bind", "/dev/null", path);
  }
  args.push("--chdir", spec.cwd, "--");
  return args;
}

/** bunseal's own files the worker imports: its sources, its packages and its manifest. */
export function workerCode(bunsealRoot: string): string[] {
  return ["src", "node_modules", "package.json", "tsconfig.json"].map((name) => join(bunsealRoot, name)).filter((path) => existsSync(path));
}
