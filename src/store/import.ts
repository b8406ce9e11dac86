/**
 * `bunseal store import BUNDLE...`: index bundles made elsewhere, each
 * verified first, so a store can be rebuilt from files alone.
 */
import type { KeyObject } from "node:crypto";
import { BunsealError } from "../errors.ts";
import { keyIdOf } from "../sign/keys.ts";
import { verifyBundle } from "../verify/verify-bundle.ts";
import { assertName } from "../config/names.ts";
import { artifactRecord } from "./record.ts";
import type { ArtifactRecord, Store } from "./store.ts";

export interface ImportResult {
  bundle: string;
  digest?: string;
  service?: string;
  imported: boolean;
  failures: string[];
}

export async function importBundles(store: Store, paths: readonly string[], keys: readonly KeyObject[]): Promise<ImportResult[]> {
  if (keys.length === 0) throw new BunsealError("USAGE", "expected --key PUB: bundles are verified before they are indexed", { field: "--key", expected: "at least one public key" });
  const results: ImportResult[] = [];
  const records: ArtifactRecord[] = [];
  for (const path of paths) {
    const report = await verifyBundle({ artifact: undefined, bundlePath: path, keys, expectations: { allowDirty: true } });
    if (!report.verified || !report.verifiedStatement || !report.signer) {
      results.push({ bundle: path, imported: false, failures: report.failures.map((f) => `${f.code}: ${f.message}`) });
      continue;
    }
    const signer = keys.find((k) => keyIdOf(k) === report.signer!.keyId)!;
    const record = artifactRecord(report.verifiedStatement, await Bun.file(path).text(), signer);
    // a valid signature says who wrote the name, not that it is a safe one: it becomes part of a pin file's path
    assertName(record.service, "service", path);
    records.push(record);
    results.push({ bundle: path, digest: record.digest, service: record.service, imported: true, failures: [] });
  }
  // stored only once every name has passed, so a refused import leaves the store as it was
  for (const record of records) await store.putArtifact(record);
  return results;
}
