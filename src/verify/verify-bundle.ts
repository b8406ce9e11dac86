/**
 * `bunseal verify`, as a checklist:
 *   parse → signature → subject → statement → policy
 * Every stage runs even when an earlier one failed (as far as its input
 * exists), and the verdict is taken from all findings together.
 */
import type { KeyObject } from "node:crypto";
import type { ProvenanceV1 } from "../attest/slsa-provenance.ts";
import type { Statement } from "../attest/statement.ts";
import { BunsealError } from "../errors.ts";
import { parseDigest, sha256File } from "../util/digest.ts";
import { checkKeySignature } from "./check-signature.ts";
import { checkStatement } from "./check-statement.ts";
import { checkSubject } from "./check-subject.ts";
import { checkExpectations, type Expectations } from "./expectations.ts";
import type { Finding } from "./finding.ts";
import { parseBundle, readBundle } from "./read-bundle.ts";

declare const verifiedBrand: unique symbol;
/** A statement that passed every check. Only this module makes one; code that needs trust takes this type. */
export type Verified<T> = T & { readonly [verifiedBrand]: true };

export interface VerifyRequest {
  /** a path to the artifact, or `sha256:<hex>` */
  /**
   * A path to the artifact, or `sha256:<hex>`. Absent only where the caller
   * checks the subjects itself by other means (`bunseal rebuild` compares the
   * bytes it rebuilds against them); the report then says it checked none.
   */
  artifact: string | undefined;
  /** the bundle file; with `bundleBytes`, only its name for messages */
  bundlePath: string;
  /** the bundle itself, when it does not come from a file (the store keeps bundles) */
  bundleBytes?: Uint8Array;
  keys: readonly KeyObject[];
  expectations: Expectations;
}

export interface VerifyReport {
  verified: boolean;
  /** null when no artifact was given (the statement alone was verified) */
  artifact: { digest: string; path?: string; subject?: string } | null;
  bundle: { path: string };
  signer?: { keyId: string };
  failures: Finding[];
  /**
   * The payload, when it parsed as a statement: UNVERIFIED unless `verified`
   * is true (then `verifiedStatement` carries the same value, typed). It is
   * here so a failure can be explained, never to be trusted.
   */
  statement?: Statement<ProvenanceV1>;
}

export async function verifyBundle(request: VerifyRequest): Promise<VerifyReport & { verifiedStatement?: Verified<Statement<ProvenanceV1>> }> {
  if (request.keys.length === 0) {
    // Fail closed: "no key" must never mean "any key".
    throw new BunsealError("USAGE", "no key to verify with; expected --key PUB (keyless verification comes with --certificate-identity)", { field: "--key", expected: "at least one public key" });
  }
  // parse
  const artifact = request.artifact === undefined ? undefined : await resolveArtifact(request.artifact);
  const { bundle } = request.bundleBytes ? await parseBundle(request.bundleBytes, request.bundlePath) : await readBundle(request.bundlePath);
  const failures: Finding[] = [];

  // signature
  // A message signature covers the artifact's bytes, not a statement, so it needs them.
  const artifactBytes = bundle.content.$case === "messageSignature" && artifact?.path ? await Bun.file(artifact.path).bytes() : undefined;
  const signature = await checkKeySignature(bundle, request.keys, artifactBytes);
  if (signature.finding) failures.push(signature.finding);

  // statement (read before the subject check, which needs its subjects)
  let statement: Statement<ProvenanceV1> | undefined;
  let subjectName: string | undefined;
  if (bundle.content.$case === "dsseEnvelope") {
    const envelope = bundle.content.dsseEnvelope;
    const checked = checkStatement(envelope.payloadType, envelope.payload);
    statement = checked.statement;
    // subject
    if (statement && artifact) {
      const subject = checkSubject(statement, artifact.sha256);
      if (subject.finding) failures.push(subject.finding);
      subjectName = subject.name;
    }
    failures.push(...checked.findings);
    // policy
    if (statement) failures.push(...checkExpectations(statement, request.expectations));
  } else {
    failures.push({ code: "STATEMENT_INVALID", field: "messageSignature", message: "the bundle signs a bare message, not an attestation", expected: "a DSSE envelope with an in-toto statement", found: "messageSignature" });
  }

  const verified = failures.length === 0 && statement !== undefined;
  dedupe(failures);
  return {
    verified,
    artifact: artifact ? { digest: `sha256:${artifact.sha256}`, path: artifact.path, subject: subjectName } : null,
    bundle: { path: request.bundlePath },
    signer: signature.keyId ? { keyId: signature.keyId } : undefined,
    failures,
    statement,
    verifiedStatement: verified ? (statement as Verified<Statement<ProvenanceV1>>) : undefined,
  };
}

/** One defect can trip two schema rules on the same field; say it once. */
function dedupe(failures: Finding[]): void {
  const seen = new Set<string>();
  for (let i = failures.length - 1; i >= 0; i--) {
    const key = `${failures[i]!.code} ${failures[i]!.field ?? ""}`;
    if (seen.has(key)) failures.splice(i, 1);
    seen.add(key);
  }
}

async function resolveArtifact(target: string): Promise<{ sha256: string; path?: string }> {
  if (target.startsWith("sha256:")) {
    const hex = parseDigest(target);
    if (!hex) throw new BunsealError("USAGE", `expected sha256:<64 hex digits>, got ${JSON.stringify(target)}`, { field: "FILE_OR_DIGEST", expected: "sha256:<64 hex>", found: target });
    return { sha256: hex };
  }
  try {
    const { hex } = await sha256File(target);
    return { sha256: hex, path: target };
  } catch (cause) {
    throw new BunsealError("INPUT_UNREADABLE", `${target}: cannot read the artifact (${(cause as Error).message}); expected a file or sha256:<hex>`, { file: target, expected: "a readable artifact file or a digest", cause });
  }
}
