/**
 * The SBOM of an artifact someone holds: from its bundle, verified first
 * (an SBOM read from an unverified statement would list what an attacker
 * chose), or from the store, whose bundle is verified again (a row can change
 * after the store took it in).
 */
import { basename } from "node:path";
import { BunsealError } from "../errors.ts";
import type { Store } from "../store/store.ts";
import { verifyStored } from "../store/verify-stored.ts";
import { digestArgument } from "../util/digest.ts";
import { verifyTrusted, type Trust } from "../verify/trust.ts";
import { cycloneDxSbom } from "./cyclonedx.ts";

export interface SbomResult {
  digest: string;
  sbom: Record<string, unknown>;
}

/** `trust`: a key, a keyless identity or a policy, as every command that verifies takes it (src/verify/trust.ts). */
export async function sbomOfArtifact(artifactPath: string, bundlePath: string, trust: Trust, options: { allowUnsandboxed?: boolean } = {}): Promise<SbomResult> {
  const report = await verifyTrusted(trust, { artifact: artifactPath, bundlePath, expectations: { allowUnsandboxed: options.allowUnsandboxed } });
  if (!report.verified || !report.verifiedStatement || !report.artifact) {
    const reasons = report.failures.map((f) => `${f.code}: ${f.message}`).join("\n  ");
    throw new BunsealError("VERIFY_FAILED", `${artifactPath}: the provenance does not verify, so it cannot say what the artifact ships:\n  ${reasons}`, { file: bundlePath, expected: "a verified attestation", found: `${report.failures.length} failure(s)` });
  }
  const sha256 = report.artifact.digest.replace(/^sha256:/, "");
  return { digest: `sha256:${sha256}`, sbom: cycloneDxSbom(report.verifiedStatement, { name: basename(artifactPath), sha256, provenance: basename(bundlePath) }) };
}

/** `trust`: what the stored bundle must verify against; default, the signer the store recorded with it (src/store/verify-stored.ts). */
export async function sbomOfStored(store: Store, digest: string, trust?: Trust, options: { allowUnsandboxed?: boolean } = {}): Promise<SbomResult> {
  const hex = digestArgument(digest, "artifact-or-digest");
  const record = await store.getArtifact(hex);
  if (!record) throw new BunsealError("NOT_FOUND", `${digest}: no artifact with this digest in the store (${store.location})`, { field: "digest", expected: "a stored artifact's sha256", found: digest });
  // the store is no source of trust: a row changed since it was recorded must not say what the artifact ships
  const verdict = await verifyStored(record, trust, { allowDirty: true, allowUnsandboxed: options.allowUnsandboxed });
  if (!verdict.statement) {
    const reasons = verdict.failures.map((f) => `${f.code}: ${f.message}`).join("\n  ");
    throw new BunsealError("VERIFY_FAILED", `${digest}: the stored provenance does not verify, so it cannot say what the artifact ships:\n  ${reasons}`, { field: "digest", expected: "a verified attestation", found: `${verdict.failures.length} failure(s)` });
  }
  const name = verdict.statement.subject.find((s) => s.digest.sha256 === hex)?.name ?? `sha256:${hex}`;
  return { digest: `sha256:${hex}`, sbom: cycloneDxSbom(verdict.statement, { name, sha256: hex, provenance: `sha256:${hex}` }) };
}
