/**
 * The C library, for the few calls no package or Bun API makes (fanotify,
 * the new mount API, utimensat's nanoseconds, a namespace's owner): one place
 * that knows its names, glibc's and then musl's (Alpine), so every caller
 * finds it on both. Answers null where none loads (not Linux, another libc):
 * each caller says what it does without.
 */
import { dlopen, type FFIFunction, type Library } from "bun:ffi";

const NAMES = ["libc.so.6", `libc.musl-${process.arch === "arm64" ? "aarch64" : "x86_64"}.so.1`];

/** The named functions of the C library, or null with the reason none loaded. */
export function openLibc<Fns extends Record<string, FFIFunction>>(functions: Fns): { symbols: Library<Fns>["symbols"] } | { symbols: null; failure: string } {
  if (process.platform !== "linux") return { symbols: null, failure: `no C library is loaded on ${process.platform}` };
  let failure = "";
  for (const name of NAMES) {
    try {
      return { symbols: dlopen(name, functions).symbols };
    } catch (cause) {
      failure = cause instanceof Error ? cause.message : String(cause);
    }
  }
  return { symbols: null, failure };
}
