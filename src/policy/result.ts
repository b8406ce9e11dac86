/** What the policy reports: one result per rule, passed or not, each saying what was wanted and what was there. */

/** Who signed, as the signature stage established it. */
export type SignerFacts =
  | { kind: "key"; /** sha256 of the SPKI DER (src/sign/keys.ts keyIdOf) */ keyId: string }
  | { kind: "certificate"; /** the certificate's subject alternative name */ identity: string; /** its OIDC issuer */ issuer: string };

export interface PolicyResult {
  /** the policy field the rule comes from: "builders", "refs", "contracts.schemaVersion", "forbiddenPackages", … */
  rule: string;
  passed: boolean;
  expected: string;
  found: string;
  message: string;
  /** where in the statement the fact was read, when it comes from the statement */
  field?: string;
  /** the reason code of a failure, when it has its own (the sandbox rules); otherwise POLICY_FAILED */
  code?: "BUILD_UNSANDBOXED" | "BUILD_NETWORK";
}

/** What every message says when a rule is set but the statement does not record its fact. */
export const NOTHING_RECORDED = "nothing recorded";

export function oneOf(values: readonly string[]): string {
  return values.length === 1 ? values[0]! : `one of ${values.join(", ")}`;
}

/**
 * A rule over one recorded value and a list of allowed ones. A missing value
 * fails: a rule that is set is never skipped for want of evidence.
 */
export function allowedValueRule(rule: string, allowed: readonly string[], recorded: string | undefined, field: string, matches: (allowed: string, recorded: string) => boolean, what: string): PolicyResult {
  const expected = oneOf(allowed);
  if (recorded === undefined) {
    return { rule, passed: false, expected, found: NOTHING_RECORDED, field, message: `${rule}: the statement records no ${what}; the policy requires ${expected}` };
  }
  const passed = allowed.some((a) => matches(a, recorded));
  const message = passed ? `${rule}: ${what} ${recorded} is allowed` : `${rule}: ${what} ${recorded} is not allowed; the policy requires ${expected}`;
  return { rule, passed, expected, found: recorded, field, message };
}
