/**
 * One shape for what a database driver throws: STORE_FAILED (exit 3) naming
 * the store and the driver's own words, so "disk full" or "connection
 * refused" reaches the user instead of a stack trace. Our own errors
 * (PIN_CONFLICT, STORE_INVALID) pass through unchanged.
 */
import { BunsealError, isBunsealError } from "../errors.ts";

export function storeError(location: string, action: string, cause: unknown, secret?: string): BunsealError {
  if (isBunsealError(cause)) return cause;
  return new BunsealError("STORE_FAILED", `could not ${action} the store at ${location}: ${driverMessage(cause, secret)}`, { cause });
}

/** The driver's message and code; a password it echoes is blanked, since the message reaches logs. */
export function driverMessage(cause: unknown, secret?: string): string {
  const error = cause as { message?: unknown; code?: unknown };
  let text = typeof error?.message === "string" && error.message !== "" ? error.message : String(cause);
  if (typeof error?.code === "string" && !text.includes(error.code)) text += ` (${error.code})`;
  return secret ? text.replaceAll(secret, "***") : text;
}
