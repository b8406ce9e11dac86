/**
 * A verification finding: one thing that failed, with a stable reason code.
 * Verify collects every finding before it decides, so a user sees all that is
 * wrong with an artifact at once, not just the first thing.
 */
export type ReasonCode =
  | "SIGNATURE_INVALID"
  | "SUBJECT_MISMATCH"
  | "STATEMENT_INVALID"
  // a valid statement of another predicate type than the one verified (an SBOM attestation given as the provenance)
  | "PREDICATE_TYPE_MISMATCH"
  | "EXPECTATION_FAILED"
  // the record says the build ran without its sandbox, or with the network a policy forbids (src/verify/check-sandbox.ts)
  | "BUILD_UNSANDBOXED"
  | "BUILD_NETWORK"
  // keyless (Sigstore) verification: what @sigstore/verify found, named by the evidence that failed
  | "CERTIFICATE_INVALID"
  | "TLOG_INVALID"
  | "TIMESTAMP_INVALID"
  | "IDENTITY_MISMATCH"
  // the certificate's source extensions (repository, ref, commit) name another source than the statement (src/verify/cert-source.ts)
  | "CERT_SOURCE_MISMATCH"
  // `--policy`: a rule of the verification policy said no
  | "POLICY_FAILED"
  // a Verification Summary (src/vsa) that records a FAILED verification
  | "VSA_FAILED"
  // a bundle kept elsewhere (the store) that no longer parses: reported, not thrown, where a record is shown
  | "BUNDLE_INVALID"
  // a stored record whose columns say other than its signed statement (src/store/record-facts.ts)
  | "STORE_RECORD_MISMATCH";

export interface Finding {
  code: ReasonCode;
  message: string;
  /** where in the statement or bundle, when it applies */
  field?: string;
  expected?: string;
  found?: string;
}
