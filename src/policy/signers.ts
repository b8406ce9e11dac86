/**
 * The policy's signers, twice over: as trust anchors the signature stage
 * verifies with (policySigners), and as a rule the result is checked against
 * (signerRule), so a verifier wired with extra keys still cannot accept a
 * signer the policy does not name.
 */
import type { KeyObject } from "node:crypto";
import type { LoadedPolicy, TrustedSigner } from "./load.ts";
import { NOTHING_RECORDED, oneOf, type PolicyResult, type SignerFacts } from "./result.ts";

export interface PolicyIdentity {
  identity?: string;
  /** searched for in the identity, as cosign does (src/verify/identity.ts) */
  identityRegexp?: RegExp;
  /** the pattern as the policy wrote it, for a verifier that compiles its own (src/verify/identity.ts, the same compiler) */
  identityRegexpSource?: string;
  issuer: string;
}

export function policySigners(policy: LoadedPolicy): { keys: KeyObject[]; identities: PolicyIdentity[] } {
  const keys: KeyObject[] = [];
  const identities: PolicyIdentity[] = [];
  for (const signer of policy.signers) {
    if (signer.kind === "key") keys.push(signer.key);
    else if (signer.kind === "identity") identities.push({ identity: signer.identity, issuer: signer.issuer });
    else identities.push({ identityRegexp: signer.identityRegexp, identityRegexpSource: signer.pattern, issuer: signer.issuer });
  }
  return { keys, identities };
}

export function signerRule(policy: LoadedPolicy, signer: SignerFacts | undefined): PolicyResult {
  const expected = oneOf(policy.signers.map(describeTrusted));
  if (signer === undefined) {
    return { rule: "signers", passed: false, expected, found: NOTHING_RECORDED, message: "signers: no signature verified, so no signer can be checked against the policy" };
  }
  const found = signer.kind === "key" ? `key ${signer.keyId}` : `${signer.identity} (issuer ${signer.issuer})`;
  const passed = policy.signers.some((trusted) => signerMatches(trusted, signer));
  return { rule: "signers", passed, expected, found, message: passed ? `signers: signed by ${found}, which the policy trusts` : `signers: signed by ${found}, which the policy does not name` };
}

function signerMatches(trusted: TrustedSigner, signer: SignerFacts): boolean {
  if (trusted.kind === "key") return signer.kind === "key" && signer.keyId === trusted.keyId;
  if (signer.kind !== "certificate" || signer.issuer !== trusted.issuer) return false;
  return trusted.kind === "identity" ? signer.identity === trusted.identity : trusted.identityRegexp.test(signer.identity);
}

function describeTrusted(signer: TrustedSigner): string {
  if (signer.kind === "key") return `key ${signer.keyId}`;
  if (signer.kind === "identity") return `${signer.identity} (issuer ${signer.issuer})`;
  return `an identity matching /${signer.pattern}/ (issuer ${signer.issuer})`;
}
