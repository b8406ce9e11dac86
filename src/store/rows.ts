/**
 * Records to rows and back, shared by both backends so a round trip through
 * either gives the same value. Also the checks both run before they write.
 */
import { BunsealError } from "../errors.ts";
import type { ArtifactRecord, ArtifactSummary, PinRecord } from "./store.ts";

/** The artifact columns a summary needs: everything but the bundle, the key and the child rows. */
export const SUMMARY_COLUMNS =
  "digest, name, service, source_commit, source_uri, dirty, bun_version, lockfile_digest, schema_version, " +
  "telemetry_contract, feature_flags, builder_id, signer_key_id, built_at";

export const PIN_COLUMNS = "service, env, sequence, digest, previous_digest, actor, reason, pinned_at, rollback_of, bundle";

export interface ArtifactRow {
  digest: string;
  name: string;
  service: string;
  source_commit: string;
  source_uri: string;
  dirty: boolean | number;
  bun_version: string;
  lockfile_digest: string | null;
  schema_version: string | null;
  telemetry_contract: string | null;
  feature_flags: string;
  builder_id: string;
  signer_key_id: string;
  built_at: string;
  signer_public_key?: string;
  bundle?: string;
}

export interface PinRow {
  service: string;
  env: string;
  sequence: number;
  digest: string;
  previous_digest: string | null;
  actor: string;
  reason: string;
  pinned_at: string;
  rollback_of: number | null;
  bundle: string;
}

/** The artifact row to insert, columns in `ARTIFACT_INSERT_COLUMNS` order. */
export function artifactValues(record: ArtifactRecord, location: string): unknown[] {
  const builtAtMs = Date.parse(record.builtAt);
  if (!Number.isFinite(builtAtMs)) {
    throw new BunsealError("STORE_INVALID", `cannot store artifact ${record.digest} in ${location}: expected builtAt as an ISO 8601 time, got ${JSON.stringify(record.builtAt)}`, {
      field: "builtAt",
      expected: "an ISO 8601 time",
      found: JSON.stringify(record.builtAt),
    });
  }
  return [
    record.digest, record.name, record.service, record.commit, record.sourceUri, record.dirty, record.bunVersion,
    record.lockfileDigest, record.schemaVersion, record.telemetryContract, JSON.stringify(record.featureFlags),
    record.builderId, record.signerKeyId, record.signerPublicKey, record.builtAt, builtAtMs, record.bundle,
    record.files.length, record.packages.length,
  ];
}

export const ARTIFACT_INSERT_COLUMNS =
  "digest, name, service, source_commit, source_uri, dirty, bun_version, lockfile_digest, schema_version, telemetry_contract, " +
  "feature_flags, builder_id, signer_key_id, signer_public_key, built_at, built_at_ms, bundle, file_count, package_count";

export function toSummary(row: ArtifactRow): ArtifactSummary {
  return {
    digest: row.digest,
    name: row.name,
    service: row.service,
    commit: row.source_commit,
    sourceUri: row.source_uri,
    // SQLite keeps booleans as 0/1
    dirty: row.dirty === true || row.dirty === 1,
    bunVersion: row.bun_version,
    lockfileDigest: row.lockfile_digest,
    schemaVersion: row.schema_version,
    telemetryContract: row.telemetry_contract,
    featureFlags: JSON.parse(row.feature_flags) as ArtifactSummary["featureFlags"],
    builderId: row.builder_id,
    signerKeyId: row.signer_key_id,
    builtAt: row.built_at,
  };
}

export function toRecord(
  row: ArtifactRow,
  files: readonly { path: string; file_digest: string }[],
  packages: readonly { name: string; version: string; integrity: string | null }[],
): ArtifactRecord {
  return {
    ...toSummary(row),
    signerPublicKey: row.signer_public_key!,
    bundle: row.bundle!,
    files: files.map((f) => ({ path: f.path, digest: f.file_digest })),
    packages: packages.map((p) => ({ name: p.name, version: p.version, integrity: p.integrity })),
  };
}

export function toPin(row: PinRow): PinRecord {
  return {
    service: row.service,
    env: row.env,
    sequence: Number(row.sequence),
    digest: row.digest,
    previousDigest: row.previous_digest,
    actor: row.actor,
    reason: row.reason,
    pinnedAt: row.pinned_at,
    rollbackOf: row.rollback_of === null ? null : Number(row.rollback_of),
    bundle: row.bundle,
  };
}

export function pinValues(pin: PinRecord): unknown[] {
  return [pin.service, pin.env, pin.sequence, pin.digest, pin.previousDigest, pin.actor, pin.reason, pin.pinnedAt, pin.rollbackOf, pin.bundle];
}
