/**
 * What a command trusts to have signed an artifact's attestation, as one
 * value: public keys, a keyless identity (certificate SAN or an anchored
 * pattern, with its OIDC issuer, under a Sigstore trusted root), or a
 * verification policy. `verify` takes its flags; store import, pin, pins
 * verify, rollback and rebuild take the same ones (src/cli/trust-flags.ts)
 * and pass this down, so every command that acts on an artifact checks it
 * the one way `verify` does.
 */
import type { KeyObject } from "node:crypto";
import type { ProvenanceV1 } from "../attest/slsa-provenance.ts";
import type { Statement } from "../attest/statement.ts";
import type { LoadedPolicy } from "../policy/index.ts";
import type { CertificateIdentity } from "./identity.ts";
import type { VerifyReport, VerifyRequest, Verified } from "./verify-bundle.ts";

/** a Sigstore TrustedRoot: a JSON file's path, or the JSON value; absent: the public-good root shipped with bunseal */
export type TrustedRootSource = string | Record<string, unknown>;

export type Trust =
  | { kind: "keys"; keys: readonly KeyObject[]; trustedRoot?: TrustedRootSource }
  | { kind: "identity"; identity: CertificateIdentity; trustedRoot?: TrustedRootSource }
  | { kind: "policy"; policy: LoadedPolicy; trustedRoot?: TrustedRootSource };

/** Who signed an attestation that verified: a key, or a keyless identity as the Fulcio certificate names it. */
export type SignerIdentity = { kind: "key"; keyId: string } | { kind: "keyless"; identity: string; issuer: string };

export type TrustedReport = VerifyReport & { verifiedStatement?: Verified<Statement<ProvenanceV1>> };

/** Verifies a bundle against `trust`: verify's own stages, with a policy's rules on top when the trust is a policy. */
export async function verifyTrusted(trust: Trust, request: Omit<VerifyRequest, "keys" | "identity" | "trustedRoot">): Promise<TrustedReport> {
  const base = { ...request, trustedRoot: trust.trustedRoot };
  let report: TrustedReport;
  if (trust.kind === "policy") {
    const { verifyWithPolicy } = await import("./verify-with-policy.ts");
    report = await verifyWithPolicy(base, trust.policy);
  } else {
    const { verifyBundle } = await import("./verify-bundle.ts");
    report = await verifyBundle(trust.kind === "keys" ? { ...base, keys: trust.keys } : { ...base, identity: trust.identity });
  }
  // A policy's failed rule leaves the signature's verified statement in the report: only a verdict of
  // "verified" may hand one on, so nothing downstream acts on a statement the policy refused.
  return report.verified ? report : { ...report, verifiedStatement: undefined };
}

/** The signer a verified report names, or undefined when nothing vouched. */
export function signerOf(report: VerifyReport): SignerIdentity | undefined {
  if (report.signer?.keyId) return { kind: "key", keyId: report.signer.keyId };
  if (report.signer?.identity && report.signer.issuer) return { kind: "keyless", identity: report.signer.identity, issuer: report.signer.issuer };
  return undefined;
}

/** The public keys a trust holds (its own, or its policy's key signers): where a key id is looked up to record the key. */
export async function trustedKeys(trust: Trust): Promise<readonly KeyObject[]> {
  if (trust.kind === "keys") return trust.keys;
  if (trust.kind === "identity") return [];
  const { policySigners } = await import("../policy/index.ts");
  return policySigners(trust.policy).keys;
}

/** The trusted root as JSON text, to keep beside what it verified; null for the root shipped with bunseal. */
export async function trustedRootText(source: TrustedRootSource | undefined): Promise<string | null> {
  if (source === undefined) return null;
  if (typeof source !== "string") return JSON.stringify(source);
  // read as verify read it: the file was loaded (and validated) a moment ago by the same path
  return await Bun.file(source).text();
}
