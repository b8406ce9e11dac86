/**
 * Verify stage `signature` for a published Sigstore bundle (keyless, or
 * key-signed and logged): @sigstore/verify's Verifier with the trusted root's
 * CAs, logs and timestamp authorities, so the certificate chain, SCT,
 * transparency-log inclusion, timestamps and the signature are all checked,
 * offline. The identity is checked afterwards by identity.ts (see there why
 * not by the library's policy).
 */
import type { KeyObject } from "node:crypto";
import type { Bundle } from "@sigstore/bundle";
import { keyIdOf } from "../sign/keys.ts";
import type { CertificateExtension } from "./cert-source.ts";
import type { Finding, ReasonCode } from "./finding.ts";
import { checkIdentity, type CertificateIdentity, type SignerIdentity } from "./identity.ts";
import type { LoadedTrustedRoot } from "./trusted-root.ts";

export type SigstoreAnchor = { keys: readonly KeyObject[] } | { identity: CertificateIdentity };

export interface SigstoreResult {
  findings: Finding[];
  keyId?: string;
  identity?: SignerIdentity;
  /** keyless: the verified certificate's extensions (the source ones are bound to the statement: cert-source.ts) */
  extensions?: CertificateExtension[];
}

export async function checkSigstoreSignature(bundle: Bundle, anchor: SigstoreAnchor, trust: LoadedTrustedRoot, artifact?: Uint8Array): Promise<SigstoreResult> {
  const keyed = bundle.verificationMaterial.content.$case === "publicKey";
  if ("keys" in anchor && !keyed) {
    // The Verifier checks a certificate against the trusted root and never asks
    // for a key: a --key here would be silently ignored, and any Fulcio identity accepted.
    return fail("SIGNATURE_INVALID", "verificationMaterial", "the bundle is signed with a certificate (keyless), so a --key cannot vouch for it; verify it with --certificate-identity and --certificate-oidc-issuer", "a bundle signed with the given key", "a certificate");
  }
  if ("identity" in anchor && keyed) {
    return fail("SIGNATURE_INVALID", "verificationMaterial.publicKey", "the bundle is signed with a key, not a certificate, so it has no identity to check; verify it with --key PUB", "a Fulcio certificate", "a public key");
  }
  // A root that lists no transparency log is a private instance's (GitHub's for private
  // repositories): its bundles have no log entry, and an RFC 3161 timestamp from the root's
  // own TSA is the only time they carry. Decided by the root the verifier chose, never by
  // the bundle or a flag its bearer could pass; a root that lists a log still requires an entry.
  const noLog = trust.root.tlogs.length === 0;
  if (bundle.verificationMaterial.tlogEntries.length === 0 && !noLog) {
    // said plainly here: the library would report it as a missing timestamp
    return fail("TLOG_INVALID", "verificationMaterial.tlogEntries", `the bundle carries no transparency-log entry, and verifying against ${trust.name} needs one (a bunseal key-signed bundle verifies offline with --key alone, without --trusted-root)`, "at least one log entry", "none");
  }
  const thresholds = noLog ? { tlogThreshold: 0, timestampThreshold: 1 } : {};
  // Likewise a root with no CT log (GitHub's private instance lists CAs and TSAs only): its
  // certificates carry no SCT, and one that does could not verify against it anyway.
  const ctlogThreshold = trust.root.ctlogs.length === 0 ? 0 : 1;
  const { Verifier, toSignedEntity, toTrustMaterial } = await import("@sigstore/verify");
  let entity: ReturnType<typeof toSignedEntity>;
  try {
    entity = toSignedEntity(bundle, artifact ? Buffer.from(artifact) : undefined);
  } catch (error) {
    return { findings: [toFinding(error, trust.name)] }; // read-bundle.ts parsed this material already; fail closed all the same
  }

  if ("identity" in anchor) {
    try {
      // one verified timestamp always; one log entry and one SCT unless the root lists no such log
      const signer = new Verifier(toTrustMaterial(trust.root), { ...thresholds, ctlogThreshold }).verify(entity);
      const identity = { subjectAlternativeName: signer.identity?.subjectAlternativeName, issuer: signer.identity?.extensions?.issuer };
      return { findings: checkIdentity(anchor.identity, identity), identity, extensions: signer.identity?.oids ?? [] };
    } catch (error) {
      return { findings: [toFinding(error, trust.name)] };
    }
  }
  const errors: { keyId: string; error: unknown }[] = [];
  for (const key of anchor.keys) {
    // A key has no validity period of its own, so any verified time is within it.
    const material = toTrustMaterial(trust.root, () => ({ publicKey: key, validFor: () => true }));
    try {
      // A key-signed bundle has no certificate, so no SCT; the log entry and a timestamp are still required.
      new Verifier(material, { ctlogThreshold: 0, ...thresholds }).verify(entity);
      return { findings: [], keyId: keyIdOf(key) };
    } catch (error) {
      errors.push({ keyId: keyIdOf(key), error });
    }
  }
  const finding = toFinding(errors[0]?.error, trust.name);
  if (errors.length > 1) finding.message += ` (with each of the ${errors.length} keys: ${errors.map((e) => `${e.keyId.slice(0, 16)}…: ${(e.error as Error).message}`).join("; ")})`;
  return { findings: [finding] };
}

