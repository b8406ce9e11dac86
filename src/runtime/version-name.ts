/**
 * The Bun version an attestation records. It comes from a file someone else
 * signed, and it becomes part of a registry URL and of a cache folder's name,
 * so it is checked for shape before it is used for either.
 */
import { BunsealError } from "../errors.ts";

// Semver without build metadata: what Bun publishes (1.4.4, 1.4.2-canary.20260906.1).
// No "/", no "..", nothing a URL or a path would read as structure.
const VERSION_RE = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z]+(\.[0-9A-Za-z-]+)*)?$/;

/** Returns the version without a leading "v" (as `--bun-version` accepts it), or fails with BUN_VERSION_UNKNOWN. */
export function checkVersionName(version: string): string {
  const bare = version.startsWith("v") ? version.slice(1) : version;
  if (bare.length > 64 || !VERSION_RE.test(bare)) {
    throw new BunsealError("BUN_VERSION_UNKNOWN", `expected a Bun version like 1.4.4, got ${JSON.stringify(version.slice(0, 80))}`, {
      field: "bun.version",
      expected: "a version like 1.4.4",
      found: version.slice(0, 80),
    });
  }
  return bare;
}
