/**
 * `bunseal inspect BUNDLE`: what a bundle says, from any producer, without
 * judging it: the statement's provenance in one shape, and who signed it (a
 * key, or a Fulcio certificate's identity and issuer). Verify says whether to
 * believe it.
 */
import { X509Certificate } from "@sigstore/core";
import type { Bundle } from "@sigstore/bundle";
import { readBundle } from "../verify/read-bundle.ts";
import { describeProvenance, type ProvenanceSummary } from "./describe-provenance.ts";

export interface BundleInspection {
  bundle: { path: string; mediaType: string; content: "dsseEnvelope" | "messageSignature"; tlogEntries: number; integratedTimes: string[]; timestamps: number };
  signer: { kind: "key"; hint: string | null } | { kind: "certificate"; identity: string | null; issuer: string | null; notBefore: string; notAfter: string };
  payloadType: string | null;
  provenance: ProvenanceSummary | null;
}

// Fulcio's OIDC issuer extension: v2 (DER string), and the legacy v1 (raw bytes)
const ISSUER_V2 = "1.3.6.1.4.1.57264.1.8";
const ISSUER_V1 = "1.3.6.1.4.1.57264.1.1";

export async function inspectBundle(path: string): Promise<BundleInspection> {
  const { bundle } = await readBundle(path);
  const material = bundle.verificationMaterial;
  const entries = material.tlogEntries ?? [];
  let payloadType: string | null = null;
  let provenance: ProvenanceSummary | null = null;
  if (bundle.content.$case === "dsseEnvelope") {
    payloadType = bundle.content.dsseEnvelope.payloadType;
    try {
      provenance = describeProvenance(JSON.parse(new TextDecoder().decode(bundle.content.dsseEnvelope.payload)));
    } catch {
      provenance = null;
    }
  }
  return {
    bundle: {
      path,
      mediaType: bundle.mediaType,
      content: bundle.content.$case,
      tlogEntries: entries.length,
      integratedTimes: entries.map((e) => new Date(Number(e.integratedTime) * 1000).toISOString()),
      timestamps: material.timestampVerificationData?.rfc3161Timestamps.length ?? 0,
    },
    signer: signerOf(bundle),
    payloadType,
    provenance,
  };
}

function signerOf(bundle: Bundle): BundleInspection["signer"] {
  const content = bundle.verificationMaterial.content;
  if (content.$case === "publicKey") return { kind: "key", hint: content.publicKey.hint || null };
  const der = content.$case === "x509CertificateChain" ? content.x509CertificateChain.certificates[0]?.rawBytes : content.certificate.rawBytes;
  const cert = X509Certificate.parse(Buffer.from(der!));
  const issuerExt = cert.extension(ISSUER_V2) ?? cert.extension(ISSUER_V1);
  return {
    kind: "certificate",
    identity: cert.subjectAltName ?? null,
    issuer: issuerExt ? decodeIssuer(issuerExt.value) : null,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
  };
}

/** v2 wraps the URL in a DER UTF8String (tag 0x0c, a length byte); v1 is the raw text. */
function decodeIssuer(value: Buffer): string {
  if (value[0] === 0x0c && value[1] !== undefined && value[1] < 0x80) return value.subarray(2, 2 + value[1]).toString("utf8");
  return value.toString("utf8");
}
