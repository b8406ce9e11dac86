/**
 * `build --store`: the artifact just built goes into the store. Its bundle
 * is verified like any other before it is recorded, so the store holds only
 * what a verifier accepted: a key-signed one against the build's own public
 * key, a keyless one against the identity it must carry (the one it was just
 * signed as, unless the caller names one) under the trusted root.
 */
import { BunsealError } from "../errors.ts";
import { verifyTrusted, type Trust } from "../verify/trust.ts";
import { artifactRecord, recordedSigner } from "./record.ts";
import type { ArtifactSigner, Store } from "./store.ts";

/** `artifactDigest` (`sha256:<hex>`) is the one the build just computed: the tar need not be read again. */
export async function recordBuild(store: Store, artifactDigest: string, bundlePath: string, trust: Trust): Promise<{ digest: string; signer: ArtifactSigner }> {
  // the store records what was built, dirty or unsandboxed; verify, trace and pin judge it from its record
  const report = await verifyTrusted(trust, { artifact: artifactDigest, bundlePath, expectations: { allowDirty: true, allowUnsandboxed: true } });
  if (!report.verified || !report.verifiedStatement) {
    throw new BunsealError("VERIFY_FAILED", `the bundle just written does not verify, so it was not stored:\n  ${report.failures.map((f) => `${f.code}: ${f.message}`).join("\n  ")}`, { file: bundlePath });
  }
  const record = artifactRecord(report.verifiedStatement, await Bun.file(bundlePath).text(), await recordedSigner(report, trust, bundlePath));
  await store.putArtifact(record);
  return { digest: record.digest, signer: record.signer };
}
