/**
 * The shape of a Sigstore bundle, per version (protobuf-specs
 * `sigstore_bundle.proto`, in its JSON form), checked before any cryptography.
 * @sigstore/bundle checks only some of this, and @sigstore/verify crashes on
 * some of what it lets through (an inclusion proof without a checkpoint is a
 * TypeError deep in the tlog code), so every field the verifier will read is
 * required here, with its encoding, and unknown fields are refused.
 */
import { z } from "../vendor/zod.js";
import { Bytes } from "./proto-json.ts";

export const BUNDLE_MEDIA_TYPES = {
  "application/vnd.dev.sigstore.bundle+json;version=0.1": "0.1",
  "application/vnd.dev.sigstore.bundle+json;version=0.2": "0.2",
  "application/vnd.dev.sigstore.bundle+json;version=0.3": "0.3",
  "application/vnd.dev.sigstore.bundle.v0.3+json": "0.3",
} as const;
export type BundleVersion = (typeof BUNDLE_MEDIA_TYPES)[keyof typeof BUNDLE_MEDIA_TYPES];

export const MediaTypeSchema = z.looseObject({ mediaType: z.enum(Object.keys(BUNDLE_MEDIA_TYPES) as [keyof typeof BUNDLE_MEDIA_TYPES]) });

// protobuf's JSON form: an int64 is a decimal string (a number is also legal JSON for it), and a
// field at its default is omitted, so an absent index is 0 (the first entry of a log), not a missing one
const Int64 = z.union([z.string().regex(/^(0|[1-9][0-9]{0,18})$/, { error: "a non-negative integer (as a decimal string)" }), z.number().int().nonnegative()]);

const InclusionProof = z.strictObject({
  logIndex: Int64.optional(),
  rootHash: Bytes,
  treeSize: Int64.optional(),
  // protobuf's JSON omits an empty list: a tree of one entry has no proof hashes
  hashes: z.array(Bytes).optional(),
  checkpoint: z.strictObject({ envelope: z.string().min(1) }),
});

const TlogEntry = z.strictObject({
  logIndex: Int64.optional(),
  logId: z.strictObject({ keyId: Bytes }),
  kindVersion: z.strictObject({ kind: z.string().min(1), version: z.string().min(1) }),
  // Rekor v2 entries have no integrated time: their time comes from a timestamp authority
  integratedTime: Int64.optional(),
  inclusionPromise: z.strictObject({ signedEntryTimestamp: Bytes }).optional(),
  inclusionProof: InclusionProof.optional(),
  canonicalizedBody: Bytes,
});

const Certificate = z.strictObject({ rawBytes: Bytes });

const VerificationMaterial = z.strictObject({
  publicKey: z.strictObject({ hint: z.string().optional() }).optional(),
  x509CertificateChain: z.strictObject({ certificates: z.array(Certificate).min(1) }).optional(),
  certificate: Certificate.optional(),
  tlogEntries: z.array(TlogEntry).optional(),
  timestampVerificationData: z.strictObject({ rfc3161Timestamps: z.array(z.strictObject({ signedTimestamp: Bytes })).optional() }).optional(),
});

const MessageSignature = z.strictObject({
  messageDigest: z.strictObject({ algorithm: z.enum(["SHA2_256", "SHA2_384", "SHA2_512", "SHA3_256", "SHA3_384"]), digest: Bytes }),
  signature: Bytes,
});

const DsseEnvelope = z.strictObject({
  payload: Bytes,
  payloadType: z.string().min(1),
  // a Sigstore bundle's envelope carries exactly one signature, the one the log entry and certificate are about
  signatures: z.array(z.strictObject({ sig: Bytes, keyid: z.string().optional() })).length(1),
});

const BundleBase = z.strictObject({
  mediaType: z.string(),
  verificationMaterial: VerificationMaterial,
  dsseEnvelope: DsseEnvelope.optional(),
  messageSignature: MessageSignature.optional(),
});

/**
 * The rules that differ between versions, on top of the shared shape. Made once
 * per version: zod compiles a schema's fast path on its first parse, so a new
 * schema for every bundle paid that compile every time (`trace` checks a stored
 * bundle on each lookup; issue #12).
 */
export function bundleSchema(version: BundleVersion): ReturnType<typeof versionedSchema> {
  let schema = BY_VERSION.get(version);
  if (!schema) BY_VERSION.set(version, (schema = versionedSchema(version)));
  return schema;
}

const BY_VERSION = new Map<BundleVersion, ReturnType<typeof versionedSchema>>();

function versionedSchema(version: BundleVersion) {
  return BundleBase.superRefine((bundle, ctx) => {
    const issue = (path: PropertyKey[], message: string, input?: unknown) => ctx.addIssue({ code: "custom", path, message, input });
    if ((bundle.dsseEnvelope === undefined) === (bundle.messageSignature === undefined)) {
      issue(["dsseEnvelope"], "exactly one of dsseEnvelope or messageSignature");
    }
    const material = bundle.verificationMaterial;
    const kinds = (["publicKey", "x509CertificateChain", "certificate"] as const).filter((k) => material[k] !== undefined);
    // v0.3 replaced the chain with the leaf alone: the chain's other certificates belong in the trusted root
    const allowed: readonly string[] = version === "0.3" ? ["publicKey", "certificate"] : ["publicKey", "x509CertificateChain"];
    if (kinds.length !== 1 || !allowed.includes(kinds[0]!)) {
      issue(["verificationMaterial"], `exactly one of ${allowed.join(" or ")} (bundle version ${version})`, kinds.join(", ") || undefined);
    }
    (material.tlogEntries ?? []).forEach((entry, i) => {
      const at = ["verificationMaterial", "tlogEntries", i];
      // v0.1 trusted the log's promise (SET); from v0.2 on, the entry must prove its inclusion offline
      if (version === "0.1" && !entry.inclusionPromise) issue([...at, "inclusionPromise"], "an inclusion promise (required in a v0.1 bundle)");
      if (version !== "0.1" && !entry.inclusionProof) issue([...at, "inclusionProof"], `an inclusion proof (required from bundle version 0.2; this is ${version})`);
      // the promise signs the integrated time, so a promise without one cannot be checked
      if (entry.inclusionPromise && !Number(entry.integratedTime ?? 0)) issue([...at, "integratedTime"], "an integrated time, which the inclusion promise signs");
      const proof = entry.inclusionProof;
      if (proof && BigInt(proof.logIndex ?? 0) >= BigInt(proof.treeSize ?? 0)) issue([...at, "inclusionProof", "logIndex"], `an index inside the tree (below treeSize ${proof.treeSize ?? 0})`, proof.logIndex ?? 0);
    });
  });
}

export type BundleShape = z.infer<typeof BundleBase>;
