/**
 * What `trace --package NAME[@VERSION]` asks for, in the store's terms. A
 * responder pastes what an advisory says: a range (`<4.13.0`, `^4.12.0`,
 * `>=1 <2 || 3.x`), a partial version (`4.12`, `4.12.x`), `v4.12.0`, a name
 * in another case, a trailing space. Matched as a string, each of those was
 * "locked by 0" while six artifacts shipped the version. So the version is
 * matched as the policy matches one (src/policy/semver.ts: the node-semver
 * grammar checked first, then Bun.semver, prereleases by their place in the
 * order), against the versions the store holds of that name; text that is
 * neither a locked version nor a range is refused, never matched as nothing.
 */
import { BunsealError } from "../errors.ts";
import { inRange, isSemverRange, isSemverVersion } from "../policy/semver.ts";
import type { Store } from "../store/store.ts";

export interface PackageSelection {
  name: string;
  /** the version text asked for, trimmed; null: any version */
  version: string | null;
  /** with a version: the versions of the name the store holds, and those the version or range matched */
  versions?: { locked: string[]; matched: string[] };
  /** what the store is asked: one version, several, or any (undefined) */
  query: string | string[] | undefined;
}

const EXAMPLES = "4.12.0, 4.12, 4.12.x, ^4.12.0, <4.13.0";

export async function selectPackage(store: Store, spec: string): Promise<PackageSelection> {
  const text = spec.trim();
  const at = text.lastIndexOf("@");
  const [asked, version] = at > 0 ? [text.slice(0, at).trim(), text.slice(at + 1).trim()] : [text, undefined];
  if (asked === "" || version === "") throw new BunsealError("USAGE", `${text}: expected NAME or NAME@VERSION, got an empty ${asked === "" ? "name" : "version"}`, { field: "--package", expected: "NAME[@VERSION]" });
  // npm names are lower case since 2017; an older mixed-case name is kept as it is when the store has it so
  let name = asked;
  let locked = version === undefined ? undefined : await store.packageVersions(name);
  if (asked !== asked.toLowerCase() && (locked ?? (await store.packageVersions(name, 1))).length === 0) {
    name = asked.toLowerCase();
    if (locked !== undefined) locked = await store.packageVersions(name);
  }
  if (version === undefined || locked === undefined) return { name, version: null, query: undefined };
  // a locked version as written (git and tarball dependencies have versions no range describes)
  if (locked.includes(version)) return { name, version, versions: { locked, matched: [version] }, query: version };
  if (!isSemverRange(version)) {
    throw new BunsealError("USAGE", `${text}: expected a version or a semver range after @ (${EXAMPLES}), got ${JSON.stringify(version.length > 80 ? `${version.slice(0, 77)}...` : version)}`, { field: "--package", expected: "a version or a semver range", found: JSON.stringify(version) });
  }
  const matched = locked.filter((v) => isSemverVersion(v) && inRange(v, version));
  return { name, version, versions: { locked, matched }, query: matched };
}
