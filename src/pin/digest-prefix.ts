/**
 * Short digests, as `pins`, rollback's messages and the console print them,
 * taken back: a unique prefix of at least 12 hex among the digests the caller
 * is choosing from. 12 hex is 48 bits: a prefix shorter than that could be
 * made to match a second artifact by anyone who can get one built.
 *
 * Local to pinning until the store's own prefix query (the trace work) lands.
 */
import { BunsealError } from "../errors.ts";

export const MIN_PREFIX = 12;

/** The hex of `sha256:<hex>` or `<hex>`, 12 to 64 of it, lowercased; USAGE otherwise. */
export function parseDigestPrefix(given: string, field: string): string {
  const hex = given.trim().replace(/^sha256:/i, "").toLowerCase();
  if (!new RegExp(`^[0-9a-f]{${MIN_PREFIX},64}$`).test(hex)) {
    throw new BunsealError("USAGE", `${field}: expected sha256:<hex>, the whole digest or a unique prefix of at least ${MIN_PREFIX} hex digits, got ${JSON.stringify(given)}`, { field, expected: `sha256:<${MIN_PREFIX} to 64 hex>`, found: given });
  }
  return hex;
}

/**
 * The one candidate `given` names: undefined when none does, DIGEST_AMBIGUOUS
 * listing every match when several do (the caller cannot tell which was meant).
 */
export function matchDigestPrefix(given: string, candidates: Iterable<string>, field: string): string | undefined {
  const hex = parseDigestPrefix(given, field);
  const matches = [...new Set([...candidates].filter((d) => d.startsWith(hex)))].sort();
  if (matches.length > 1) {
    throw new BunsealError("DIGEST_AMBIGUOUS", `${field}: sha256:${hex} is the start of ${matches.length} digests; expected one of:\n  ${matches.map((d) => `sha256:${d}`).join("\n  ")}`, { field, expected: "a prefix of exactly one digest", found: `sha256:${hex}` });
  }
  return matches[0];
}
