/**
 * `bunseal store import BUNDLE...`: index bundles made elsewhere, each
 * verified first (against keys, a keyless identity or a policy), so a store
 * can be rebuilt from files alone.
 */
import { BunsealError } from "../errors.ts";
import type { Trust } from "../verify/trust.ts";
import { verifyTrusted } from "../verify/trust.ts";
import { assertName } from "../config/names.ts";
import { artifactRecord, recordedSigner } from "./record.ts";
import type { ArtifactRecord, ArtifactSigner, Store } from "./store.ts";

export interface ImportResult {
  bundle: string;
  digest?: string;
  service?: string;
  imported: boolean;
  /** who signed it, once it verified */
  signer?: ArtifactSigner;
  failures: string[];
}

export async function importBundles(store: Store, paths: readonly string[], trust: Trust | undefined): Promise<ImportResult[]> {
  // a bundle from elsewhere has no recorded signer to fall back on: the caller must say whom to trust
  if (!trust) throw new BunsealError("USAGE", "expected --key PUB, --certificate-identity ID with --certificate-oidc-issuer URL, or --policy FILE: bundles are verified before they are indexed", { field: "--key", expected: "a public key, a certificate identity or a policy" });
  const results: ImportResult[] = [];
  const records: ArtifactRecord[] = [];
  for (const path of paths) {
    const report = await verifyTrusted(trust, { artifact: undefined, bundlePath: path, expectations: { allowDirty: true, allowUnsandboxed: true } });
    if (!report.verified || !report.verifiedStatement || !report.signer) {
      const failures = report.failures.map((f) => `${f.code}: ${f.message}`);
      // a keyless signer may vouch for any predicate; the store indexes SLSA provenance only
      if (failures.length === 0) failures.push(`STATEMENT_INVALID: the bundle verifies, but carries ${report.predicateType ? `a ${report.predicateType} statement` : "no statement"}, not the SLSA provenance the store indexes`);
      results.push({ bundle: path, imported: false, failures });
      continue;
    }
    const record = artifactRecord(report.verifiedStatement, await Bun.file(path).text(), await recordedSigner(report, trust, path));
    // a valid signature says who wrote the name, not that it is a safe one: it becomes part of a pin file's path
    assertName(record.service, "service", path);
    records.push(record);
    results.push({ bundle: path, digest: record.digest, service: record.service, imported: true, signer: record.signer, failures: [] });
  }
  // stored only once every name has passed, so a refused import leaves the store as it was
  for (const record of records) await store.putArtifact(record);
  return results;
}
