/**
 * Subresource-integrity strings as npm writes them in `dist.integrity`
 * ("sha512-<base64>", several separated by spaces). Only sha512 counts: the
 * sha1 `shasum` npm also publishes is too weak to stand for a binary we run,
 * and a packument offering nothing stronger is refused, not trusted.
 */
import { BunsealError } from "../errors.ts";

/** The base64 sha512 digests `integrity` names; fails closed when there are none. */
export function expectedSha512(integrity: unknown, where: string): string[] {
  const found = typeof integrity === "string" ? integrity.trim().split(/\s+/) : [];
  const digests = found.filter((sri) => sri.startsWith("sha512-")).map((sri) => sri.slice(7).split("?")[0]!);
  if (digests.length === 0 || digests.some((d) => !/^[A-Za-z0-9+/]{86}==$/.test(d))) {
    throw new BunsealError("BUN_INTEGRITY_MISMATCH", `expected a sha512 integrity for ${where}, got ${typeof integrity === "string" ? JSON.stringify(integrity.slice(0, 120)) : "none"}; refusing a download that cannot be checked`, {
      field: "dist.integrity",
      expected: "sha512-<base64>",
      found: typeof integrity === "string" ? integrity.slice(0, 120) : "nothing",
    });
  }
  return digests;
}

/**
 * Every sha512 the registry lists must match: two different ones cannot both be
 * of the same bytes, so a second that disagrees means the packument is wrong.
 */
export function checkSha512(expected: readonly string[], actual: string, where: string): void {
  const wrong = expected.find((digest) => digest !== actual);
  if (wrong !== undefined) {
    throw new BunsealError("BUN_INTEGRITY_MISMATCH", `${where}: expected sha512-${wrong} (the registry's dist.integrity), got sha512-${actual}; refusing the download`, {
      field: "dist.integrity",
      expected: `sha512-${wrong}`,
      found: `sha512-${actual}`,
    });
  }
}
