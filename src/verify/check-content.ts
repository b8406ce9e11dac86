/**
 * Verify stages `subject → statement → policy`, on what the bundle signs:
 * a DSSE envelope's in-toto statement, or (in a published Sigstore bundle) a
 * bare signature over the artifact's bytes. The library checks signatures, not
 * subjects: without the subject check a valid signature over some other
 * artifact's statement would pass.
 */
import { createHash } from "node:crypto";
import type { Bundle } from "@sigstore/bundle";
import type { ProvenanceV1 } from "../attest/slsa-provenance.ts";
import type { Statement } from "../attest/statement.ts";
import type { ArtifactTarget } from "./artifact-target.ts";
import type { StatementRules } from "./check-statement.ts";
import { checkSubject } from "./check-subject.ts";
import { checkExpectations, expectationsWithoutProvenance, type Expectations } from "./expectations.ts";
import type { Finding } from "./finding.ts";
import type { SandboxFacts } from "./check-sandbox.ts";

export interface ContentResult {
  findings: Finding[];
  /** the sandbox a bunseal statement records (src/verify/check-sandbox.ts) */
  sandbox?: SandboxFacts;
  statement?: Statement<unknown>;
  provenance?: Statement<ProvenanceV1>;
  subjectName?: string;
}

export interface ContentRules {
  /** what a DSSE statement's predicate must be */
  statement: StatementRules;
  /** whether a bare signature over the artifact is acceptable (only in a published, logged bundle) */
  bareSignature: boolean;
}

export async function checkContent(bundle: Bundle, artifact: ArtifactTarget | undefined, artifactBytes: Uint8Array | undefined, rules: ContentRules, expected: Expectations): Promise<ContentResult> {
  if (bundle.content.$case === "messageSignature") {
    // bunseal's own key-signed bundles are always attestations; a bare signature in that format is not one
    if (!rules.bareSignature) {
      return { findings: [{ code: "STATEMENT_INVALID", field: "messageSignature", message: "the bundle signs a bare message, not an attestation", expected: "a DSSE envelope with an in-toto statement", found: "messageSignature" }] };
    }
    return { findings: [...checkMessageDigest(bundle.content.messageSignature.messageDigest, artifact, artifactBytes), ...expectationsWithoutProvenance(expected, "a bare signature over the artifact")] };
  }
  const envelope = bundle.content.dsseEnvelope;
  // the statement schemas (in-toto, SLSA, bunseal's build type and config) are loaded only for a statement
  const [{ checkStatement }, { checkSandbox, sandboxOf }] = await Promise.all([import("./check-statement.ts"), import("./check-sandbox.ts")]);
  const checked = checkStatement(envelope.payloadType, envelope.payload, rules.statement);
  const findings: Finding[] = [];
  let subjectName: string | undefined;
  if (checked.statement && artifact) {
    const subject = checkSubject(checked.statement, artifact.sha256);
    if (subject.finding) findings.push(subject.finding);
    subjectName = subject.name;
  }
  findings.push(...checked.findings);
  const sandbox = checked.provenance ? sandboxOf(checked.provenance) : undefined;
  if (checked.provenance) findings.push(...checkExpectations(checked.provenance, expected), ...checkSandbox(sandbox, expected.allowUnsandboxed));
  else if (checked.statement) findings.push(...expectationsWithoutProvenance(expected, `a ${checked.statement.predicateType} statement`));
  return { findings, statement: checked.statement, provenance: checked.provenance, subjectName, ...(sandbox ? { sandbox } : {}) };
}

// protobuf-specs' HashAlgorithm enum, by number (bundle-schema.ts admits only these, so UNSPECIFIED never gets here)
const NODE_HASH: Record<number, string> = { 1: "sha256", 2: "sha384", 3: "sha512", 4: "sha3-256", 5: "sha3-384" };

/**
 * The bundle's messageDigest is an unsigned hint (the signature covers the
 * bytes themselves), but a bundle whose hint names other bytes is inconsistent,
 * and the transparency log recorded that digest: it is refused.
 */
function checkMessageDigest(digest: { algorithm: number; digest: Buffer }, artifact: ArtifactTarget | undefined, bytes: Uint8Array | undefined): Finding[] {
  if (!artifact || !bytes) return [];
  const algorithm = NODE_HASH[digest.algorithm] ?? "sha256";
  const actual = createHash(algorithm).update(bytes).digest();
  if (actual.equals(digest.digest)) return [];
  return [{ code: "SUBJECT_MISMATCH", field: "messageSignature.messageDigest", message: "the bundle's message digest is not the artifact's", expected: `${algorithm}:${actual.toString("hex")} (the artifact)`, found: `${algorithm}:${digest.digest.toString("hex")}` }];
}
