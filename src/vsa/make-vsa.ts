/**
 * The Verification Summary statement, planned as a pure value from what the
 * verification established: the artifact it checked, the policy it applied,
 * the attestations it read, and its verdict. Signing and writing it are
 * write-vsa.ts's; nothing here reads a disk or a clock.
 */
import { STATEMENT_TYPE_V1, type Statement } from "../attest/statement.ts";
import { BunsealError } from "../errors.ts";
import type { VerifyReport } from "../verify/verify-bundle.ts";
import { earnedBuildLevel } from "./levels.ts";
import { SLSA_VERSION, VSA_PREDICATE_TYPE, type VsaPredicate } from "./schema.ts";

/** bunseal verify's identity when `--verifier-id` is not given */
export const DEFAULT_VERIFIER_ID = "https://bunseal.dev/verifiers/verify/v1";

/** A descriptor of what the summary names: a policy, or an attestation the verification read. */
export interface NamedDigest {
  uri: string;
  sha256: string;
  /** the document itself, when it is small and says what was checked (the verify flags) */
  content?: Uint8Array;
  mediaType?: string;
}

export interface VsaPlan {
  report: Pick<VerifyReport, "verified" | "artifact" | "signer" | "statement" | "predicateType">;
  verifierId: string;
  /** the verifier's own version, recorded beside its id */
  verifierVersion: string;
  resourceUri: string;
  policy: NamedDigest;
  /** every bundle the verification read, each with the sha256 of its file's bytes */
  inputAttestations: readonly NamedDigest[];
  timeVerified: Date;
}

export function makeVsaStatement(plan: VsaPlan): Statement<VsaPredicate> {
  const artifact = plan.report.artifact;
  // a summary is about an artifact: one verified without its digest names nothing
  if (!artifact) throw new BunsealError("USAGE", "a verification summary needs the artifact it is about; expected an artifact (a file or sha256:<hex>)", { field: "--vsa", expected: "an artifact" });
  const sha256 = artifact.digest.replace(/^sha256:/, "");
  const name = artifact.subject ?? (artifact.path ? artifact.path.split("/").pop() : undefined);
  const earned = earnedBuildLevel(plan.report);
  const passed = plan.report.verified;
  return {
    _type: STATEMENT_TYPE_V1,
    subject: [{ ...(name ? { name } : {}), digest: { sha256 } }],
    predicateType: VSA_PREDICATE_TYPE,
    predicate: {
      verifier: { id: plan.verifierId, version: { bunseal: plan.verifierVersion } },
      timeVerified: plan.timeVerified.toISOString(),
      resourceUri: plan.resourceUri,
      policy: descriptor(plan.policy),
      inputAttestations: plan.inputAttestations.map(descriptor),
      verificationResult: passed ? "PASSED" : "FAILED",
      // earnedBuildLevel says FAILED for a failed verification, so the two fields cannot disagree
      verifiedLevels: [earned.level],
      slsaVersion: SLSA_VERSION,
    },
  };
}

function descriptor(named: NamedDigest): { uri: string; digest: { sha256: string }; mediaType?: string; content?: string } {
  return {
    uri: named.uri,
    digest: { sha256: named.sha256 },
    ...(named.mediaType ? { mediaType: named.mediaType } : {}),
    ...(named.content ? { content: Buffer.from(named.content).toString("base64") } : {}),
  };
}
