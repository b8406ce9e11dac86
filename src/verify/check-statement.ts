/**
 * Verify stage `statement`: the payload is an in-toto Statement v1, and what
 * its predicate must be depends on who vouched for it (`StatementRules`):
 * - under a key, SLSA Provenance v1 (bunseal's keys also sign pins and rebuild
 *   attestations, which are about artifacts too and must not pass for provenance);
 * - under a certificate identity, any predicate, as any Sigstore verifier
 *   accepts it (the conformance suite's are stubs, not valid SLSA).
 * Either way, a predicate that claims bunseal's build type must be valid SLSA
 * Provenance v1 with exactly bunseal's parameters: whoever signed it, bunseal
 * never reads a claim in its own name that it did not define.
 */
import { BUILD_TYPE } from "../attest/build-type-uri.ts";
import { IN_TOTO_PAYLOAD_TYPE } from "../attest/pae.ts";
import { ProvenanceV1Schema, SLSA_PROVENANCE_V1, type ProvenanceV1 } from "../attest/slsa-provenance.ts";
import { StatementSchema, type Statement } from "../attest/statement.ts";
import { describeValue } from "../errors.ts";
import { MEASUREMENT_PREDICATE_TYPE } from "../measure/predicate-type.ts";
import { describeIssues } from "../util/schema-issues.ts";
import type { Finding } from "./finding.ts";
import { SBOM_PREDICATE_TYPE } from "./sbom-predicate-type.ts";

export { SBOM_PREDICATE_TYPE };

/**
 * `provenance`: the predicate must be SLSA provenance v1. `any-predicate`: any predicate not claiming bunseal's build type passes unexamined.
 * `{predicateType}`: exactly that predicate type, its predicate left to the caller (a Verification Summary is judged by src/vsa).
 */
export type StatementRules = "provenance" | "any-predicate" | { predicateType: string };

const SLSA_PROVENANCE_PREFIX = "https://slsa.dev/provenance/";

export interface StatementResult {
  /** the statement, when it is one (whatever its predicate) */
  statement?: Statement<unknown>;
  /** the same statement, when its predicate is valid SLSA provenance v1 */
  provenance?: Statement<ProvenanceV1>;
  findings: Finding[];
}

