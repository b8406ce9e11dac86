/**
 * A key-signed DSSE bundle (a public-key hint; no log entries, no
 * timestamps) as @sigstore/bundle's `bundleFromJSON` makes it, without
 * loading that package and its generated protobuf code: ≈8 ms of a one-shot
 * `verify`, for the kind of bundle that needs nothing else from it (issue
 * #12). Anything else (a certificate, a log entry, a message signature, an
 * empty field the package would refuse) is left to the package.
 *
 * The JSON has passed src/verify/bundle-schema.ts already.
 * test/verify/key-bundle.test.ts holds this equal to `bundleFromJSON` on
 * every bundle of the corpora it accepts, and on variations of them.
 */
import type { Bundle } from "@sigstore/bundle";
import type { BundleShape } from "./bundle-schema.ts";

export function keySignedDsseBundle(json: BundleShape): Bundle | undefined {
  const material = json.verificationMaterial;
  const envelope = json.dsseEnvelope;
  if (!envelope || json.messageSignature !== undefined || !material.publicKey) return undefined;
  if (Object.keys(material).some((key) => !["publicKey", "tlogEntries", "timestampVerificationData"].includes(key))) return undefined;
  if ((material.tlogEntries ?? []).length > 0 || (material.timestampVerificationData?.rfc3161Timestamps ?? []).length > 0) return undefined;
  const payload = Buffer.from(envelope.payload, "base64");
  const signatures = envelope.signatures.map((s) => ({ sig: Buffer.from(s.sig, "base64"), keyid: s.keyid ?? "" }));
  // what the package refuses (an empty payload or signature, not exactly one signature) it must refuse in its own words
  if (payload.length === 0 || signatures.length !== 1 || signatures[0]!.sig.length === 0) return undefined;
  return {
    mediaType: json.mediaType,
    verificationMaterial: {
      content: { $case: "publicKey", publicKey: { hint: material.publicKey.hint ?? "" } },
      tlogEntries: [],
      timestampVerificationData: material.timestampVerificationData === undefined ? undefined : { rfc3161Timestamps: [] },
    },
    content: { $case: "dsseEnvelope", dsseEnvelope: { payload, payloadType: envelope.payloadType, signatures } },
  } as Bundle;
}
