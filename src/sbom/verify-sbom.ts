/**
 * Verifying an SBOM attestation (`build --sbom`): the signature by a trusted
 * signer, the artifact as its subject, and a predicate that is a CycloneDX
 * document. What the SBOM then lists is the signer's word about the artifact.
 */
import { z } from "../vendor/zod.js";
import { describeIssues } from "../util/schema-issues.ts";
import type { Finding } from "../verify/finding.ts";
import type { VerifyRequest, VerifyReport } from "../verify/verify-bundle.ts";
import { CYCLONEDX_PREDICATE_TYPE } from "./cyclonedx.ts";

/** The parts of a CycloneDX BOM a reader of the attestation relies on; the rest is CycloneDX's schema's business. */
const BomSchema = z.looseObject({
  bomFormat: z.literal("CycloneDX"),
  specVersion: z.string().regex(/^1\.\d+$/),
  components: z.array(z.looseObject({ name: z.string().min(1) })).optional(),
});

export interface SbomVerifyReport extends VerifyReport {
  /** shown only when everything verified */
  sbom: { specVersion: string; components: number; serialNumber: string | null } | null;
}

export async function verifySbomAttestation(request: Omit<VerifyRequest, "predicateType">): Promise<SbomVerifyReport> {
  const { verifyBundle } = await import("../verify/verify-bundle.ts");
  const report = await verifyBundle({ ...request, predicateType: CYCLONEDX_PREDICATE_TYPE });
  const { verifiedPayload, verifiedStatement: _provenance, statement: _statement, ...rest } = report;
  const failures: Finding[] = [...report.failures];
  const predicate = (verifiedPayload as { predicate?: unknown } | undefined)?.predicate;
  let sbom: SbomVerifyReport["sbom"] = null;
  if (report.verified) {
    const parsed = BomSchema.safeParse(predicate, { reportInput: true });
    if (!parsed.success) {
      for (const p of describeIssues(parsed.error.issues)) failures.push({ code: "STATEMENT_INVALID", field: `predicate${p.field === "(top level)" ? "" : `.${p.field}`}`, message: "the attested SBOM is not a CycloneDX document", expected: p.expected, found: p.found });
    } else {
      sbom = { specVersion: parsed.data.specVersion, components: parsed.data.components?.length ?? 0, serialNumber: typeof parsed.data.serialNumber === "string" ? parsed.data.serialNumber : null };
    }
  }
  return { ...rest, verified: failures.length === 0, failures, sbom };
}