export function checkStatement(payloadType: string, payload: Uint8Array, rules: StatementRules = "provenance"): StatementResult {
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
  const parsed = StatementSchema.safeParse(json, { reportInput: true });
  if (!parsed.success) {
    findings.push(...schemaFindings(parsed.error.issues, ""));
    return { findings };
  }
  findings.push(...checkSubjectDigests(parsed.data.subject));
  const normalised = { ...parsed.data, subject: parsed.data.subject.map(lowerCaseDigests) };
  const statement = normalised as Statement<unknown>;
  if (typeof rules === "object") {
    if (statement.predicateType !== rules.predicateType) findings.push({ code: "PREDICATE_TYPE_MISMATCH", field: "predicateType", message: "the statement is not of the predicate type this verification takes", expected: rules.predicateType, found: statement.predicateType });
    return { statement, findings };
  }
  if (statement.predicateType === SBOM_PREDICATE_TYPE) {
    // under a certificate identity too: build --keyless --sbom signs it as the same workflow as the provenance
    findings.push({ code: "PREDICATE_TYPE_MISMATCH", field: "predicateType", message: `the statement is an SBOM attestation, not SLSA provenance (verify it as one with --predicate-type ${SBOM_PREDICATE_TYPE})`, expected: SLSA_PROVENANCE_V1, found: statement.predicateType });
    return { statement, findings };
  }
  if (statement.predicateType === MEASUREMENT_PREDICATE_TYPE) {
    // signed by the same key as the provenance (bunseal measure --key), so it must never pass for it; say what it is
    findings.push({ code: "PREDICATE_TYPE_MISMATCH", field: "predicateType", message: `the statement is a runtime measurement, not SLSA provenance (verify it as one with --predicate-type ${MEASUREMENT_PREDICATE_TYPE})`, expected: SLSA_PROVENANCE_V1, found: statement.predicateType });
    return { statement, findings };
  }
  const claimsBunseal = (statement.predicate as { buildDefinition?: { buildType?: unknown } }).buildDefinition?.buildType === BUILD_TYPE;
  if (rules === "any-predicate" && !claimsBunseal) {
    // not judged, but read as provenance when it is valid SLSA v1, for the summary and the expectations
    const slsa = statement.predicateType === SLSA_PROVENANCE_V1 ? ProvenanceV1Schema.safeParse(statement.predicate) : undefined;
    return { statement, provenance: slsa?.success ? { ...normalised, predicate: slsa.data } : undefined, findings };
  }
  if (statement.predicateType !== SLSA_PROVENANCE_V1) {
    // another version of SLSA provenance is provenance bunseal cannot read (STATEMENT_INVALID, as it always was);
    // any other predicate (a pin, a rebuild attestation) is a statement of the wrong kind
    const otherSlsa = statement.predicateType.startsWith(SLSA_PROVENANCE_PREFIX);
    findings.push({ code: otherSlsa ? "STATEMENT_INVALID" : "PREDICATE_TYPE_MISMATCH", field: "predicateType", message: otherSlsa ? "the statement claims a version of SLSA provenance bunseal cannot check" : "the statement is not SLSA provenance", expected: SLSA_PROVENANCE_V1, found: statement.predicateType });
    return { statement, findings };
  }
  const predicate = ProvenanceV1Schema.safeParse(statement.predicate, { reportInput: true });
  if (!predicate.success) {
    findings.push(...schemaFindings(predicate.error.issues, "predicate."));
    return { statement, findings };
  }
  const definition = predicate.data.buildDefinition;
  if (definition.buildType === BUILD_TYPE) {
    // required here, not imported: the parameters' schemas (the config's build options under them) are
    // built for a statement that claims bunseal's build type, never for another's (a keyless verify of any predicate)
    const { ExternalParametersSchema, InternalParametersSchema } = require("../attest/build-type.ts") as typeof import("../attest/build-type.ts");
    const external = ExternalParametersSchema.safeParse(definition.externalParameters, { reportInput: true });
    if (!external.success) findings.push(...schemaFindings(external.error.issues, "predicate.buildDefinition.externalParameters."));
    const internal = InternalParametersSchema.safeParse(definition.internalParameters, { reportInput: true });
    if (!internal.success) findings.push(...schemaFindings(internal.error.issues, "predicate.buildDefinition.internalParameters."));
  }
  return { statement, provenance: { ...normalised, predicate: predicate.data }, findings };
}

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

/**
 * A subject's sha256 is what the artifact is matched by, so it must be one: 64
 * hex digits. Any other length could match no artifact, or (as a prefix) be
 * read by a careless consumer as matching several; refused, not skipped.
 */
function checkSubjectDigests(subjects: readonly { digest: Record<string, string> }[]): Finding[] {
  const findings: Finding[] = [];
  subjects.forEach((s, i) => {
    const sha256 = s.digest.sha256;
    if (sha256 !== undefined && !SHA256_HEX.test(sha256)) {
      findings.push({ code: "STATEMENT_INVALID", field: `subject[${i}].digest.sha256`, message: "a subject's sha256 digest is not 64 hex digits", expected: "64 hex digits (a sha256)", found: describeValue(sha256) });
    }
  });
  return findings;
}

/**
 * Digests are lower-case hex at every boundary (the store normalises them the
 * same way, with parseDigest). The in-toto spec asks producers for lower case,
 * but hex names the same bytes in either case, and the signature covers the
 * statement as written: so a subject in upper case is matched case-insensitively
 * rather than refused, and what verify returns and reports (the statement, the
 * Verified<Statement> the store and rebuild read) is the lower-case form. Two
 * spellings of one digest must never be two keys downstream: one would pass a
 * lookup the other fails.
 */
function lowerCaseDigests<S extends { digest: Record<string, string> }>(subject: S): S {
  return { ...subject, digest: Object.fromEntries(Object.entries(subject.digest).map(([algorithm, hex]) => [algorithm, hex.toLowerCase()])) };
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
