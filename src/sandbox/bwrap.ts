/**
 * The build's sandbox: bubblewrap (Debian's `bubblewrap`) puts the build
 * worker in its own mount, PID, IPC and UTS namespaces and, unless the config
 * asks for the network, its own empty network namespace. Inside, the file
 * system is built from nothing: the system's programs and libraries
 * read-only (not /usr/local, the machine's own), a handful of /etc files and
 * generated users, groups, hosts and host facts (sandbox-etc.ts), the
 * repository read-only with its hidden paths masked, the Bun binary and
 * bunseal's worker code read-only, and one writable file, the tar the worker
 * packs. The host's home, other projects, the signing key (wherever it lies)
 * and bunseal's own process are not there to be read.
 *
 * And the build holds no power to undo any of it: it runs as uid 65534 with
 * no capabilities and no_new_privs (a real unprivileged uid when bunseal is
 * root), under a seccomp filter (seccomp.ts) that refuses mounting, new
 * namespaces, file handles, other processes' memory and the kernel's
 * administrative calls.
 */
import { spawnSync } from "node:child_process";
import { chownSync, existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { BunsealError } from "../errors.ts";
import { isInside, type HiddenPath } from "./hidden-paths.ts";
import { MountPlan } from "./mount-plan.ts";
import { SANDBOX_HOSTNAME, SANDBOX_ID, sandboxKit, type SandboxIds } from "./sandbox-etc.ts";
import { seccompArch } from "./seccomp.ts";

/** Absolute paths only: PATH is not trusted to name the sandbox tool. */
const BWRAP_CANDIDATES = ["/usr/bin/bwrap", "/bin/bwrap", "/usr/local/bin/bwrap"];

/** System folders every program needs, read-only. */
const SYSTEM_DIRS = ["/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin"];

/**
 * Only these of /etc: the loader's cache, name-service switch, the zone
 * database link. Not /etc as a whole: as root, the sandbox could read
 * /etc/shadow and the host's credentials in /etc. Users, groups and hosts are
 * generated (sandbox-etc.ts), not the host's.
 */
const ETC_FILES = ["/etc/nsswitch.conf", "/etc/localtime", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d"];

/**
 * With the network on: the resolver and the CA certificates, and only those
 * of /etc/ssl (never /etc/ssl/private, the host's TLS keys). The machine's own
 * CAs live under /usr/local, which is otherwise not shown.
 */
const NETWORK_ETC_FILES = ["/etc/resolv.conf", "/etc/ssl/certs", "/etc/ssl/openssl.cnf", "/etc/ca-certificates", "/etc/ca-certificates.conf", "/usr/local/share/ca-certificates"];

/** util-linux's setpriv: how the build drops to a real unprivileged uid when bunseal is root. */
const SETPRIV = "/usr/bin/setpriv";

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
  /**
   * The writable layer the root is shown through (src/sandbox/writable-layer.ts), mounted at
   * `merged` (as a user, by a prefix outside bwrap, in its own namespace): bound writable at the
   * root, with the `removed` entries gone in it (no mask is laid over them).
   */
  layer?: { merged: string; removed: readonly HiddenPath[] };
  /** files (absolute) shown again over a mask: declared extra inputs */
  reveal: readonly string[];
  /** folders (absolute, existing) shown read-only at a path under `root`, over any mask there: a workspace sibling's outputs of this run (src/workspace/sibling-outputs.ts) */
  shownFrom?: readonly { from: string; at: string }[];
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
  /** a descriptor bwrap writes its JSON facts to (`--info-fd`: the sandbox's first process, `child-pid`), for a caller that reaches into its namespaces from outside (src/measure) */
  infoFd?: number;
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
  // without these the build would keep powers the boundary promises to take away
  if (!seccompArch()) return { reason: `no seccomp filter is made for ${process.arch} (only x64 and arm64)` };
  if (switchesUser() && !existsSync(SETPRIV)) return { reason: `setpriv (Debian package util-linux) is not at ${SETPRIV}, and as root the build must drop to an unprivileged uid` };
  try {
    // the smallest sandbox started as a build's is (its filter, its uid switch): a machine where either fails has no sandbox
    const proc = Bun.spawn(powerlessProbeArgv(bwrap), { stdin: "ignore", stdout: "ignore", stderr: "pipe", env: {} });
    const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
    if (code === 0) return { bwrap };
    return { reason: `bubblewrap cannot create namespaces here (${stderr.trim().split("\n").at(-1) ?? `exit ${code}`})`, stderr: stderr.trim() };
  } catch (cause) {
    return { reason: `bubblewrap could not be started (${(cause as Error).message})`, stderr: (cause as Error).message };
  }
}

/**
 * Whether this shell is root over the sandbox's own uid (a shell function):
 * uid 0, in a user namespace that maps SANDBOX_ID (see switchesUser). dash reads
 * a byte per system call: the status file is read only as far as its Uid line
 * (strace, tracing the sandbox as a user, stopped on each of 1,500 reads).
 */
const SWITCHES = `switches() { u=; while read -r k v r; do [ "$k" = Uid: ] && { u=$v; break; }; done </proc/self/status; [ "$u" = 0 ] || return 1; for f in /proc/self/uid_map /proc/self/gid_map; do m=1; while read -r i o c; do [ "$i" -le ${SANDBOX_ID} ] && [ $((i + c)) -gt ${SANDBOX_ID} ] && m=0; done <"$f"; [ $m = 0 ] || return 1; done; }`;

/**
 * Who the build runs as is decided where it starts, not when it is planned: a
 * wrapper around the sandbox (check's `user` variation) may already have
 * switched to another uid. Outside: as root, bwrap keeps its capabilities to
 * build the mount tree; as anyone else, its own user namespace with every
 * capability dropped. Inside: as root, setpriv drops to the sandbox's uid.
 *
 * What the dynamic loader takes code from (LD_PRELOAD: check's faketime; a
 * CI image's LD_LIBRARY_PATH, which a project may list in `env`, with an empty
 * entry that means the repository) is carried past the switch under another
 * name and set again after it: no process that is still root inside loads it.
 * That also keeps libfaketime from making its shared clock root's alone (0600),
 * which the build, another uid, could not open. The host's shared-memory name
 * libfaketime would follow is not shown.
 */
const CARRIED = ["LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT"];
const isSet = (name: string) => `[ -n "\${${name}+x}" ]`;
const CARRY_OUT = CARRIED.map((name) => `if ${isSet(name)}; then set -- --unsetenv ${name} --setenv BUNSEAL_SAVED_${name} "$${name}" "$@"; fi`).join("; ");
const RESTORE = [...CARRIED.map((name) => `if ${isSet(`BUNSEAL_SAVED_${name}`)}; then ${name}=$BUNSEAL_SAVED_${name}; export ${name}; unset BUNSEAL_SAVED_${name}; fi`), 'exec "$@"'].join("; ");
const ANY_CARRIED = `[ -n "${CARRIED.map((name) => `\${BUNSEAL_SAVED_${name}+x}`).join("")}" ]`;
const START_OUTSIDE = `${SWITCHES}; exec 9<"$0"; b=$1; shift; set -- --unsetenv FAKETIME_SHARED "$@"; ${CARRY_OUT}; if switches; then exec "$b" "$@"; fi; exec "$b" --unshare-user --uid ${SANDBOX_ID} --gid ${SANDBOX_ID} --cap-drop ALL "$@"`;
const START_INSIDE = `${SWITCHES}; if ${ANY_CARRIED}; then set -- /bin/sh -c '${RESTORE}' sh "$@"; fi; if switches; then exec ${SETPRIV} --reuid=${SANDBOX_ID} --regid=${SANDBOX_ID} --clear-groups --inh-caps=-all --bounding-set=-all --no-new-privs -- "$@"; fi; exec "$@"`;

/**
 * Who the build runs as. As root, bubblewrap keeps its capabilities for the
 * build unless told otherwise, and a user namespace made by root maps the
 * build's uid to the real root, whose owner checks still pass on root's 0600
 * files (/etc/ssl/private, a key anywhere): so bwrap builds the mount tree as
 * root and the build is exec'd through setpriv as a real unprivileged uid,
 * with no capabilities, an empty bounding set and no_new_privs. As a user,
 * bwrap's own user namespace with every capability dropped: the build is that
 * user to the kernel, who owns nothing the boundary does not already hide.
 * Either way the build sees the same uid, SANDBOX_ID, so that who built it
 * (a macro that inlines its uid) is the same on every machine.
 */
export function sandboxIds(): SandboxIds {
  return { uid: SANDBOX_ID, gid: SANDBOX_ID };
}

/**
 * Whether the build is switched to the sandbox's own uid: when bunseal is root
 * and that uid exists in its user namespace. Root of a namespace that maps
 * uid 0 alone (`unshare -Ur`, some rootless containers) is an ordinary user
 * outside it, and is sandboxed as one.
 */
export function switchesUser(): boolean {
  if (process.getuid?.() !== 0) return false;
  switchable ??= maps("/proc/self/uid_map", SANDBOX_ID) && maps("/proc/self/gid_map", SANDBOX_ID);
  return switchable;
}
let switchable: boolean | undefined;

function maps(file: string, id: number): boolean {
  try {
    return readFileSync(file, "utf8")
      .split("\n")
      .map((line) => line.trim().split(/\s+/).map(Number))
      .some(([inside, , count]) => inside !== undefined && count !== undefined && inside <= id && id < inside + count);
  } catch {
    return false;
  }
}

/**
 * Files and folders the build must write (the tar, a trace, an install's
 * folders), made writable by the uid it runs as: as root that is the
 * sandbox's own uid, so they are handed over to it (each path itself, not
 * what is inside); root, outside, still reads them whoever owns them. Call it
 * before the sandbox starts, with paths that already exist.
 */
export function handToSandbox(paths: readonly string[]): void {
  if (!switchesUser()) return;
  for (const path of paths) chownSync(path, SANDBOX_ID, SANDBOX_ID);
}

/**
 * A whole folder handed to the sandbox's uid (as root): a scratch checkout
 * the sandboxed `bun install` fills, wherever a workspace member's
 * node_modules goes. Links are changed, not followed; a `.git` stays root's
 * (the install does not see it, and nothing else of that uid may write the record's source).
 */
export function handTreeToSandbox(dir: string): void {
  if (!switchesUser()) return;
  // find(1), not a walk in JavaScript: 10,000 files took ≈143 ms through lstat/readdir/lchown calls, ≈46 ms this way (issue #23)
  const handed = spawnSync("find", [dir, "-name", ".git", "-prune", "-o", "-exec", "chown", "-h", `${SANDBOX_ID}:${SANDBOX_ID}`, "{}", "+"], { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  if (handed.status !== 0) throw new BunsealError("IO_FAILED", `could not hand ${dir} to the sandbox's user: ${handed.error?.message ?? handed.stderr.trim()}`, { file: dir });
}

/** The command-line prefix that runs a program inside the sandbox. */
export function sandboxArgv(bwrap: string, spec: SandboxSpec): string[] {
  const asRoot = switchesUser();
  const kit = sandboxKit(sandboxIds());
  // bwrap takes the filter as a descriptor: the shell opens it, so the prefix stays a plain argv
  const args: string[] = ["/bin/sh", "-c", START_OUTSIDE, kit.seccomp, bwrap, "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--hostname", SANDBOX_HOSTNAME, "--unshare-cgroup-try"];
  if (!spec.network) args.push("--unshare-net");
  if (spec.infoFd !== undefined) args.push("--info-fd", String(spec.infoFd));
  const plan = new MountPlan();
  for (const dir of SYSTEM_DIRS) {
    const stat = lstatSync(dir, { throwIfNoEntry: false });
    if (!stat) continue;
    if (stat.isSymbolicLink()) plan.symlink(readlinkSync(dir), dir);
    else plan.bind(dir);
  }
  // /usr/local is the machine's own: keys and tokens are put there by hand; not a system folder
  if (lstatSync("/usr/local", { throwIfNoEntry: false })?.isDirectory()) plan.tmpfs("/usr/local");
  for (const path of [...ETC_FILES, ...(spec.network ? NETWORK_ETC_FILES : [])]) if (existsSync(path)) plan.bind(path);
  plan.special("--dev", "/dev");
  // POSIX shared memory and semaphores (libfaketime's, a browser's) for whichever uid the build is
  plan.tmpfs("/dev/shm", "1777");
  plan.special("--proc", "/proc");
  plan.tmpfs("/tmp", "1777");
  for (const file of kit.files) plan.file(file.source, file.dest);
  // bunseal's worker code, then the Bun binary's folder (a fetched release lives in a cache folder)
  for (const path of spec.code) plan.bind(path);
  const bunDir = dirname(realpathSync(spec.bunPath));
  if (isInside("/usr/local", bunDir) || plan.shownAt(bunDir).length === 0) plan.bind(bunDir);
  if (spec.layer) {
    // the overlay shows the tree's owner as the build's uid: no entry-by-entry binding is needed to pass it
    plan.bind(spec.layer.merged, spec.root, "--bind", spec.rootFrom?.path ?? spec.root);
    for (const folder of spec.rootFrom?.packages ?? []) plan.bind(join(spec.root, folder));
  } else if (spec.rootFrom) {
    bindFolder(plan, spec.rootFrom.path, spec.root, asRoot);
    for (const folder of spec.rootFrom.packages) plan.bind(join(spec.root, folder));
  } else {
    bindFolder(plan, spec.root, spec.root, asRoot);
  }
  for (const dir of spec.writableDirs ?? []) plan.bind(dir, dir, "--bind");
  for (const entry of spec.hidden) {
    // an empty tmpfs, not read-only: a declared extra input may be shown again inside it
    if (entry.kind === "dir") plan.tmpfs(entry.path);
    else plan.file("/dev/null", entry.path);
  }
  for (const path of spec.reveal) plan.bind(path);
  for (const { from, at } of spec.shownFrom ?? []) plan.bind(from, at);
  for (const path of spec.writable) plan.bind(path, path, "--bind");
  // last, over everything else: wherever the key lies, the build finds nothing there
  for (const path of spec.deny) {
    if (!existsSync(path)) continue;
    const real = realpathSync(path);
    if (!lstatSync(real, { throwIfNoEntry: false })?.isFile()) continue;
    for (const dest of plan.shownAt(real)) {
      if (spec.hidden.some((h) => h.kind === "dir" && isInside(h.path, dest))) continue;
      // removed in the layer: there is nothing at that path to lay a mask on
      if (spec.layer?.removed.some((h) => isInside(h.path, dest))) continue;
      plan.file("/dev/null", dest);
    }
  }
  // the mount tree's own root (the folders made above) stays as it is
  args.push(...plan.args, "--remount-ro", "/", "--chdir", spec.cwd, "--seccomp", "9", "--", "/bin/sh", "-c", START_INSIDE, "sh");
  return args;
}

/**
 * A folder shown read-only at `dest`. As root the build is another uid, which
 * may be refused the folder itself (a checkout in a 0700 temporary folder):
 * then the folder is made (0755) and each entry bound into it, the links
 * recreated as links so that none is followed to a file outside.
 */
function bindFolder(plan: MountPlan, source: string, dest: string, asRoot: boolean): void {
  if (!asRoot || (statSync(source).mode & 0o005) === 0o005) return plan.bind(source, dest);
  plan.dir(dest);
  for (const entry of readdirSync(source, { withFileTypes: true })) {
    if (entry.isSymbolicLink()) plan.symlink(readlinkSync(join(source, entry.name)), join(dest, entry.name));
    else plan.bind(join(source, entry.name), join(dest, entry.name));
  }
}

/** bunseal's own files the worker imports: its sources, its packages and its manifest. */
export function workerCode(bunsealRoot: string): string[] {
  const own = ["src", "node_modules", "package.json", "tsconfig.json"].map((name) => join(bunsealRoot, name)).filter((path) => existsSync(path));
  // installed as a package (bun add, npm), its dependencies are hoisted beside it, out of its own folder
  const installedIn = dirname(bunsealRoot);
  return basename(installedIn) === "node_modules" ? [...own, installedIn] : own;
}

/**
 * The smallest sandbox started the way a build's is (the seccomp filter
 * loaded, the uid switched, capabilities dropped), running /bin/true: for the
 * availability probe, so that a machine where bwrap makes namespaces but the
 * filter or the switch fails is refused before any project code runs, not
 * found out by a failed build.
 */
export function powerlessProbeArgv(bwrap: string): string[] {
  const kit = sandboxKit(sandboxIds());
  return ["/bin/sh", "-c", START_OUTSIDE, kit.seccomp, bwrap, "--ro-bind", "/", "/", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--die-with-parent", "--seccomp", "9", "--", "/bin/sh", "-c", START_INSIDE, "sh", "/bin/true"];
}