const BY_LIBRARY_CODE: Record<string, { code: ReasonCode; field: string; what: string }> = {
  CERTIFICATE_ERROR: { code: "CERTIFICATE_INVALID", field: "verificationMaterial.certificate", what: "the signing certificate does not verify" },
  TLOG_ERROR: { code: "TLOG_INVALID", field: "verificationMaterial.tlogEntries", what: "the transparency-log entries do not verify" },
  TLOG_BODY_ERROR: { code: "TLOG_INVALID", field: "verificationMaterial.tlogEntries", what: "the transparency-log entry is not about this signature" },
  TLOG_INCLUSION_PROOF_ERROR: { code: "TLOG_INVALID", field: "verificationMaterial.tlogEntries.inclusionProof", what: "the log's inclusion proof or checkpoint does not verify" },
  TLOG_INCLUSION_PROMISE_ERROR: { code: "TLOG_INVALID", field: "verificationMaterial.tlogEntries.inclusionPromise", what: "the log's signed entry timestamp does not verify" },
  TLOG_MISSING_INCLUSION_ERROR: { code: "TLOG_INVALID", field: "verificationMaterial.tlogEntries", what: "the log entry proves no inclusion" },
  TIMESTAMP_ERROR: { code: "TIMESTAMP_INVALID", field: "verificationMaterial.timestampVerificationData", what: "the timestamps do not verify" },
  PUBLIC_KEY_ERROR: { code: "SIGNATURE_INVALID", field: "verificationMaterial.publicKey", what: "the signing key is not trusted" },
  SIGNATURE_ERROR: { code: "SIGNATURE_INVALID", field: "signature", what: "the signature does not verify" },
};

function toFinding(error: unknown, rootName: string): Finding {
  const libraryCode = (error as { code?: string } | undefined)?.code ?? "";
  const message = error instanceof Error ? error.message : String(error);
  const known = BY_LIBRARY_CODE[libraryCode];
  // Anything else is the library failing on attacker-shaped input it did not
  // expect: still a "no" (fail closed), with its own words as the reason.
  if (!known) return { code: "SIGNATURE_INVALID", field: "signature", message: `the bundle could not be verified: ${message}`, expected: "a bundle @sigstore/verify accepts", found: message };
  return { code: known.code, field: known.field, message: `${known.what} against ${rootName}: ${message}`, expected: `evidence that verifies against ${rootName}`, found: `${libraryCode}: ${message}` };
}

function fail(code: ReasonCode, field: string, message: string, expected: string, found: string): SigstoreResult {
  return { findings: [{ code, field, message, expected, found }] };
}
