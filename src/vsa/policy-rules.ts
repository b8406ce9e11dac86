/**
 * A policy's rules, applied to a Verification Summary rather than to
 * provenance. Pure. The signers rule is the policy's own; `vsa.verifierIds`
 * and `vsa.levels` judge the summary; a rule about how the artifact was built
 * (builders, refs, packages, the sandbox, ...) cannot be answered by a summary, which does
 * not record the build, so each one set fails closed rather than being
 * skipped. allowDirty is not evaluated: a summary's verifier already decided.
 */
import type { LoadedPolicy } from "../policy/index.ts";
import { allowedValueRule, NOTHING_RECORDED, type PolicyResult, type SignerFacts } from "../policy/result.ts";
import { signerRule } from "../policy/signers.ts";
import { parseSlsaLevel } from "./schema.ts";

/** the provenance rules, in evaluatePolicy's order */
const PROVENANCE_RULES = ["builders", "sourceUris", "refs", "commits", "maxAge", "minBunVersion", "contracts", "forbiddenPackages", "installScriptsAllowed", "sandbox"] as const;

/** What the rules read from the summary; undefined where the predicate does not say (or is not what it should be). */
export interface VsaFacts {
  verifierId?: string;
  verifiedLevels?: readonly string[];
}

export function evaluateVsaPolicy(policy: LoadedPolicy, facts: VsaFacts, signer: SignerFacts | undefined): PolicyResult[] {
  const { rules } = policy;
  const results: PolicyResult[] = [signerRule(policy, signer)];
  for (const rule of PROVENANCE_RULES) {
    if (rules[rule] === undefined) continue;
    results.push({ rule, passed: false, expected: "SLSA provenance that records it", found: "a verification summary", field: "predicateType", message: `${rule}: a verification summary does not record how the artifact was built, so this provenance rule cannot pass; use a policy without it (or its vsa rule) for summaries` });
  }
  const vsa = rules.vsa;
  if (vsa?.verifierIds) results.push(allowedValueRule("vsa.verifierIds", vsa.verifierIds, facts.verifierId, "predicate.verifier.id", (a, r) => a === r, "verifier"));
  if (vsa?.levels) results.push(levelsRule(vsa.levels, facts.verifiedLevels));
  return results;
}

/** Every required level must be stated, or a higher one of the same SLSA track (each implies those below it). */
function levelsRule(required: readonly string[], stated: readonly string[] | undefined): PolicyResult {
  const rule = "vsa.levels";
  const field = "predicate.verifiedLevels";
  const expected = required.join(" and ");
  if (!stated || stated.length === 0) return { rule, passed: false, expected, found: NOTHING_RECORDED, field, message: `vsa.levels: the summary states no levels; the policy requires ${expected}` };
  const missing = required.filter((level) => !stated.some((s) => meets(s, level)));
  const found = stated.join(", ");
  const passed = missing.length === 0;
  return { rule, passed, expected, found, field, message: passed ? `vsa.levels: the summary states ${found}, which meets ${expected}` : `vsa.levels: the summary states ${found}, which does not meet ${missing.join(" and ")}` };
}

function meets(stated: string, required: string): boolean {
  const want = parseSlsaLevel(required);
  const have = parseSlsaLevel(stated);
  if (!want || !have) return stated === required; // a custom value means only itself
  return have.track === want.track && have.level >= want.level;
}
