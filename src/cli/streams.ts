/**
 * Where the CLI writes. Node's process.stdout and process.stderr are built on
 * first use and cost ≈13 ms, more than Bun's whole start-up (issue #12), so
 * whole lines go through Bun's console instead: given one string, it writes
 * it as it is (no format specifiers are read from it), blocking until a slow
 * reader has taken it all, and it is ready at start-up. Only what is not a
 * whole line (the progress line's carriage returns, drawn on terminals) takes
 * the Node stream.
 */
export function writeOut(text: string): void {
  if (text.endsWith("\n")) console.log(text.slice(0, -1));
  else if (text !== "") process.stdout.write(text);
}

export function writeErr(text: string): void {
  if (text.endsWith("\n")) console.error(text.slice(0, -1));
  else if (text !== "") process.stderr.write(text);
}

/**
 * Whether a descriptor is a terminal, without touching process.stdout or
 * node:tty (which loads Node's streams, at the same cost). Linux says so in
 * /proc; elsewhere node:tty is asked after all.
 */
export function isTerminal(fd: 1 | 2): boolean {
  try {
    // required here: the fast path's answers that never ask would pay for loading node:fs (≈2 ms)
    const { readlinkSync } = require("node:fs") as typeof import("node:fs");
    const target = readlinkSync(`/proc/self/fd/${fd}`);
    return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target === "/dev/console";
  } catch {
    return (require("node:tty") as typeof import("node:tty")).isatty(fd);
  }
}

/** Standard error as the progress line draws on it. */
export const stderrStream = {
  get isTTY(): boolean {
    return isTerminal(2);
  },
  write(text: string): boolean {
    writeErr(text);
    return true;
  },
};
