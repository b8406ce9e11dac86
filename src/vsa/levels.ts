/**
 * Which SLSA Build level a passed verification earns, per kind of build.
 * Pure: it reads only what the verifier established (who signed, whether the
 * statement was provenance), never what an unverified statement claims about
 * itself. The README's "Verification Summary Attestation" section explains
 * each answer, and why no bunseal build earns level 3.
 *
 * - No provenance (a bare signature, or another predicate): level 0.
 * - Provenance signed with a key: level 1. Provenance exists and is signed,
 *   but the key lives wherever its holder keeps it; nothing shows the build ran
 *   on a build platform rather than a laptop.
 * - Provenance signed keylessly by a CI platform's workflow identity (an OIDC
 *   issuer of a hosted CI, the certificate checked against the trusted root
 *   and the signature logged): level 2. The platform's identity vouches for
 *   the provenance, and it cannot be changed after the build without breaking
 *   the signature.
 * - Level 3 is never claimed: the signing identity is the workflow job's, and
 *   any step of that job the project defines can ask for the same token, so
 *   the signing material is not isolated from the build's tenant.
 */
import type { VerifyReport } from "../verify/verify-bundle.ts";
import { FAILED_LEVEL, type BuildLevel } from "./schema.ts";

/**
 * OIDC issuers of hosted CI platforms whose tokens name a workflow (not a
 * person). An issuer not listed here (a person's Google or GitHub login, a
 * private CI) earns level 1 for keyless provenance.
 */
export const HOSTED_CI_ISSUERS: readonly string[] = ["https://token.actions.githubusercontent.com", "https://gitlab.com"];

export interface EarnedLevel {
  level: BuildLevel | typeof FAILED_LEVEL;
  /** one sentence, for people: why this level and not the next */
  reason: string;
}

export function earnedBuildLevel(report: Pick<VerifyReport, "verified" | "signer" | "statement" | "predicateType">): EarnedLevel {
  if (!report.verified) return { level: FAILED_LEVEL, reason: "the verification failed" };
  if (!report.statement) return { level: "SLSA_BUILD_LEVEL_0", reason: `no SLSA provenance was verified (${report.predicateType ? `a ${report.predicateType} statement` : "a signature over the bytes"})` };
  if (report.signer?.keyId) return { level: "SLSA_BUILD_LEVEL_1", reason: "provenance signed with a key, which shows who signed but not that a build platform built it" };
  if (report.signer?.issuer && HOSTED_CI_ISSUERS.includes(report.signer.issuer)) {
    return { level: "SLSA_BUILD_LEVEL_2", reason: `provenance signed keylessly by a workflow identity of ${report.signer.issuer}, a hosted CI platform` };
  }
  return { level: "SLSA_BUILD_LEVEL_1", reason: `provenance signed keylessly by ${report.signer?.identity ?? "an identity"} of ${report.signer?.issuer ?? "an issuer"}, which is not a hosted CI platform bunseal knows` };
}
