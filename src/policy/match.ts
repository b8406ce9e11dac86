/**
 * How a policy value is compared with a recorded one. Commit and source URI
 * matching are src/source/uri.ts's, the same as `bunseal verify --commit` /
 * `--source-uri`, so a policy and the flags accept the same things.
 */

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
