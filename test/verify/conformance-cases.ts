/**
 * The Sigstore conformance corpus (test/fixtures/sigstore-conformance holds the
 * contents of the `sigstore/` folder its SOURCE.md describes) as a client sees
 * it: each case's arguments under the suite's protocol (defaults from
 * bundle-verify/README.md), and, for each `_fail` case, the reason codes that
 * match the reason its README gives.
 * Shared by conformance.test.ts and bench/verify.ts.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const CONFORMANCE_CORPUS = join(import.meta.dir, "..", "fixtures", "sigstore-conformance", "bundle-verify");
const DEFAULT_IDENTITY = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const DEFAULT_ISSUER = "https://token.actions.githubusercontent.com";

export const CONFORMANCE_CASES = readdirSync(CONFORMANCE_CORPUS, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

/** `verify --bundle FILE (--key PUB | --certificate-identity ID --certificate-oidc-issuer URL) [--trusted-root FILE] FILE_OR_DIGEST` */
export function conformanceArgs(name: string): string[] {
  const file = (f: string) => join(CONFORMANCE_CORPUS, name, f);
  const text = (f: string, fallback: string) => (existsSync(file(f)) ? readFileSync(file(f), "utf8").trim() : fallback);
  const args = ["verify", "--bundle", file("bundle.sigstore.json")];
  if (existsSync(file("key.pub"))) args.push("--key", file("key.pub"));
  else args.push("--certificate-identity", text("identity", DEFAULT_IDENTITY), "--certificate-oidc-issuer", text("issuer", DEFAULT_ISSUER));
  if (existsSync(file("trusted_root.json"))) args.push("--trusted-root", file("trusted_root.json"));
  args.push(existsSync(file("artifact")) ? file("artifact") : join(CONFORMANCE_CORPUS, "a.txt"));
  return args;
}

interface Reason {
  /** the case README's reason, shortened */
  why: string;
  /** a report code (exit 1) or error code (exit 2) that says that reason; one must be present */
  codes: string[];
  /** text the JSON output must contain, where the code alone is too coarse */
  mentions?: string;
}

const TLOG = ["TLOG_INVALID"];
const SIGNED_OTHER = ["TLOG_INVALID", "SIGNATURE_INVALID"];

