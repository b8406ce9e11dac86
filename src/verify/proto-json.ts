/**
 * The protobuf JSON mapping that Sigstore bundles and trusted roots are written
 * in, as other Sigstore clients read it. Two of its rules matter for shape checks:
 * - `null` is accepted for any field and means "unset" (exporters write it for
 *   every absent field), so it is dropped before the schema sees the object;
 *   a required field that is null is then reported as missing, as it should be.
 * - bytes are base64; decoders (Go's, Python's, Node's) skip line breaks, and
 *   `base64` wraps at 76 columns, so a wrapped value is the same bytes.
 */
import { z } from "zod";

const STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Non-empty standard base64, padded, possibly wrapped. */
export const Bytes = z.string().refine((s) => s.length > 0 && STANDARD_BASE64.test(s.replace(/\r?\n/g, "")), "standard base64 (padded; line breaks allowed)");

export function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) if (field !== null) out[key] = dropNulls(field);
  return out;
}
