/**
 * `verify --vsa OUT`, as a checklist, after the verification has run:
 *   decide → plan → sign → write
 * A summary is written only of a verification that passed, unless the caller
 * asks for a FAILED one too (`--vsa-on-failure`): a consumer that trusts the
 * verifier must never find a summary that does not say what happened.
 */
import type { Signer } from "../sign/signer.ts";
import { sha256Hex } from "../util/digest.ts";
import type { VerifyReport } from "../verify/verify-bundle.ts";
import { VERSION } from "../version.ts";
import { DEFAULT_VERIFIER_ID, makeVsaStatement, type NamedDigest } from "./make-vsa.ts";
import { fileUri } from "./policy-descriptor.ts";
import { writeVsa, type WrittenVsa } from "./write-vsa.ts";

export interface EmitVsaRequest {
  report: VerifyReport;
  /** the bundle verified, as the very bytes the verification read */
  bundle: { path: string; bytes: Uint8Array };
  policy: NamedDigest;
  verifierId?: string;
  resourceUri: string;
  signer: Signer;
  outPath: string;
  /** write a FAILED summary when the verification failed (otherwise nothing is written) */
  onFailure: boolean;
  now: Date;
}

export interface EmittedVsa extends WrittenVsa {
  verificationResult: "PASSED" | "FAILED";
  verifiedLevels: string[];
}

export async function emitVsa(request: EmitVsaRequest): Promise<EmittedVsa | null> {
  // decide
  if (!request.report.verified && !request.onFailure) return null;
  // plan
  const statement = makeVsaStatement({
    report: request.report,
    verifierId: request.verifierId ?? DEFAULT_VERIFIER_ID,
    verifierVersion: VERSION,
    resourceUri: request.resourceUri,
    policy: request.policy,
    inputAttestations: [{ uri: fileUri(request.bundle.path), sha256: sha256Hex(request.bundle.bytes) }],
    timeVerified: request.now,
  });
  // sign, write
  const written = await writeVsa(statement, request.signer, request.outPath);
  return { ...written, verificationResult: statement.predicate.verificationResult, verifiedLevels: [...statement.predicate.verifiedLevels] };
}
