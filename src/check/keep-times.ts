/**
 * A copy of the project keeps each file's modification time, to the
 * nanosecond: a build that reads it (a macro embedding
 * `statSync(file).mtimeMs`) must see in every copy what it sees in the
 * project, or every variation that copies would be blamed for it (issue #21,
 * item 1). Node's `utimesSync` takes seconds as a double, which rounds the
 * nanoseconds away (measured: ...347507649 ns became ...347507476 ns, and
 * `mtimeMs` then differs one time in four); `utimensat` takes them whole.
 */
import { FFIType, ptr } from "bun:ffi";
import { openLibc } from "../util/libc.ts";
import { statSync, utimesSync } from "node:fs";

const AT_FDCWD = -100;
const BILLION = 1_000_000_000n;

/** Days the `mtime` variation moves the project's files' times by: far enough that no rounding hides it. */
export const MTIME_SHIFT_DAYS = 397;
const SHIFT_NS = BigInt(MTIME_SHIFT_DAYS) * 86_400n * BILLION;

type Utimensat = (dirfd: number, path: Uint8Array, times: BigInt64Array, flags: number) => number;

let utimensat: Utimensat | null | undefined;
function native(): Utimensat | null {
  if (utimensat !== undefined) return utimensat;
  const libc = openLibc({ utimensat: { args: [FFIType.i32, FFIType.ptr, FFIType.ptr, FFIType.i32], returns: FFIType.i32 } }).symbols;
  // no C library to call: the microsecond-precise call below is the best there is
  utimensat = libc ? (dirfd, path, times, flags) => libc.utimensat(dirfd, ptr(path), ptr(times), flags) as number : null;
  return utimensat;
}

/**
 * Gives `to` the access and modification times of `from`; with `shift`, the
 * modification time moved `MTIME_SHIFT_DAYS` later (the `mtime` variation).
 */
export function keepTimes(from: string, to: string, shift = false): void {
  const stat = statSync(from, { bigint: true });
  setTimesNs(to, stat.atimeNs, stat.mtimeNs + (shift ? SHIFT_NS : 0n));
}

/** Sets a file's access and modification times, in nanoseconds since the epoch, exactly where the C library can. */
export function setTimesNs(path: string, atimeNs: bigint, mtimeNs: bigint): void {
  const call = native();
  if (call) {
    const times = new BigInt64Array([atimeNs / BILLION, atimeNs % BILLION, mtimeNs / BILLION, mtimeNs % BILLION]);
    if (call(AT_FDCWD, Buffer.from(`${path}\0`), times, 0) === 0) return;
  }
  utimesSync(path, Number(atimeNs) / 1e9, Number(mtimeNs) / 1e9);
}
