/**
 * `bunseal verify --policy FILE`: the policy names who may sign (keys, or
 * identity + issuer pairs) and what the provenance must say. Trust comes from
 * the policy alone. The bundle is verified against each signer the policy
 * names that fits its kind of signature until one vouches; then every rule is
 * evaluated and each one that fails is a finding, with expected and found.
 */
import { BunsealError } from "../errors.ts";
import { evaluatePolicy, policySigners, type LoadedPolicy, type PolicyResult, type SignerFacts } from "../policy/index.ts";
import type { Finding } from "./finding.ts";
import { parseBundle } from "./read-bundle.ts";
import { verifyBundle, type VerifyReport, type VerifyRequest } from "./verify-bundle.ts";

export interface PolicyVerifyReport extends VerifyReport {
  policy: { file: string; results: PolicyResult[] };
}

export async function verifyWithPolicy(request: Omit<VerifyRequest, "keys" | "identity">, policy: LoadedPolicy, now: Date = new Date()): Promise<PolicyVerifyReport> {
  const { report: final, signer } = await verifyWithPolicySigners(request, policy);
  const results: PolicyResult[] = final.statement ? evaluatePolicy(policy, final.statement, signer, now) : [];
  const failures: Finding[] = [...final.failures];
  if (!final.statement) failures.push({ code: "POLICY_FAILED", field: "predicate", message: "the bundle carries no SLSA provenance for the policy to judge", expected: "SLSA provenance", found: final.predicateType ?? "no statement" });
  for (const r of results) if (!r.passed) failures.push({ code: r.code ?? "POLICY_FAILED", field: r.field ?? `policy.${r.rule}`, message: r.message, expected: r.expected, found: r.found });
  return { ...final, verified: final.verified && failures.length === 0, failures, policy: { file: policy.file, results } };
}

/**
 * The signature stage under a policy: the bundle verified against each signer
 * the policy names that fits its kind of signature, until one vouches. The
 * rules are the caller's to evaluate (provenance here, a Verification Summary
 * in src/vsa/verify-vsa.ts).
 */
export async function verifyWithPolicySigners(request: Omit<VerifyRequest, "keys" | "identity">, policy: LoadedPolicy): Promise<{ report: Awaited<ReturnType<typeof verifyBundle>>; signer: SignerFacts | undefined }> {
  const { keys, identities } = policySigners(policy);
  const bytes = request.bundleBytes ?? (await Bun.file(request.bundlePath).bytes());
  const { bundle } = await parseBundle(bytes, request.bundlePath);
  const certified = bundle.verificationMaterial.content.$case !== "publicKey";
  // the policy's allowDirty rule decides about dirty builds, not the expectation; its sandbox.allow about
  // unsandboxed ones, and where it has none, the default refusal (BUILD_UNSANDBOXED) stands
  // the policy judges the statement's source, so the certificate's must agree with it, whatever the build type
  const base = { ...request, bundleBytes: bytes, bindCertificateSource: true, expectations: { ...request.expectations, allowDirty: true, allowUnsandboxed: policy.rules.sandbox?.allow !== undefined } };
  const anchors: Partial<VerifyRequest>[] = certified
    ? identities.map((i) => ({ identity: { identity: i.identity, identityRegexp: i.identityRegexpSource, issuer: i.issuer } }))
    : keys.length > 0
      ? [{ keys }]
      : [];
  if (anchors.length === 0) {
    throw new BunsealError("POLICY_INVALID", `${policy.file}: the bundle is signed by ${certified ? "a certificate" : "a key"}, and the policy names no ${certified ? "identity" : "key"} signer; expected a signer of that kind`, { file: policy.file, field: "signers", expected: certified ? "an identity signer" : "a key signer" });
  }
  let report: Awaited<ReturnType<typeof verifyBundle>> | undefined;
  for (const anchor of anchors) {
    report = await verifyBundle({ ...base, ...anchor });
    if (report.signer) break; // this signer vouched; the other findings stand as they are
  }
  const final = report!;
  const signer: SignerFacts | undefined = final.signer?.keyId ? { kind: "key", keyId: final.signer.keyId } : final.signer?.identity ? { kind: "certificate", identity: final.signer.identity, issuer: final.signer.issuer ?? "" } : undefined;
  return { report: final, signer };
}
