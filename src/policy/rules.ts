/**
 * The policy's rules about where and when the artifact was built. Each takes
 * the statement's facts and returns one result; every one is pure.
 */
import type { LoadedPolicy } from "./load.ts";
import type { StatementFacts } from "./facts.ts";
import { commitMatches, sourceUriMatches } from "../source/uri.ts";
import { durationMs, refMatches } from "./match.ts";
import { allowedValueRule, NOTHING_RECORDED, type PolicyResult } from "./result.ts";
import { isSemverVersion, stripV } from "./semver.ts";

const RUN = "predicate.runDetails";
const DEF = "predicate.buildDefinition";
/** Clocks disagree a little; a build that starts further ahead than this is postdated, not skewed. */
const CLOCK_SKEW_MS = 5 * 60_000;

type Rules = LoadedPolicy["rules"];

export function provenanceRules(rules: Rules, facts: StatementFacts, now: Date): PolicyResult[] {
  const results: PolicyResult[] = [];
  const { source } = facts;
  if (rules.builders) results.push(allowedValueRule("builders", rules.builders, facts.builderId, `${RUN}.builder.id`, (a, r) => a === r, "builder"));
  if (rules.sourceUris) results.push(allowedValueRule("sourceUris", rules.sourceUris, source.uri, source.field.uri, sourceUriMatches, "source"));
  if (rules.refs) results.push(allowedValueRule("refs", rules.refs, source.ref, source.field.ref, refMatches, "ref"));
  if (rules.commits) results.push(allowedValueRule("commits", rules.commits, source.commit, source.field.commit, commitMatches, "commit"));
  if (rules.maxAge) results.push(maxAgeRule(rules.maxAge, facts.startedOn, now));
  if (rules.minBunVersion) results.push(minBunVersionRule(rules.minBunVersion, facts.bunVersion));
  for (const name of ["schemaVersion", "telemetryContract"] as const) {
    const allowed = rules.contracts?.[name];
    if (allowed) results.push(allowedValueRule(`contracts.${name}`, allowed, facts.contracts[name], `${DEF}.externalParameters.contracts.${name}`, (a, r) => a === r, `${name} contract`));
  }
  return results;
}

function maxAgeRule(maxAge: string, startedOn: string | undefined, now: Date): PolicyResult {
  const rule = "maxAge";
  const field = `${RUN}.metadata.startedOn`;
  const expected = `a build started less than ${maxAge} before ${now.toISOString()}`;
  const started = startedOn === undefined ? Number.NaN : Date.parse(startedOn);
  if (Number.isNaN(started)) {
    return { rule, passed: false, expected, found: startedOn ?? NOTHING_RECORDED, field, message: `maxAge: the statement records ${startedOn === undefined ? "no build start time" : `an unreadable start time ${startedOn}`}, so its age cannot be checked` };
  }
  const age = now.getTime() - started;
  // A postdated startedOn would otherwise stay "young" for ever and outlive any maxAge.
  if (age < -CLOCK_SKEW_MS) {
    return { rule, passed: false, expected, found: startedOn!, field, message: `maxAge: the build claims to have started at ${startedOn}, in the future; a postdated statement would never grow old` };
  }
  const passed = age < durationMs(maxAge);
  const ago = `${Math.floor(Math.max(age, 0) / 60_000)} minute(s) ago`;
  return { rule, passed, expected, found: startedOn!, field, message: passed ? `maxAge: the build started ${ago}, within ${maxAge}` : `maxAge: the build started ${ago} (${startedOn}), longer ago than ${maxAge}` };
}

function minBunVersionRule(min: string, recorded: string | undefined): PolicyResult {
  const rule = "minBunVersion";
  const field = `${DEF}.internalParameters.bun.version`;
  const expected = `Bun ${stripV(min)} or newer`;
  if (recorded === undefined || !isSemverVersion(recorded)) {
    return { rule, passed: false, expected, found: recorded ?? NOTHING_RECORDED, field, message: `minBunVersion: the statement records ${recorded === undefined ? "no Bun version" : `a Bun version that is not semver (${recorded})`}; the policy requires ${expected}` };
  }
  const passed = Bun.semver.order(stripV(recorded), stripV(min)) >= 0;
  return { rule, passed, expected, found: recorded, field, message: passed ? `minBunVersion: built with Bun ${recorded}` : `minBunVersion: built with Bun ${recorded}, older than ${stripV(min)}` };
}

export function dirtyRule(allowDirty: boolean, dirty: boolean | undefined): PolicyResult {
  const rule = "allowDirty";
  const field = `${DEF}.externalParameters.source.dirty`;
  if (allowDirty) return { rule, passed: true, expected: "clean or dirty (allowDirty)", found: dirty === undefined ? NOTHING_RECORDED : String(dirty), field, message: "allowDirty: the policy accepts a build from a work tree with uncommitted changes" };
  // A build type that does not record dirtiness cannot show it was clean: fail closed, and say how to accept it.
  if (dirty === undefined) return { rule, passed: false, expected: "false", found: NOTHING_RECORDED, field, message: "allowDirty: the statement does not record whether the work tree was clean; set allowDirty: true to accept provenance that cannot say" };
  return { rule, passed: !dirty, expected: "false", found: String(dirty), field, message: dirty ? "allowDirty: the artifact was built from a work tree with uncommitted changes, and the policy does not allow that" : "allowDirty: built from a clean work tree" };
}
