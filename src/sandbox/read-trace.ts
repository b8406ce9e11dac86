/**
 * Which files the build opened, from the kernel's point of view: the sandbox
 * runs under strace (Debian's `strace`, with a seccomp filter so that only the
 * open calls stop the process), started outside it and following bwrap and
 * every process below, which writes every successful open with the absolute
 * path of what was opened. Macros, preloads and plugins can read any
 * file the sandbox shows them; this is how those reads reach the record even
 * though Bun's metafile never lists them.
 *
 * The stat calls too: a macro that embeds a file's mtime reads that file's
 * metadata without opening it. Bun 1.4.5's bundler resolves modules by
 * reading folders, not by stat: measured with `strace -f` around the build
 * worker, 7 stat calls by path on the 10,000-module bench and on the example
 * service, none of them of a regular file in the repository, so every one that
 * is can be recorded without a list of names to leave out.
 */
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";

/** Absolute paths only: PATH is not trusted to name the tracer. */
const STRACE_CANDIDATES = ["/usr/bin/strace", "/bin/strace"];

let probed: Promise<string | undefined> | undefined;

/** The strace binary, when it exists and may trace its children here (ptrace can be forbidden in a container); asked once per process. */
export function traceAvailability(): Promise<string | undefined> {
  probed ??= (async () => {
    const strace = STRACE_CANDIDATES.find((path) => existsSync(path));
    if (!strace) return undefined;
    try {
      const proc = Bun.spawn([strace, "-f", "-qq", "--seccomp-bpf", "-e", "trace=openat", "-o", "/dev/null", "/bin/true"], { stdin: "ignore", stdout: "ignore", stderr: "ignore", env: {} });
      return (await proc.exited) === 0 ? strace : undefined;
    } catch {
      return undefined;
    }
  })();
  return probed;
}

/**
 * Whether strace, wrapped around the sandbox, leaves bwrap able to make it: a
 * setuid bwrap (where the kernel gives users no namespaces of their own) runs
 * without its privilege under a tracer, and would fail every build. Then the
 * build is untraced, and the record and a warning say so.
 */
export function straceCanWrap(bwrap: string, uid: number): boolean {
  return uid === 0 || (statSync(bwrap).mode & 0o4000) === 0;
}

/** The command prefix that traces a program's opens and stats (and its children's) into `traceFile`. */
export function traceArgv(strace: string, traceFile: string): string[] {
  // %%stat: every call of the stat family this machine has (stat, lstat, newfstatat, statx, fstat, their 64-bit forms)
  const trace = "trace=open,openat,openat2,%%stat";
  // -xx: every string in hex, so no path can be misread whatever bytes it holds;
  // -y: the opened descriptor, and a stat's folder descriptor, with the absolute path the kernel resolved;
  // -s: a stat's path argument whole (PATH_MAX), never cut short.
  return [strace, "-f", "-qq", "--seccomp-bpf", "-e", trace, "-e", "status=successful", "-xx", "-y", "-s", "4096", "-o", traceFile, "--"];
}

// `... O_RDONLY|O_CLOEXEC) = 5<\x2f...>` (open, openat) or `{flags=O_RDONLY|..., ...}, 24) = 5<...>` (openat2).
// With `-e status=successful` strace holds each call until it returns and prints it whole, so a
// call is never split into `<unfinished ...>` and `<... resumed>` halves by another thread's.
const OPENED = /(?:, |flags=)(O_[A-Z0-9_|]+)[^\n]*?= \d+<((?:\\x[0-9a-f]{2})+)>\s*$/;

const HEX = "((?:\\\\x[0-9a-f]{2})*)";
// `stat("PATH", {st_mode=...}) = 0` and lstat, stat64, lstat64: a path, relative to the caller's folder, which strace does not show
const STAT_BY_PATH = new RegExp(`^\\d+ +l?stat(?:64)?\\("${HEX}", `);
// `newfstatat(DIRFD<DIR>, "PATH", ...) = 0` and fstatat64, statx: DIRFD is AT_FDCWD or a descriptor, shown with its folder by -y
const STAT_AT = new RegExp(`^\\d+ +(?:newfstatat|fstatat64|statx)\\((?:AT_FDCWD|\\d+)<${HEX}>, "${HEX}", `);
// `fstat(FD<PATH>, {...}) = 0`: the descriptor's file, which may have been opened with O_PATH (no open for reading)
const STAT_FD = new RegExp(`^\\d+ +fstat(?:64)?\\(\\d+<${HEX}>, `);
// the type the kernel answered with; a call whose answer strace does not show is kept (and judged on the disk)
const MODE = /st(?:x)?_mode=S_IF([A-Z]+)/;

export interface TraceResult {
  /** regular files opened for reading (not folders, not write-only), absolute, each once, sorted */
  opened: string[];
  /** what stat calls asked about and were answered a regular file (or no type): absolute where the call named its folder, each once, sorted */
  stated: string[];
}

/**
 * The trace's opens and stats. `cwd` places the path of a legacy `stat`/`lstat`
 * call (x86-64 only: Bun and glibc 2.33+ use newfstatat and statx, which name
 * their folder): the folder every process of the build starts in.
 */
export function parseTrace(text: string, cwd = "/"): TraceResult {
  const opened = new Set<string>();
  const stated = new Set<string>();
  for (const line of text.split("\n")) {
    const match = OPENED.exec(line);
    if (match) {
      const flags = match[1]!.split("|");
      if (flags.includes("O_DIRECTORY") || flags.includes("O_WRONLY") || flags.includes("O_PATH")) continue;
      opened.add(unhex(match[2]!));
      continue;
    }
    const path = statedPath(line, cwd);
    if (path === undefined) continue;
    const type = MODE.exec(line)?.[1];
    if (type === undefined || type === "REG") stated.add(path);
  }
  return { opened: [...opened].sort(), stated: [...stated].sort() };
}

function statedPath(line: string, cwd: string): string | undefined {
  let match = STAT_AT.exec(line);
  if (match) {
    const [folder, path] = [unhex(match[1]!), unhex(match[2]!)];
    // AT_EMPTY_PATH: the descriptor's own file
    return path === "" ? folder : resolve(folder, path);
  }
  match = STAT_BY_PATH.exec(line);
  if (match) return resolve(cwd, unhex(match[1]!));
  match = STAT_FD.exec(line);
  if (match) return unhex(match[1]!);
  return undefined;
}

function unhex(text: string): string {
  const bytes = new Uint8Array(text.length / 4);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(text.slice(i * 4 + 2, i * 4 + 4), 16);
  return new TextDecoder().decode(bytes);
}
