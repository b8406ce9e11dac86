/**
 * Every scratch folder and temporary file bunseal makes while it works (a
 * rebuild's checkout, check's copies, an artifact's tar before it is renamed
 * into place), so that an interrupted run leaves none behind: the CLI removes
 * what is still registered when SIGINT or SIGTERM arrives (src/cli/main.ts).
 * Each owner unregisters what it removed itself.
 */
import { rmSync } from "node:fs";

const live = new Set<string>();
/** Ends a running sandbox and everything in it (src/build/run-build.ts): called before its files go. */
const stoppers = new Set<() => void>();

/**
 * A sandbox to end when bunseal is interrupted: a process outside it (strace,
 * which wraps it as a user) would otherwise outlive bunseal, and the build with
 * it. Returns the function that takes it off the list once it has ended.
 */
export function registerStopper(stop: () => void): () => void {
  stoppers.add(stop);
  return () => stoppers.delete(stop);
}

export function registerScratch(path: string): void {
  live.add(path);
}

export function unregisterScratch(path: string): void {
  live.delete(path);
}

/** Removes everything still registered, synchronously: it runs as the process is about to exit. */
export function removeAllScratch(): string[] {
  for (const stop of stoppers) {
    try {
      stop();
    } catch {
      // best effort: the process is going away
    }
  }
  stoppers.clear();
  const removed = [...live];
  for (const path of removed) {
    try {
      rmSync(path, { recursive: true, force: true });
    } catch {
      // best effort: the process is going away
    }
    live.delete(path);
  }
  return removed;
}
