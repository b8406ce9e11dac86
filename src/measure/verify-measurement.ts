/**
 * `bunseal verify ART --bundle ART.measurement.sigstore.json --predicate-type
 * https://bunseal.dev/runtime-measurement/v1`: a measurement checked as verify
 * checks every bundle (parse → signature → subject → statement), its
 * predicate against the measurement schema. Verified means the trusted signer
 * signed this measurement of this artifact; what it measured (passed or not)
 * is reported beside, and read only once the signature verified.
 */
import { describeIssues } from "../util/schema-issues.ts";
import type { Finding } from "../verify/finding.ts";
import { verifyBundle, type Verified, type VerifyReport, type VerifyRequest } from "../verify/verify-bundle.ts";
import { MEASUREMENT_PREDICATE_TYPE, MeasurementPredicateSchema, type MeasurementPredicate } from "./predicate.ts";

export interface MeasurementVerifyReport extends VerifyReport {
  /** what the measurement says: only when everything verified (an unverified one is attacker-controlled) */
  measurement: MeasurementSummary | null;
  verifiedMeasurement?: Verified<MeasurementPredicate>;
}

export interface MeasurementSummary {
  service: string;
  measuredAt: string;
  runs: number;
  passed: boolean;
  findings: MeasurementPredicate["verdict"]["findings"];
  figures: MeasurementPredicate["figures"];
  against: { name: string; sha256: string; env?: string; ratios: NonNullable<MeasurementPredicate["against"]>["ratios"] } | null;
  machine: MeasurementPredicate["machine"];
}

export async function verifyMeasurement(request: Omit<VerifyRequest, "predicateType">): Promise<MeasurementVerifyReport> {
  const report = await verifyBundle({ ...request, predicateType: MEASUREMENT_PREDICATE_TYPE });
  const { verifiedPayload, verifiedStatement: _provenance, ...rest } = report;
  const failures: Finding[] = [...report.failures];
  let predicate: MeasurementPredicate | undefined;
  if (verifiedPayload) {
    const parsed = MeasurementPredicateSchema.safeParse(verifiedPayload.predicate, { reportInput: true });
    if (parsed.success) predicate = parsed.data;
    else for (const p of describeIssues(parsed.error.issues)) failures.push({ code: "STATEMENT_INVALID", field: `predicate${p.field === "(top level)" ? "" : `.${p.field}`}`, message: "the runtime measurement does not match its schema", expected: p.expected, found: p.found });
  }
  const verified = report.verified && predicate !== undefined && failures.length === 0;
  return {
    ...rest,
    statement: undefined,
    verified,
    failures,
    measurement: verified && predicate ? summarize(predicate) : null,
    verifiedMeasurement: verified && predicate ? (predicate as Verified<MeasurementPredicate>) : undefined,
  };
}

export function summarize(p: MeasurementPredicate): MeasurementSummary {
  return {
    service: p.service,
    measuredAt: p.measuredAt,
    runs: p.runs,
    passed: p.verdict.passed,
    findings: p.verdict.findings,
    figures: p.figures,
    against: p.against ? { name: p.against.artifact.name, sha256: p.against.artifact.digest.sha256, ...(p.against.env !== undefined ? { env: p.against.env } : {}), ratios: p.against.ratios } : null,
    machine: p.machine,
  };
}
