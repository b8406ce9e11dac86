/**
 * The protobuf JSON mapping that Sigstore bundles and trusted roots are written
 * in, as other Sigstore clients read it. Two of its rules matter for shape checks:
 * - `null` is accepted for any field and means "unset" (exporters write it for
 *   every absent field), so it is dropped before the schema sees the object;
 *   a required field that is null is then reported as missing, as it should be.
 * - bytes are base64; decoders (Go's, Python's, Node's) skip line breaks, and
 *   `base64` wraps at 76 columns, so a wrapped value is the same bytes.
 */
import { z } from "../vendor/zod.js";

/** Non-empty standard base64, padded, possibly wrapped. */
export const Bytes = z.string().refine(isStandardBase64, "standard base64 (padded; line breaks allowed)");

/**
 * A loop over char codes, not a regular expression: the payload of a large
 * build's statement is tens of millions of characters, and a pattern like
 * `^(?:[A-Za-z0-9+/]{4})*…$` gives up (answers "no match") past about 8.2 M
 * of them in JavaScriptCore, so a validly signed statement was refused.
 * Linear in the input, no copy, no backtracking.
 */
export function isStandardBase64(text: string): boolean {
  // The common case first, natively: unwrapped base64 that decodes and encodes back to itself is
  // canonical, so the loop below would accept it too; anything else (wrapped lines, a
  // non-canonical last character, garbage) gets the loop's answer. ≈10× faster on a statement's
  // payload, which `trace` checks on every lookup (issue #12).
  if (text.length > 0 && !text.includes("\n") && Buffer.from(text, "base64").toString("base64") === text) return true;
  return isStandardBase64Slow(text);
}

/** The rules themselves, one character at a time (exported for the test that holds the fast path to them). */
export function isStandardBase64Slow(text: string): boolean {
  let data = 0; // base64 characters seen, padding included
  let padding = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // a line break is `\n` or `\r\n`; a lone `\r` is not one
    if (c === 0x0a) continue;
    if (c === 0x0d && text.charCodeAt(i + 1) === 0x0a) continue;
    if (c === 0x3d) {
      padding++;
      if (padding > 2) return false;
    } else if (padding > 0 || !isBase64Char(c)) {
      return false; // data after padding, or outside the alphabet
    }
    data++;
  }
  return data > 0 && data % 4 === 0;
}

function isBase64Char(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f;
}

export function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) if (field !== null) out[key] = dropNulls(field);
  return out;
}
