/**
 * Verify stage `policy`: judges a statement by a loaded policy. Pure (no
 * disk, no clock: `now` is passed), and it evaluates every rule the policy
 * sets even after one fails, so a report shows everything that is wrong.
 *
 * Results come in a fixed order: signers, builders, sourceUris, refs,
 * commits, maxAge, minBunVersion, contracts.schemaVersion,
 * contracts.telemetryContract, forbiddenPackages (one per entry, or one per
 * offending package), installScriptsAllowed (likewise), vsa, sandbox.allow, sandbox.network, allowDirty. A rule the
 * policy does not set is absent; signers and allowDirty are always present.
 * A Verification Summary is judged by src/vsa/policy-rules.ts instead.
 */
import type { ProvenanceV1 } from "../attest/slsa-provenance.ts";
import type { Statement } from "../attest/statement.ts";
import { statementFacts } from "./facts.ts";
import type { LoadedPolicy } from "./load.ts";
import { forbiddenPackageResults, installScriptResults } from "./package-rules.ts";
import type { PolicyResult, SignerFacts } from "./result.ts";
import { dirtyRule, provenanceRules } from "./rules.ts";
import { sandboxResults } from "./sandbox-rules.ts";
import { signerRule } from "./signers.ts";
import { sandboxOf } from "../verify/check-sandbox.ts";

/**
 * `signer` is undefined when no signature verified: every other rule still
 * runs (verify reports every finding), and the signers rule fails.
 */
export function evaluatePolicy(policy: LoadedPolicy, statement: Statement<ProvenanceV1>, signer: SignerFacts | undefined, now: Date): PolicyResult[] {
  const facts = statementFacts(statement);
  const { rules } = policy;
  return [
    signerRule(policy, signer),
    ...provenanceRules(rules, facts, now),
    ...(rules.forbiddenPackages ? forbiddenPackageResults(rules.forbiddenPackages, facts.packages) : []),
    ...(rules.installScriptsAllowed ? installScriptResults(rules.installScriptsAllowed, facts.packages) : []),
    ...(rules.vsa ? [vsaRequiredRule(statement.predicateType)] : []),
    ...(rules.sandbox ? sandboxResults(rules.sandbox, sandboxOf(statement)) : []),
    dirtyRule(rules.allowDirty, facts.dirty),
  ];
}

/** A policy that sets `vsa` asks for a verifier's summary: provenance is not one, so the rule fails closed. */
function vsaRequiredRule(predicateType: string): PolicyResult {
  return { rule: "vsa", passed: false, expected: "a Verification Summary Attestation (https://slsa.dev/verification_summary/v1)", found: predicateType, field: "predicateType", message: "vsa: the policy requires a verifier's summary, and the bundle carries SLSA provenance" };
}

/** True when every result passed; an empty list (impossible from evaluatePolicy) is not a pass. */
export function policyPassed(results: readonly PolicyResult[]): boolean {
  return results.length > 0 && results.every((r) => r.passed);
}
