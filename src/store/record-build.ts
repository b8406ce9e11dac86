/**
 * `build --store`: the artifact just built goes into the store. Its bundle
 * is verified like any other before it is recorded, so the store holds only
 * what a verifier accepted.
 */
import type { KeyObject } from "node:crypto";
import { BunsealError } from "../errors.ts";
import { verifyBundle } from "../verify/verify-bundle.ts";
import { artifactRecord } from "./record.ts";
import type { Store } from "./store.ts";

/** `artifactDigest` (`sha256:<hex>`) is the one the build just computed: the tar need not be read again. */
export async function recordBuild(store: Store, artifactDigest: string, bundlePath: string, signer: KeyObject): Promise<string> {
  const report = await verifyBundle({ artifact: artifactDigest, bundlePath, keys: [signer], expectations: { allowDirty: true } });
  if (!report.verified || !report.verifiedStatement) {
    throw new BunsealError("VERIFY_FAILED", `the bundle just written does not verify, so it was not stored:\n  ${report.failures.map((f) => `${f.code}: ${f.message}`).join("\n  ")}`, { file: bundlePath });
  }
  const record = artifactRecord(report.verifiedStatement, await Bun.file(bundlePath).text(), signer);
  await store.putArtifact(record);
  return record.digest;
}
