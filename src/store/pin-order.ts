/**
 * The rule that keeps pin history linear, checked by both backends inside
 * the transaction that appends: a new pin must follow the newest one exactly.
 */
import { BunsealError } from "../errors.ts";
import type { PinRecord } from "./store.ts";

/**
 * `newest` is intentionally not optional: the caller must pass the state it
 * read under the lock, so a pin can never be checked against nothing.
 */
export function checkPinFollows(pin: PinRecord, newest: { sequence: number; digest: string } | null, location: string): void {
  const expectedSequence = (newest?.sequence ?? 0) + 1;
  const expectedPrevious = newest?.digest ?? null;
  if (pin.sequence !== expectedSequence || pin.previousDigest !== expectedPrevious) {
    throw pinConflict(pin, `sequence ${expectedSequence} after ${describe(expectedPrevious)}`, location);
  }
  // Checked here, not only by the table's CHECK, so the message says what was wrong.
  if (pin.rollbackOf !== null && !(Number.isInteger(pin.rollbackOf) && pin.rollbackOf >= 1 && pin.rollbackOf < pin.sequence)) {
    throw new BunsealError(
      "STORE_INVALID",
      `cannot append the pin for ${pin.service}/${pin.env} to ${location}: expected rollbackOf to name an earlier pin (1 to ${pin.sequence - 1}), got ${pin.rollbackOf}`,
      { field: "rollbackOf", expected: `1 to ${pin.sequence - 1}`, found: String(pin.rollbackOf) },
    );
  }
}

export function pinConflict(pin: PinRecord, expected: string, location: string, cause?: unknown): BunsealError {
  const found = `sequence ${pin.sequence} after ${describe(pin.previousDigest)}`;
  return new BunsealError(
    "PIN_CONFLICT",
    `the pin history of ${pin.service}/${pin.env} in ${location} changed since it was read: expected ${expected}, got ${found}; read the history again and decide again`,
    { expected, found, cause },
  );
}

function describe(digest: string | null): string {
  return digest === null ? "no earlier pin" : digest;
}
