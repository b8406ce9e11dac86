/**
 * `bunseal verify`, as a checklist:
 *   parse → signature → subject → statement → policy
 * Every stage runs even when an earlier one failed (as far as its input
 * exists), and the verdict is taken from all findings together.
 *
 * Two kinds of bundle, told apart by what vouches for them:
 * - bunseal's own: key-signed, offline, no transparency log. The key is all the
 *   evidence there is.
 * - published Sigstore bundles: keyless (a Fulcio certificate, checked against
 *   a trusted root and an identity), or key-signed and logged. Every log entry
 *   and timestamp is verified against the trusted root, and a bare signature
 *   over the artifact's bytes is accepted as well as a DSSE statement.
 * What a statement must be follows the anchor: under a --key it must be SLSA
 * provenance v1 (strict, as it always was); under a certificate identity any
 * in-toto predicate naming the artifact passes, unless it claims bunseal's
 * build type, which must then have exactly bunseal's shape (check-statement.ts).
 */
import type { KeyObject } from "node:crypto";
import type { ProvenanceV1 } from "../attest/slsa-provenance.ts";
import type { Statement } from "../attest/statement.ts";
import { BunsealError } from "../errors.ts";
import { resolveArtifact } from "./artifact-target.ts";
import { checkContent, type ContentRules } from "./check-content.ts";
import type { SigstoreAnchor } from "./check-sigstore.ts";
import type { Expectations } from "./expectations.ts";
import type { Finding } from "./finding.ts";
import { compileIdentity, type CertificateIdentity } from "./identity.ts";
import { parseBundle, readBundle } from "./read-bundle.ts";

/** src/attest/slsa-provenance.ts's SLSA_PROVENANCE_V1, not imported: that module loads zod, which a bare signature never needs */
const SLSA_PROVENANCE_V1 = "https://slsa.dev/provenance/v1";

declare const verifiedBrand: unique symbol;
/** A statement that passed every check. Only this module makes one; code that needs trust takes this type. */
export type Verified<T> = T & { readonly [verifiedBrand]: true };

export interface VerifyRequest {
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
  /** key mode: the public keys trusted to have signed. Exactly one of `keys` or `identity`. */
  keys?: readonly KeyObject[];
  /** keyless mode: the certificate identity and OIDC issuer that must have signed */
  identity?: CertificateIdentity;
  /**
   * The Sigstore TrustedRoot (a JSON file's path, or the JSON value) for
   * published bundles; default: the public-good production root shipped in
   * @sigstore/tuf. Given in key mode, it also demands that the bundle be logged.
   */
  trustedRoot?: string | Record<string, unknown>;
  expectations: Expectations;
  /**
   * The statement must be of exactly this predicate type, whoever signed it,
   * and its predicate is the caller's to judge (a Verification Summary:
   * src/vsa/verify-vsa.ts); the provenance checks do not run. SLSA provenance
   * v1's own type asks for provenance and its checks, under any anchor. Absent:
   * what the trust anchor demands (see above).
   */
  predicateType?: string;
  /**
   * Keyless: bind the certificate's source extensions to the statement's source whatever its build
   * type (a policy that judges the source asks for it); bunseal's own build type is always bound,
   * and so is a statement verified as provenance by `predicateType` (src/verify/cert-source.ts).
   */
  bindCertificateSource?: boolean;
}

export interface VerifyReport {
  verified: boolean;
  /** null when no artifact was given (the statement alone was verified) */
  artifact: { digest: string; path?: string; subject?: string } | null;
  bundle: { path: string; version?: string; content?: "dsseEnvelope" | "messageSignature"; published?: boolean };
  /** the key (key mode), or the certificate's identity and issuer (keyless), that verified */
  signer?: { keyId?: string; identity?: string; issuer?: string };
  failures: Finding[];
  /**
   * The payload, when it parsed as SLSA provenance: UNVERIFIED unless
   * `verified` is true (then `verifiedStatement` carries the same value, typed).
   * It is here so a failure can be explained, never to be trusted.
   */
  statement?: Statement<ProvenanceV1>;
  /** the statement's predicateType, whatever it is (absent for a bare signature) */
  predicateType?: string;
  /**
   * How a bunseal build's boundary was enforced, as its record says: shown once a trusted
   * signer vouched for the statement (so a BUILD_UNSANDBOXED failure can be explained),
   * never from a statement nobody trusted signed. Absent for other build types.
   */
  build?: { sandbox: { kind: string; network: boolean | null; reads: string | null; reason?: string } };
}

