/**
 * Which files the build opened, from the kernel's point of view: the sandbox
 * runs under strace (Debian's `strace`, with a seccomp filter so that only the
 * open calls stop the process), started outside it and following bwrap and
 * every process below, which writes every successful open with the absolute
 * path of what was opened. Macros, preloads and plugins can read any
 * file the sandbox shows them; this is how those reads reach the record even
 * though Bun's metafile never lists them.
 */
import { existsSync, statSync } from "node:fs";

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

/** The command prefix that traces a program's opens (and its children's) into `traceFile`. */
export function traceArgv(strace: string, traceFile: string): string[] {
  // -xx: every string in hex, so no path can be misread whatever bytes it holds;
  // -y: the opened descriptor with the absolute path the kernel resolved.
  return [strace, "-f", "-qq", "--seccomp-bpf", "-e", "trace=open,openat,openat2", "-e", "status=successful", "-xx", "-y", "-o", traceFile, "--"];
}

// `... O_RDONLY|O_CLOEXEC) = 5<\x2f...>` (open, openat) or `{flags=O_RDONLY|..., ...}, 24) = 5<...>` (openat2).
// With `-e status=successful` strace holds each call until it returns and prints it whole, so a
// call is never split into `<unfinished ...>` and `<... resumed>` halves by another thread's.
const OPENED = /(?:, |flags=)(O_[A-Z0-9_|]+)[^\n]*?= \d+<((?:\\x[0-9a-f]{2})+)>\s*$/;

/** The regular files opened for reading (not folders, not write-only), absolute, each once, sorted. */
export function parseTrace(text: string): string[] {
  const paths = new Set<string>();
  for (const line of text.split("\n")) {
    const match = OPENED.exec(line);
    if (!match) continue;
    const flags = match[1]!.split("|");
    if (flags.includes("O_DIRECTORY") || flags.includes("O_WRONLY") || flags.includes("O_PATH")) continue;
    paths.add(unhex(match[2]!));
  }
  return [...paths].sort();
}

function unhex(text: string): string {
  const bytes = new Uint8Array(text.length / 4);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(text.slice(i * 4 + 2, i * 4 + 4), 16);
  return new TextDecoder().decode(bytes);
}
