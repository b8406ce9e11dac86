/**
 * The bundle's DER material, parsed before verification: a certificate or a
 * timestamp that does not parse is a malformed bundle (exit 2, with the field
 * named), not a verification failure the library reports as whatever it
 * happened to be doing when it threw.
 */
import type { SchemaProblem } from "../util/schema-issues.ts";
import type { BundleShape } from "./bundle-schema.ts";

export async function checkBundleMaterial(bundle: BundleShape): Promise<SchemaProblem[]> {
  // called on unchecked JSON too (see read-bundle.ts): anything not shaped as expected is the schema's to report
  const material = bundle.verificationMaterial ?? {};
  const certificates = material.x509CertificateChain?.certificates ?? (material.certificate ? [material.certificate] : []);
  const timestamps = material.timestampVerificationData?.rfc3161Timestamps ?? [];
  if (certificates.length === 0 && timestamps.length === 0) return []; // a key-signed bundle: nothing to parse, nothing to load
  const { RFC3161Timestamp, X509Certificate } = await import("@sigstore/core");
  const problems: SchemaProblem[] = [];
  const chainField = material.x509CertificateChain ? "verificationMaterial.x509CertificateChain.certificates" : "verificationMaterial.certificate";
  certificates.forEach((cert, i) => {
    const field = material.x509CertificateChain ? `${chainField}[${i}]` : chainField;
    let parsed: InstanceType<typeof X509Certificate>;
    try {
      parsed = X509Certificate.parse(Buffer.from(cert.rawBytes, "base64"));
    } catch (error) {
      problems.push({ field, expected: "a DER X.509 certificate", found: `bytes that do not parse (${(error as Error).message})` });
      return;
    }
    // Trust anchors come from the trusted root, never from the bundle: a root the
    // signer ships is at best ignored and at worst mistaken for one the verifier chose.
    if (parsed.subject.equals(parsed.issuer) && safeVerify(() => parsed.verify())) {
      problems.push({ field, expected: "no root certificate (the chain ends below the root, which the trusted root supplies)", found: "a self-signed root certificate" });
    }
  });
  timestamps.forEach((ts, i) => {
    try {
      RFC3161Timestamp.parse(Buffer.from(ts.signedTimestamp, "base64"));
    } catch (error) {
      problems.push({ field: `verificationMaterial.timestampVerificationData.rfc3161Timestamps[${i}]`, expected: "a DER RFC 3161 timestamp response", found: `bytes that do not parse (${(error as Error).message})` });
    }
  });
  return problems;
}

function safeVerify(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}
