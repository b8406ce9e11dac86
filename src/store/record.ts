/**
 * An ArtifactRecord from a verified attestation: what `build --store` and
 * `store import` put in the store. Only a Verified statement becomes a
 * record, so everything `trace` says rests on a signature that checked out.
 */
import type { KeyObject } from "node:crypto";
import { BunsealError } from "../errors.ts";
import type { ProvenanceV1 } from "../attest/slsa-provenance.ts";
import type { Statement } from "../attest/statement.ts";
import { keyIdOf } from "../sign/keys.ts";
import { signerOf, trustedKeys, trustedRootText, type Trust, type TrustedReport } from "../verify/trust.ts";
import type { Verified } from "../verify/verify-bundle.ts";
import { recordedFacts } from "./record-facts.ts";
import type { ArtifactRecord } from "./store.ts";

/** Who signed, with what it takes to verify the attestation again from the store alone. */
export type RecordedSigner = { kind: "key"; publicKey: KeyObject; trustedRoot: string | null } | { kind: "keyless"; identity: string; issuer: string; trustedRoot: string | null };

/**
 * The signer of a verified report, as the store records it: the key (looked up among the
 * keys the caller trusted, by the key id the verifier found), or the certificate's identity
 * and issuer; either with the trusted root it was verified under.
 */
export async function recordedSigner(report: TrustedReport, trust: Trust, source: string): Promise<RecordedSigner> {
  const signer = signerOf(report);
  const trustedRoot = await trustedRootText(trust.trustedRoot);
  if (signer?.kind === "keyless") return { kind: "keyless", identity: signer.identity, issuer: signer.issuer, trustedRoot };
  const key = signer && (await trustedKeys(trust)).find((k) => keyIdOf(k) === signer.keyId);
  // a verified report always names a signer the trust holds; this is the fence should that ever change
  if (!key) throw new BunsealError("VERIFY_FAILED", `${source}: the verifier named no signer the store can record`, { file: source, expected: "a trusted key or a certificate identity" });
  return { kind: "key", publicKey: key, trustedRoot };
}

export function artifactRecord(statement: Verified<Statement<ProvenanceV1>>, bundleJson: string, signer: RecordedSigner): ArtifactRecord {
  const { builtAt, files, packages, ...facts } = recordedFacts(statement);
  return {
    ...facts,
    ...(signer.kind === "key"
      ? { signer: { kind: "key", keyId: keyIdOf(signer.publicKey) }, signerKeyId: keyIdOf(signer.publicKey), signerPublicKey: signer.publicKey.export({ type: "spki", format: "pem" }) as string }
      : { signer: { kind: "keyless", identity: signer.identity, issuer: signer.issuer }, signerKeyId: null, signerPublicKey: null }),
    signerTrustedRoot: signer.trustedRoot,
    builtAt,
    bundle: bundleJson,
    files,
    packages,
  };
}
