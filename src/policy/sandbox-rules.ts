/**
 * The policy's `sandbox` rule: which kinds of boundary are accepted and
 * whether the build may have had the network. Its failures carry their own
 * reason codes (BUILD_UNSANDBOXED, BUILD_NETWORK), the same a verify without a
 * policy gives, so a gate matches one code whichever way it was asked.
 */
import type { SandboxFacts } from "../verify/check-sandbox.ts";
import { SANDBOX_FIELD } from "../verify/check-sandbox.ts";
import type { Policy } from "./schema.ts";
import { NOTHING_RECORDED, oneOf, type PolicyResult } from "./result.ts";

export function sandboxResults(rule: NonNullable<Policy["sandbox"]>, sandbox: SandboxFacts | undefined): PolicyResult[] {
  const results: PolicyResult[] = [];
  if (rule.allow) {
    // another build type records no sandbox at all: a rule that is set is never skipped for want of evidence
    const found = sandbox?.kind ?? NOTHING_RECORDED;
    const passed = sandbox !== undefined && rule.allow.includes(sandbox.kind);
    const why = sandbox?.reason ? ` (${sandbox.reason})` : "";
    results.push({ rule: "sandbox.allow", passed, expected: oneOf(rule.allow), found, field: `${SANDBOX_FIELD}.kind`, message: passed ? `sandbox.allow: the build ran in a ${found} sandbox${why}` : `sandbox.allow: the build ran ${sandbox === undefined ? "with no sandbox recorded" : `in sandbox kind "${found}"${why}`}; the policy accepts ${oneOf(rule.allow)}`, ...(passed ? {} : { code: "BUILD_UNSANDBOXED" as const }) });
  }
  if (rule.network === false) {
    const network = sandbox?.network ?? null;
    const passed = network === false;
    const found = network === null ? NOTHING_RECORDED : String(network);
    results.push({ rule: "sandbox.network", passed, expected: "false (no network during the build)", found, field: `${SANDBOX_FIELD}.network`, message: passed ? "sandbox.network: the build had no network" : `sandbox.network: the build ${network === null ? "records nothing about its network" : "could reach the network"}; the policy refuses that`, ...(passed ? {} : { code: "BUILD_NETWORK" as const }) });
  }
  return results;
}
