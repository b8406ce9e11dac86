/**
 * Who must have signed a keyless bundle: the certificate's subject alternative
 * name (the workflow, e-mail or URI of the OIDC identity) and the OIDC issuer
 * Fulcio recorded. Checked here rather than through @sigstore/verify's policy,
 * which treats a string identity as an UNANCHORED regular expression:
 * `https://github.com/org` would accept `https://github.com/org-evil/…`, and
 * every `.` in a URL matches any character. That is why an exact identity is
 * compared here as a string. A regexp, though, is matched as cosign matches
 * `--certificate-identity-regexp` (Go's regexp.MatchString: a search anywhere in
 * the identity), so a gate copied from cosign's documentation or ours
 * (`^https://github.com/o/r/.github/workflows/release.yml@`) means here what it
 * means there; a pattern is anchored by its own `^` and `$`.
 */
import { BunsealError } from "../errors.ts";
import type { Finding } from "./finding.ts";

export interface CertificateIdentity {
  /** the exact subject alternative name (`--certificate-identity`) */
  identity?: string;
  /** a regular expression searched for in the subject alternative name, as cosign does (`--certificate-identity-regexp`) */
  identityRegexp?: string;
  /** the exact OIDC issuer URL (`--certificate-oidc-issuer`); required: an identity means nothing without who vouched for it */
  issuer: string;
}

export interface SignerIdentity {
  subjectAlternativeName?: string;
  issuer?: string;
}

/** Validates the policy itself (usage errors), before any bundle is read. */
export function compileIdentity(policy: CertificateIdentity): (san: string) => boolean {
  if ((policy.identity === undefined) === (policy.identityRegexp === undefined)) {
    throw new BunsealError("USAGE", "expected exactly one of --certificate-identity or --certificate-identity-regexp", { field: "--certificate-identity", expected: "one identity rule" });
  }
  if (!policy.issuer) throw new BunsealError("USAGE", "keyless verification needs --certificate-oidc-issuer URL: an identity is only as good as the issuer that vouched for it", { field: "--certificate-oidc-issuer", expected: "an OIDC issuer URL" });
  if (policy.identity !== undefined) {
    const exact = policy.identity;
    if (exact === "") throw new BunsealError("USAGE", "--certificate-identity is empty; expected the signer's identity", { field: "--certificate-identity", expected: "a non-empty identity" });
    return (san) => san === exact;
  }
  let pattern: RegExp;
  try {
    pattern = compileIdentityRegexp(policy.identityRegexp!);
  } catch (cause) {
    throw new BunsealError("USAGE", `--certificate-identity-regexp: expected a regular expression, got ${JSON.stringify(policy.identityRegexp)} (${(cause as Error).message})`, { field: "--certificate-identity-regexp", expected: "a valid regular expression", found: policy.identityRegexp, cause });
  }
  return (san) => pattern.test(san);
}

/**
 * An identity regexp, `--certificate-identity-regexp`'s and a policy's alike
 * (src/policy/schema.ts): searched for in the identity, no flags. Unanchored,
 * `https://github\.com/acme/.+` also accepts `https://evil.example/https://github.com/acme/x`,
 * as it does in cosign: a pattern meant for the whole identity says so with `^` and `$`.
 */
export function compileIdentityRegexp(source: string): RegExp {
  return new RegExp(source);
}

export function checkIdentity(policy: CertificateIdentity, signer: SignerIdentity): Finding[] {
  const matches = compileIdentity(policy);
  const findings: Finding[] = [];
  const san = signer.subjectAlternativeName;
  if (san === undefined || !matches(san)) {
    const wanted = policy.identity ?? `an identity matching /${policy.identityRegexp}/`;
    findings.push({ code: "IDENTITY_MISMATCH", field: "certificate.subjectAlternativeName", message: `the certificate was issued to ${san === undefined ? "no identity" : JSON.stringify(san)}, not ${policy.identity !== undefined ? JSON.stringify(wanted) : wanted}`, expected: wanted, found: san ?? "nothing" });
  }
  if (signer.issuer !== policy.issuer) {
    findings.push({ code: "IDENTITY_MISMATCH", field: "certificate.issuer", message: `the identity was vouched for by ${signer.issuer === undefined ? "no OIDC issuer" : JSON.stringify(signer.issuer)}, not ${JSON.stringify(policy.issuer)}`, expected: policy.issuer, found: signer.issuer ?? "nothing" });
  }
  return findings;
}
