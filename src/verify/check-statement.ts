/**
 * Verify stage `statement`: the payload is an in-toto Statement v1 with a SLSA
 * Provenance v1 predicate, and when it claims bunseal's build type, its
 * parameters have exactly bunseal's shape.
 */
import { BUILD_TYPE, ExternalParametersSchema, InternalParametersSchema } from "../attest/build-type.ts";
import { IN_TOTO_PAYLOAD_TYPE } from "../attest/dsse.ts";
import { ProvenanceV1Schema, SLSA_PROVENANCE_V1, type ProvenanceV1 } from "../attest/slsa-provenance.ts";
import { StatementSchema, type Statement } from "../attest/statement.ts";
import { describeIssues } from "../util/schema-issues.ts";
import type { Finding } from "./finding.ts";

export interface StatementResult {
  statement?: Statement<ProvenanceV1>;
  findings: Finding[];
}

export function checkStatement(payloadType: string, payload: Uint8Array): StatementResult {
  const findings: Finding[] = [];
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    findings.push({ code: "STATEMENT_INVALID", field: "dsseEnvelope.payloadType", message: `the envelope's payloadType is not in-toto's`, expected: IN_TOTO_PAYLOAD_TYPE, found: payloadType });
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(payload));
  } catch (error) {
    findings.push({ code: "STATEMENT_INVALID", field: "dsseEnvelope.payload", message: `the payload is not JSON (${(error as Error).message})`, expected: "an in-toto Statement in JSON", found: "unparseable bytes" });
    return { findings };
  }
  const statement = StatementSchema.safeParse(json, { reportInput: true });
  if (!statement.success) {
    findings.push(...schemaFindings(statement.error.issues, ""));
    return { findings };
  }
  if (statement.data.predicateType !== SLSA_PROVENANCE_V1) {
    findings.push({ code: "STATEMENT_INVALID", field: "predicateType", message: "the statement is not SLSA provenance", expected: SLSA_PROVENANCE_V1, found: statement.data.predicateType });
    return { findings };
  }
  const predicate = ProvenanceV1Schema.safeParse(statement.data.predicate, { reportInput: true });
  if (!predicate.success) {
    findings.push(...schemaFindings(predicate.error.issues, "predicate."));
    return { findings };
  }
  const definition = predicate.data.buildDefinition;
  if (definition.buildType === BUILD_TYPE) {
    const external = ExternalParametersSchema.safeParse(definition.externalParameters, { reportInput: true });
    if (!external.success) findings.push(...schemaFindings(external.error.issues, "predicate.buildDefinition.externalParameters."));
    const internal = InternalParametersSchema.safeParse(definition.internalParameters, { reportInput: true });
    if (!internal.success) findings.push(...schemaFindings(internal.error.issues, "predicate.buildDefinition.internalParameters."));
  }
  return { statement: { ...statement.data, predicate: predicate.data }, findings };
}

function schemaFindings(issues: Parameters<typeof describeIssues>[0], prefix: string): Finding[] {
  return describeIssues(issues).map((p) => ({
    code: "STATEMENT_INVALID" as const,
    field: `${prefix}${p.field === "(top level)" ? "" : p.field}`.replace(/\.$/, "") || "(top level)",
    message: `the statement does not match its schema at ${prefix}${p.field}`,
    expected: p.expected,
    found: p.found,
  }));
}
