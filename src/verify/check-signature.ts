/**
 * Verify stage `signature`: the DSSE signature over the exact PAE bytes, by
 * one of the keys the caller trusts, checked with node:crypto. A message
 * signature goes through @sigstore/verify's Verifier, used directly with a
 * key finder: `sigstore.verify` would fetch trust data over the network, and
 * verification here never makes a network call.
 */
import { verify, type KeyObject } from "node:crypto";
import { preAuthEncoding } from "../attest/pae.ts";
import type { Bundle } from "@sigstore/bundle";
import { keyIdOf } from "../sign/keys.ts";
import type { Finding } from "./finding.ts";

export interface SignatureResult {
  finding?: Finding;
  /** the key id (sha256 of SPKI DER) of the key that verified */
  keyId?: string;
}

const EMPTY_TRUSTED_ROOT = { mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1", tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] };

/**
 * `artifact` is needed only for a bundle that signs a message (the artifact's
 * bytes) rather than a DSSE envelope; without it such a signature cannot be
 * checked and is reported as not verifying.
 */
export async function checkKeySignature(bundle: Bundle, keys: readonly KeyObject[], artifact?: Uint8Array): Promise<SignatureResult> {
  const errors: string[] = [];
  // A timestamp in the bundle is evidence the verifier checks too (one that does not verify fails it): only
  // a bundle with none is checked here alone.
  const stamped = (bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps.length ?? 0) > 0;
  if (bundle.content.$case === "dsseEnvelope" && !stamped) {
    // A DSSE envelope under a key is one signature over the PAE bytes: checked here with node:crypto,
    // exactly as @sigstore/verify checks it (the first signature, the key's own algorithm), without
    // loading the Sigstore verifier a key-signed bundle has no other use for (issue #12).
    const envelope = bundle.content.dsseEnvelope;
    const pae = preAuthEncoding(envelope.payloadType, envelope.payload);
    const signature = envelope.signatures[0]?.sig ?? Buffer.alloc(0);
    for (const key of keys) {
      if (verifySignature(pae, key, signature)) return { keyId: keyIdOf(key) };
      errors.push(`${keyIdOf(key).slice(0, 16)}: signature verification failed`);
    }
    return failed(bundle, keys, errors);
  }
  const { Verifier, toSignedEntity, toTrustMaterial } = await import("@sigstore/verify");
  for (const key of keys) {
    const material = toTrustMaterial(EMPTY_TRUSTED_ROOT as never, () => ({ publicKey: key, validFor: () => true }));
    // A key-signed bundle carries no log entry or timestamp to check; trust comes from the key alone.
    const verifier = new Verifier(material, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
    try {
      verifier.verify(toSignedEntity(bundle, artifact ? Buffer.from(artifact) : undefined));
      return { keyId: keyIdOf(key) };
    } catch (error) {
      errors.push(`${keyIdOf(key).slice(0, 16)}: ${(error as Error).message}`);
    }
  }
  return failed(bundle, keys, errors);
}

function verifySignature(data: Uint8Array, key: KeyObject, signature: Uint8Array): boolean {
  try {
    return verify(undefined, data, key, signature);
  } catch {
    // a key of a kind that cannot check this signature, or a malformed signature: it does not verify
    return false;
  }
}

function failed(bundle: Bundle, keys: readonly KeyObject[], errors: string[]): SignatureResult {
  const dsse = bundle.content.$case === "dsseEnvelope";
  const hint = bundle.verificationMaterial.content.$case === "publicKey" ? bundle.verificationMaterial.content.publicKey.hint : undefined;
  const given = keys.map((k) => keyIdOf(k));
  // Say so when the bundle names a key the caller did not give: the commonest cause, and the quickest to fix.
  const named = hint && !given.includes(hint) ? `; the bundle names key ${hint.slice(0, 16)}…, which is not among the given keys` : "";
  return {
    finding: {
      code: "SIGNATURE_INVALID",
      field: dsse ? "dsseEnvelope.signatures" : "messageSignature.signature",
      message: `the signature does not verify with ${keys.length === 1 ? "the given key" : `any of the ${keys.length} given keys`}${named} (${errors.join("; ")})`,
      expected: `a signature by ${given.map((id) => `${id.slice(0, 16)}…`).join(" or ")}`,
      found: hint ? `a signature naming key ${hint.slice(0, 16)}…` : "no valid signature",
    },
  };
}
