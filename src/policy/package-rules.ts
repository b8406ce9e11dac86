/**
 * The policy's rules about the packages that went into the build, read from
 * the statement's resolvedDependencies (annotations.role = "package").
 * Each forbidden entry and each unapproved install script is its own result,
 * so a report names every offending package, not the first.
 */
import type { LoadedPolicy } from "./load.ts";
import type { PackageFact } from "./facts.ts";
import { NOTHING_RECORDED, type PolicyResult } from "./result.ts";
import { inRange, isSemverVersion } from "./semver.ts";

const DEPS = "predicate.buildDefinition.resolvedDependencies";

type Forbidden = NonNullable<LoadedPolicy["rules"]["forbiddenPackages"]>[number];

export function forbiddenPackageResults(forbidden: readonly Forbidden[], packages: readonly PackageFact[] | undefined): PolicyResult[] {
  return forbidden.flatMap((entry) => {
    const expected = `no ${entry.name}@${entry.range}${entry.reason ? ` (${entry.reason})` : ""}`;
    if (packages === undefined) {
      return [{ rule: "forbiddenPackages", passed: false, expected, found: NOTHING_RECORDED, field: DEPS, message: `forbiddenPackages: the statement does not record which packages were built in, so it cannot show it is free of ${entry.name}@${entry.range}` }];
    }
    const hits = packages.filter((p) => p.name === entry.name).flatMap((p) => hit(entry, p, expected));
    if (hits.length > 0) return hits;
    const present = packages.filter((p) => p.name === entry.name).map((p) => `${p.name}@${p.version}`);
    const found = present.length > 0 ? present.join(", ") : `no ${entry.name}`;
    return [{ rule: "forbiddenPackages", passed: true, expected, found, field: DEPS, message: `forbiddenPackages: ${found}, outside ${entry.range}` }];
  });
}

function hit(entry: Forbidden, pkg: PackageFact, expected: string): PolicyResult[] {
  const why = entry.reason ? `: ${entry.reason}` : "";
  // A version that is not semver (a git or tarball dependency) cannot be shown to be outside the range: fail closed.
  if (pkg.version === undefined || !isSemverVersion(pkg.version)) {
    const found = `${pkg.label}@${pkg.version ?? NOTHING_RECORDED}`;
    return [{ rule: "forbiddenPackages", passed: false, expected, found, field: pkg.field, message: `forbiddenPackages: ${found} has no semver version, so it cannot be shown to be outside ${entry.range}${why}` }];
  }
  if (!inRange(pkg.version, entry.range)) return [];
  const found = `${pkg.label}@${pkg.version}`;
  return [{ rule: "forbiddenPackages", passed: false, expected, found, field: pkg.field, message: `forbiddenPackages: ${found} is in the forbidden range ${entry.range}${why}` }];
}

export function installScriptResults(allowed: readonly string[], packages: readonly PackageFact[] | undefined): PolicyResult[] {
  const rule = "installScriptsAllowed";
  const expected = allowed.length === 0 ? "no package running install scripts" : `install scripts only from ${allowed.join(", ")}`;
  if (packages === undefined) {
    return [{ rule, passed: false, expected, found: NOTHING_RECORDED, field: DEPS, message: "installScriptsAllowed: the statement does not record which packages were built in, so it cannot show which ran install scripts" }];
  }
  const ran = packages.filter((p) => p.ranInstallScripts);
  const unapproved = ran.filter((p) => p.name === undefined || !allowed.includes(p.name));
  if (unapproved.length === 0) {
    const found = ran.length === 0 ? "none ran install scripts" : ran.map((p) => p.label).join(", ");
    return [{ rule, passed: true, expected, found, field: DEPS, message: `installScriptsAllowed: ${ran.length === 0 ? "no package" : found} ran install scripts${ran.length === 0 ? "" : ", as allowed"}` }];
  }
  return unapproved.map((p) => ({ rule, passed: false, expected, found: `${p.label} (installScripts, trusted)`, field: p.field, message: `installScriptsAllowed: ${p.label} has install scripts Bun was allowed to run, and the policy does not list it` }));
}
