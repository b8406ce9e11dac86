/**
 * How a policy value is compared with a recorded one. Commit and source URI
 * matching follow `bunseal verify --commit` / `--source-uri`, so a policy and
 * the flags accept the same things.
 */

/**
 * A full commit id matches exactly; an abbreviated one (7+ hex) as a prefix.
 * Fewer than 7 digits is refused by the schema: a 1-digit "prefix" would
 * accept one commit in 16.
 */
export function commitMatches(allowed: string, recorded: string): boolean {
  return recorded.toLowerCase().startsWith(allowed.toLowerCase());
}

/**
 * Splits a SLSA source URI `git+<repo>@<ref>` into repository and ref. The
 * ref is what follows `@refs/`, or else the last `@` after the last `/`, so
 * the user part of `git+ssh://git@host/o/r` is not taken for a ref.
 */
export function splitSourceUri(uri: string): { repo: string; ref?: string } {
  const refs = uri.indexOf("@refs/");
  if (refs >= 0) return { repo: uri.slice(0, refs), ref: uri.slice(refs + 1) };
  const at = uri.lastIndexOf("@");
  if (at > uri.lastIndexOf("/")) return { repo: uri.slice(0, at), ref: uri.slice(at + 1) };
  return { repo: uri };
}

/** `git+` and a trailing `.git` are optional on either side; the allowed URI may name just the repository or repository@ref. */
export function sourceUriMatches(allowed: string, recorded: string): boolean {
  const normal = (u: string) => u.replace(/^git\+/, "").replace(/\.git(?=@|$)/, "");
  const got = normal(recorded);
  const want = normal(allowed);
  return want === got || want === splitSourceUri(got).repo;
}

/**
 * Ref patterns are globs (Bun.Glob): `*` stays within one path segment, so
 * `refs/heads/*` does not admit `refs/heads/evil/main`; `**` crosses them.
 */
export function refMatches(pattern: string, recorded: string): boolean {
  return new Bun.Glob(pattern).match(recorded);
}

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export const DURATION_RE = /^[1-9][0-9]{0,5}[dhm]$/;

/** "30d", "12h", "90m" → milliseconds (the schema has already checked the shape). */
export function durationMs(duration: string): number {
  return Number(duration.slice(0, -1)) * UNIT_MS[duration.slice(-1) as keyof typeof UNIT_MS];
}
