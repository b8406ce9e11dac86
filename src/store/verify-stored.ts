/**
 * An attestation from the store, verified again: the store is a cache of
 * verified facts, not a source of trust, so whatever acts on a record (pin,
 * rollback, trace's "still verifies") checks the signed bundle once more —
 * with the keys the caller trusts, or else the key the record was verified
 * with when it was stored.
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import type { Finding } from "../verify/finding.ts";
import { verifyBundle } from "../verify/verify-bundle.ts";
import type { ArtifactRecord } from "./store.ts";

export interface StoredVerdict {
  verified: boolean;
  failures: Finding[];
}

export async function verifyStored(record: ArtifactRecord, trusted: readonly KeyObject[] = [], options: { allowDirty?: boolean } = {}): Promise<StoredVerdict> {
  const keys = trusted.length > 0 ? trusted : [createPublicKey(record.signerPublicKey)];
  const report = await verifyBundle({
    artifact: `sha256:${record.digest}`,
    bundlePath: `store:${record.name}`,
    bundleBytes: new TextEncoder().encode(record.bundle),
    keys,
    expectations: { allowDirty: options.allowDirty },
  });
  return { verified: report.verified, failures: report.failures };
}
