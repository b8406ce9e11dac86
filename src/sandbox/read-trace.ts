/**
 * Which files the build opened, from the kernel's point of view: the sandbox
 * runs under strace (Debian's `strace`, with a seccomp filter so that only the
 * open calls stop the process), started outside it and following bwrap and
 * every process below, which writes every successful open with the absolute
 * path of what was opened. Macros, preloads and plugins can read any
 * file the sandbox shows them; this is how those reads reach the record even
 * though Bun's metafile never lists them.
 */
import { existsSync } from "node:fs";

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

/** The command prefix that traces a program's opens (and its children's) into `traceFile`. */
export function traceArgv(strace: string, traceFile: string): string[] {
  // -xx: every string in hex, so no path can be misread whatever bytes it holds;
  // -y: the opened descriptor with the absolute path the kernel resolved.
  return [strace, "-f", "-qq", "--seccomp-bpf", "-e", "trace=open,openat,openat2", "-e", "status=successful", "-xx", "-y", "-o", traceFile, "--"];
}

// `... O_RDONLY|O_CLOEXEC) = 5<\x2f...>` (open, openat) or `{flags=O_RDONLY|..., ...}, 24) = 5<...>` (openat2)
const OPENED = /(?:, |flags=)(O_[A-Z0-9_|]+)[^\n]*?= \d+<((?:\\x[0-9a-f]{2})+)>\s*$/;
// With -f, a call another thread's line interrupts is written in two halves:
// `PID openat(..., O_RDONLY|O_CLOEXEC <unfinished ...>` and later `PID <... openat resumed>) = 5<\x2f...>`.
const UNFINISHED = /^(\d+) .*?(?:, |flags=)(O_[A-Z0-9_|]+)[^\n]*<unfinished \.\.\.>\s*$/;
const RESUMED = /^(\d+) <\.\.\. open(?:at2?)? resumed>[^\n]*?= \d+<((?:\\x[0-9a-f]{2})+)>\s*$/;

/** The regular files opened for reading (not folders, not write-only), absolute, each once, sorted. */
export function parseTrace(text: string): string[] {
  const paths = new Set<string>();
  /** the flags of each process's call left unfinished, until its result comes */
  const pending = new Map<string, string>();
  for (const line of text.split("\n")) {
    let match: RegExpExecArray | null;
    let flagText: string | undefined;
    let hexPath: string | undefined;
    if ((match = UNFINISHED.exec(line))) {
      pending.set(match[1]!, match[2]!);
      continue;
    } else if ((match = RESUMED.exec(line))) {
      flagText = pending.get(match[1]!);
      pending.delete(match[1]!);
      hexPath = match[2]!;
    } else if ((match = OPENED.exec(line))) {
      flagText = match[1]!;
      hexPath = match[2]!;
    }
    if (flagText === undefined || hexPath === undefined) continue;
    const flags = flagText.split("|");
    if (flags.includes("O_DIRECTORY") || flags.includes("O_WRONLY") || flags.includes("O_PATH")) continue;
    paths.add(unhex(hexPath));
  }
  return [...paths].sort();
}

function unhex(text: string): string {
  const bytes = new Uint8Array(text.length / 4);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(text.slice(i * 4 + 2, i * 4 + 4), 16);
  return new TextDecoder().decode(bytes);
}
