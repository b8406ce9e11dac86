/**
 * Strict shapes for versions and ranges. Bun.semver does the comparing, but
 * it does not refuse nonsense: `Bun.semver.satisfies("4.13.19", "garbage")`
 * and `satisfies(x, "")` are true (Bun 1.4.5). A policy range that silently
 * matched everything would forbid every version of a package, and a typo in a
 * minimum would be read as a version; so both are checked against the
 * node-semver grammar before Bun ever sees them.
 */

const NUMBER = "(?:0|[1-9]\\d*)";
const IDENTS = "[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*";
const TAIL = `(?:-${IDENTS})?(?:\\+${IDENTS})?`;
const PART = `(?:${NUMBER}|[xX*])`;
const PARTIAL = `v?${PART}(?:\\.${PART}(?:\\.${PART}${TAIL})?)?`;
const COMPARATOR = `(?:<=|>=|<|>|=|~>?|\\^)?\\s*${PARTIAL}`;
const SET = `(?:${PARTIAL}\\s+-\\s+${PARTIAL}|${COMPARATOR}(?:\\s+${COMPARATOR})*)`;

const VERSION_RE = new RegExp(`^v?${NUMBER}\\.${NUMBER}\\.${NUMBER}${TAIL}$`);
const RANGE_RE = new RegExp(`^\\s*${SET}(?:\\s*\\|\\|\\s*${SET})*\\s*$`);

/** A full version (`1.4.5`, `1.4.5-canary.1`), not a partial one (`1.4`) or a range. */
export function isSemverVersion(value: string): boolean {
  return VERSION_RE.test(value);
}

/** A node-semver range: `<4.14.0`, `>=1 <2 || 3.x`, `1.2.3 - 1.4`, `*`. */
export function isSemverRange(value: string): boolean {
  return RANGE_RE.test(value);
}

/**
 * Whether `version` lies in `range` by its place in the version order.
 * node-semver (and Bun.semver) never let a prerelease match a comparator
 * on another release, so `4.13.0-beta.1` is not `<4.14.0` there: a
 * prerelease of a vulnerable line would slip past a forbidden range. Adding
 * `>=M.m.p-0` to every comparator set is always true for `M.m.p-pre` and
 * lifts that exception, leaving the plain ordering. (A partial lower bound
 * still starts at the release: `3.x` means `>=3.0.0`, so `3.0.0-rc.1` is not in it.)
 */
export function inRange(version: string, range: string): boolean {
  const prerelease = /^v?(\d+\.\d+\.\d+)-/.exec(version);
  if (!prerelease) return Bun.semver.satisfies(version, range);
  const floor = `>=${prerelease[1]}-0`;
  return Bun.semver.satisfies(version, range.split("||").map((set) => `${set.trim()} ${floor}`).join(" || "));
}

export function stripV(version: string): string {
  return version.replace(/^v/, "");
}
