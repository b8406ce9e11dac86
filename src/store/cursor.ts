/**
 * Paging cursors: where a page ended, as an opaque string a caller hands
 * back for the next page. Both orders the store pages in are newest build
 * first, ties broken by digest (and, for packages, version), all descending,
 * so "after the cursor" is one row-value comparison on an index.
 *
 * Format: `p.` (a package match) or `a.` (an artifact), then base64url of the
 * JSON array [built_at_ms, digest] or [built_at_ms, digest, version]. Opaque
 * to callers; read back strictly, since it comes from the command line.
 */
import { BunsealError } from "../errors.ts";

export interface PackagePosition {
  builtAtMs: number;
  digest: string;
  version: string;
}

export type ArtifactPosition = Omit<PackagePosition, "version">;

const HEX64 = /^[0-9a-f]{64}$/;

export function packageCursor(position: PackagePosition): string {
  return `p.${Buffer.from(JSON.stringify([position.builtAtMs, position.digest, position.version])).toString("base64url")}`;
}

export function artifactCursor(position: ArtifactPosition): string {
  return `a.${Buffer.from(JSON.stringify([position.builtAtMs, position.digest])).toString("base64url")}`;
}

export function readPackageCursor(cursor: string, field = "after"): PackagePosition {
  const parts = readCursor(cursor, "p", 3, field);
  if (typeof parts[2] !== "string") throw invalidCursor(cursor, field);
  return { builtAtMs: parts[0] as number, digest: parts[1] as string, version: parts[2] };
}

export function readArtifactCursor(cursor: string, field = "before"): ArtifactPosition {
  const parts = readCursor(cursor, "a", 2, field);
  return { builtAtMs: parts[0] as number, digest: parts[1] as string };
}

function readCursor(cursor: string, kind: string, length: number, field: string): unknown[] {
  let parts: unknown;
  try {
    if (!cursor.startsWith(`${kind}.`)) throw new Error("another kind");
    parts = JSON.parse(Buffer.from(cursor.slice(2), "base64url").toString("utf8"));
  } catch {
    throw invalidCursor(cursor, field);
  }
  if (!Array.isArray(parts) || parts.length !== length || !Number.isSafeInteger(parts[0]) || typeof parts[1] !== "string" || !HEX64.test(parts[1])) throw invalidCursor(cursor, field);
  return parts;
}

export function invalidCursor(cursor: string, field: string): BunsealError {
  const shown = cursor.length > 60 ? `${cursor.slice(0, 57)}...` : cursor;
  return new BunsealError("USAGE", `${field}: expected a cursor from a previous page's nextCursor, got ${JSON.stringify(shown)}`, { field, expected: "a nextCursor", found: JSON.stringify(shown) });
}

/** A page size: a whole number from 1; undefined means every row. */
export function checkLimit(limit: number | undefined, field = "limit"): number | undefined {
  if (limit === undefined) return undefined;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new BunsealError("USAGE", `${field}: expected a whole number from 1, got ${String(limit)}`, { field, expected: "a whole number from 1", found: String(limit) });
  }
  return limit;
}
