/**
 * Verify stage `signature`: the DSSE signature over the exact PAE bytes, by
 * one of the keys the caller trusts. @sigstore/verify's Verifier is used
 * directly with a key finder: `sigstore.verify` would fetch trust data over
 * the network, and verification here never makes a network call.
 */
import type { KeyObject } from "node:crypto";
import type { Bundle } from "@sigstore/bundle";
import { keyIdOf } from "../sign/keys.ts";
import type { Finding } from "./finding.ts";

export interface SignatureResult {
  finding?: Finding;
  /** the key id (sha256 of SPKI DER) of the key that verified */
  keyId?: string;
}

const EMPTY_TRUSTED_ROOT = { mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1", tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] };

export async function checkKeySignature(bundle: Bundle, keys: readonly KeyObject[]): Promise<SignatureResult> {
  const { Verifier, toSignedEntity, toTrustMaterial } = await import("@sigstore/verify");
  const errors: string[] = [];
  for (const key of keys) {
    const material = toTrustMaterial(EMPTY_TRUSTED_ROOT as never, () => ({ publicKey: key, validFor: () => true }));
    // A key-signed bundle carries no log entry or timestamp to check; trust comes from the key alone.
    const verifier = new Verifier(material, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
    try {
      verifier.verify(toSignedEntity(bundle));
      return { keyId: keyIdOf(key) };
    } catch (error) {
      errors.push(`${keyIdOf(key).slice(0, 16)}: ${(error as Error).message}`);
    }
  }
  return {
    finding: {
      code: "SIGNATURE_INVALID",
      field: "dsseEnvelope.signatures",
      message: `the signature does not verify with ${keys.length === 1 ? "the given key" : `any of the ${keys.length} given keys`} (${errors.join("; ")})`,
      expected: "a signature by a trusted key",
      found: "no valid signature",
    },
  };
}