export const REASONS: Record<string, Reason> = {
  "bundle-empty-certificate-chain_fail": { why: "empty certificate chain", codes: ["BUNDLE_INVALID"], mentions: "x509CertificateChain.certificates" },
  "bundle-from-wrong-instance_fail": { why: "a staging bundle against the production root", codes: ["CERTIFICATE_INVALID", "TLOG_INVALID"] },
  "bundle-invalid-base64-signature_fail": { why: "signature is not base64", codes: ["BUNDLE_INVALID"], mentions: "messageSignature.signature" },
  "bundle-malformed-json_fail": { why: "truncated JSON", codes: ["BUNDLE_INVALID"], mentions: "does not parse" },
  "bundle-negative-log-index_fail": { why: "negative log index", codes: ["BUNDLE_INVALID"], mentions: "logIndex" },
  "bundle-unknown-version_fail": { why: "unknown bundle version", codes: ["BUNDLE_INVALID"], mentions: "mediaType" },
  "bundle-with-root-cert_fail": { why: "the chain contains a root certificate", codes: ["BUNDLE_INVALID"], mentions: "self-signed root certificate" },
  "checkpoint-bad-keyhint_fail": { why: "checkpoint signed by another log", codes: TLOG },
  "checkpoint-wrong-roothash_fail": { why: "checkpoint root hash does not match", codes: TLOG },
  "dsse-invalid-sig_fail": { why: "bad DSSE signature", codes: SIGNED_OTHER },
  "dsse-mismatch-envelope_fail": { why: "envelope is not the logged one", codes: TLOG },
  "dsse-mismatch-sig_fail": { why: "signature is not the logged one", codes: TLOG },
  "inclusion-proof-corrupted-hash_fail": { why: "corrupted proof hash", codes: TLOG },
  "incorrect-public-key_fail": { why: "the log entry's key was modified", codes: TLOG },
  "integrated-time-in-future_fail": { why: "integrated time outside the certificate's validity", codes: ["CERTIFICATE_INVALID"] },
  "intoto-expired-certificate_fail": { why: "certificate outside the CA's validity in the root", codes: ["CERTIFICATE_INVALID"] },
  "intoto-log-entry-mismatch_fail": { why: "log entry is for another artifact", codes: TLOG },
  "intoto-missing-inclusion-proof_fail": { why: "v0.2 entry without an inclusion proof", codes: ["BUNDLE_INVALID"], mentions: "inclusionProof" },
  "intoto-set-outside-signing-cert-validity_fail": { why: "SET time outside the certificate's validity", codes: ["CERTIFICATE_INVALID"] },
  "intoto-tsa-timestamp-outside-cert-validity_fail": { why: "TSA time outside the certificate's validity", codes: ["CERTIFICATE_INVALID", "TIMESTAMP_INVALID"] },
  "invalid-checkpoint-signature_fail": { why: "checkpoint signature is invalid", codes: TLOG },
  "invalid-ct-key_fail": { why: "the CT log key in the root does not verify the SCT", codes: ["CERTIFICATE_INVALID"], mentions: "SCT" },
  // the old proof also lacks its checkpoint, which makes it unverifiable before it is wrong
  "invalid-inclusion-proof_fail": { why: "stale inclusion proof", codes: ["BUNDLE_INVALID", "TLOG_INVALID"], mentions: "inclusionProof" },
  "managed-key-no-key_fail": { why: "key-signed bundle, no key given", codes: ["SIGNATURE_INVALID"], mentions: "--key" },
  // the case's key.pub is the right key with "wrongkey" written into its base64: not a key at all
  "managed-key-wrong-key_fail": { why: "wrong key", codes: ["KEY_INVALID", "SIGNATURE_INVALID"] },
  "message-digest-mismatch_fail": { why: "messageDigest is not the artifact's", codes: ["SUBJECT_MISMATCH"], mentions: "messageSignature.messageDigest" },
  "rekor2-checkpoint-missing-log-signature_fail": { why: "checkpoint without the log's signature", codes: TLOG },
  "rekor2-checkpoint-missing-origin_fail": { why: "checkpoint without origin", codes: TLOG },
  "rekor2-checkpoint-missing-root-hash_fail": { why: "checkpoint without root hash", codes: TLOG },
  "rekor2-checkpoint-missing-size_fail": { why: "checkpoint without size", codes: TLOG },
  "rekor2-checkpoint-no-matching-signature_fail": { why: "no checkpoint signature from the log", codes: TLOG },
  "rekor2-dsse-invalid-sig_fail": { why: "envelope signed by another key", codes: SIGNED_OTHER },
  "rekor2-dsse-mismatch-envelope_fail": { why: "envelope is not the logged one", codes: TLOG },
  "rekor2-dsse-mismatch-sig_fail": { why: "signature is not the logged one", codes: TLOG },
  "rekor2-no-inclusion-proof_fail": { why: "Rekor v2 entry without inclusion proof", codes: ["BUNDLE_INVALID"], mentions: "inclusionProof" },
  "rekor2-no-timestamp_fail": { why: "Rekor v2 entry and no TSA timestamp", codes: ["TIMESTAMP_INVALID"] },
  "rekor2-timestamp-outside-trust-root-tsa-validity_fail": { why: "timestamp outside the TSA's validity in the root", codes: ["TIMESTAMP_INVALID"] },
  "rekor2-timestamp-outside-tsa-cert-validity_fail": { why: "timestamp after the TSA certificate expired", codes: ["TIMESTAMP_INVALID"] },
  "rekor2-timestamp-payload-mismatch_fail": { why: "timestamp over another signature", codes: ["TIMESTAMP_INVALID"] },
  "rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail": { why: "untrusted TSA", codes: ["TIMESTAMP_INVALID"] },
  "rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail": { why: "untrusted TSA", codes: ["TIMESTAMP_INVALID"] },
  "rekor2-timestamp-with-incorrect-time_fail": { why: "timestamp outside the certificate's lifetime", codes: ["CERTIFICATE_INVALID"] },
  "set-invalid-signature_fail": { why: "invalid SET signature", codes: TLOG },
  "signature-mismatch_fail": { why: "incorrect signature", codes: SIGNED_OTHER },
  "trust-root-tlog-missing-validity-start_fail": { why: "trusted root's tlog key has no validFor.start", codes: ["TRUSTED_ROOT_INVALID"], mentions: "validFor.start" },
  "wrong-hashedrekord-artifact_fail": { why: "log entry for another artifact", codes: SIGNED_OTHER },
  "wrong-hashedrekord-cert-and-sig_fail": { why: "log entry for another certificate and signature", codes: SIGNED_OTHER },
  "wrong-hashedrekord-entry_fail": { why: "log entry for another entry", codes: SIGNED_OTHER },
  "wrong-material_fail": { why: "another artifact than the signed one", codes: ["SUBJECT_MISMATCH", "SIGNATURE_INVALID"] },
};