export async function verifyBundle(request: VerifyRequest): Promise<VerifyReport & { verifiedStatement?: Verified<Statement<ProvenanceV1>>; verifiedPayload?: Verified<Statement<unknown>> }> {
  const anchor = trustAnchor(request);
  // parse
  const artifact = request.artifact === undefined ? undefined : await resolveArtifact(request.artifact);
  const { bundle, version } = request.bundleBytes ? await parseBundle(request.bundleBytes, request.bundlePath) : await readBundle(request.bundlePath);
  const content = bundle.content.$case;
  if (content === "messageSignature" && artifact && !artifact.path) {
    throw new BunsealError("USAGE", `${request.bundlePath} signs the artifact's bytes (a message signature), so verifying it needs the artifact file, not its digest`, { field: "FILE_OR_DIGEST", expected: "the artifact's path", found: request.artifact });
  }
  // A message signature covers the artifact's bytes, so it needs them.
  const artifactBytes = content === "messageSignature" && artifact?.path ? await Bun.file(artifact.path).bytes() : undefined;
  // The log entries are attacker-controlled, but a bundle can only become "published" by
  // carrying entries that verify against the trusted root, signed by the trusted signer.
  const published = "identity" in anchor || request.trustedRoot !== undefined || bundle.verificationMaterial.tlogEntries.length > 0;
  const failures: Finding[] = [];

  // signature
  let signer: VerifyReport["signer"];
  let certificateExtensions: import("./cert-source.ts").CertificateExtension[] | undefined;
  // Each kind loads only its own stage: a one-shot CLI pays for every module it imports.
  if (published) {
    const [{ loadTrustedRoot }, { checkSigstoreSignature }] = await Promise.all([import("./trusted-root.ts"), import("./check-sigstore.ts")]);
    const trust = await loadTrustedRoot(request.trustedRoot);
    if (content === "messageSignature" && !artifactBytes) {
      failures.push({ code: "SIGNATURE_INVALID", field: "messageSignature", message: "the bundle signs the artifact's bytes, and no artifact was given to check them against", expected: "the artifact", found: "nothing" });
    } else {
      const result = await checkSigstoreSignature(bundle, anchor, trust, artifactBytes);
      failures.push(...result.findings);
      certificateExtensions = result.extensions;
      if (result.findings.length === 0) signer = result.keyId ? { keyId: result.keyId } : { identity: result.identity?.subjectAlternativeName, issuer: result.identity?.issuer };
    }
  } else {
    const { checkKeySignature } = await import("./check-signature.ts");
    const result = await checkKeySignature(bundle, (anchor as { keys: readonly KeyObject[] }).keys, artifactBytes);
    if (result.finding) failures.push(result.finding);
    if (result.keyId) signer = { keyId: result.keyId };
  }

  // subject, statement, policy
  // bunseal's keys also sign pins and rebuild attestations, which name artifacts too: under a key, a
  // statement must be provenance. A certificate identity vouches for whatever predicate its signer chose.
  // A caller that names the predicate type takes exactly that (and never a bare signature, which has none).
  // Naming SLSA provenance v1 asks for provenance's checks under any anchor, a certificate identity too.
  const rules: ContentRules =
    request.predicateType === SLSA_PROVENANCE_V1
      ? { statement: "provenance", bareSignature: false }
      : request.predicateType
        ? { statement: { predicateType: request.predicateType }, bareSignature: false }
        : { statement: "keys" in anchor ? "provenance" : "any-predicate", bareSignature: published };
  const checked = await checkContent(bundle, artifact, artifactBytes, rules, request.expectations);
  failures.push(...checked.findings);
  if (certificateExtensions && checked.statement) {
    // the workflow run the certificate names (repository, commit, ref) must be the source the statement records
    const { checkCertificateSource } = await import("./cert-source.ts");
    failures.push(...checkCertificateSource(certificateExtensions, checked.statement, { anyBuildType: request.bindCertificateSource === true || request.predicateType === SLSA_PROVENANCE_V1 }));
  }
  dedupe(failures);

  // Accepted only when something vouched (a signer) and the content is what this kind of bundle may carry.
  const verified = failures.length === 0 && signer !== undefined && (checked.provenance !== undefined || rules.statement !== "provenance" || content === "messageSignature");
  return {
    verified,
    artifact: artifact ? { digest: `sha256:${artifact.sha256}`, path: artifact.path, subject: checked.subjectName } : null,
    bundle: { path: request.bundlePath, version, content, published },
    signer,
    failures,
    statement: checked.provenance,
    predicateType: checked.statement?.predicateType,
    ...(checked.sandbox && signer ? { build: { sandbox: { kind: checked.sandbox.kind, network: checked.sandbox.network, reads: checked.sandbox.reads, ...(checked.sandbox.reason ? { reason: checked.sandbox.reason } : {}) } } } : {}),
    verifiedStatement: verified && checked.provenance ? (checked.provenance as Verified<Statement<ProvenanceV1>>) : undefined,
    // only for a caller that named the predicate type: the statement it alone will judge
    verifiedPayload: verified && request.predicateType && checked.statement ? (checked.statement as Verified<Statement<unknown>>) : undefined,
  };
}

/** Exactly one trust anchor: "no key" must never mean "any key", nor two kinds mean "either". */
function trustAnchor(request: VerifyRequest): SigstoreAnchor {
  const keys = request.keys ?? [];
  if (request.identity && keys.length > 0) {
    throw new BunsealError("USAGE", "expected either --key (key mode) or --certificate-identity (keyless), not both", { field: "--key", expected: "one kind of trust anchor" });
  }
  if (request.identity) {
    compileIdentity(request.identity); // a malformed identity rule is a usage error before any file is read
    return { identity: request.identity };
  }
  if (keys.length === 0) {
    throw new BunsealError("USAGE", "nothing to verify with; expected --key PUB, or --certificate-identity ID with --certificate-oidc-issuer URL", { field: "--key", expected: "a public key or a certificate identity" });
  }
  return { keys };
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
