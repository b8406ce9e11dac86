/**
 * Records to rows and back, shared by both backends so a round trip through
 * either gives the same value. Also the checks both run before they write.
 */
import { assertName } from "../config/names.ts";
import { BunsealError } from "../errors.ts";
import { parseDigest } from "../util/digest.ts";
import type { ArtifactRecord, ArtifactSummary, LockedPackage, PackageMatch, PinFilter, PinRecord, RebuildRecord } from "./store.ts";

/*
 * Digests are lower-case hex everywhere in the store. A statement may write
 * its subject in upper case and still verify (hex is hex); kept as written,
 * it would be missed by every lookup in the other case (issue 8, attack 10).
 * So both backends pass every record through these on the way in, and every
 * key on the way to a query.
 */

/** A digest to store: lower-case hex, or STORE_INVALID naming the field. */
export function storedDigest(text: string, field: string, location: string): string {
  const hex = parseDigest(text);
  if (hex === undefined) {
    throw new BunsealError("STORE_INVALID", `cannot store ${field} in ${location}: expected a sha256 hex digest, got ${JSON.stringify(text)}`, { field, expected: "sha256 hex", found: JSON.stringify(text) });
  }
  return hex;
}

/** A digest to look up: lower-case hex, or undefined for text that is no digest (and so matches nothing stored). */
export function lookupDigest(text: string): string | undefined {
  return parseDigest(text);
}

export function normalizeArtifact(record: ArtifactRecord, location: string): ArtifactRecord {
  // a name the store holds may end up in a pin file's path: only valid names go in
  assertName(record.service, "service");
  checkSigner(record, location);
  return {
    ...record,
    digest: storedDigest(record.digest, "digest", location),
    files: record.files.map((f, i) => ({ path: f.path, digest: storedDigest(f.digest, `files[${i}].digest`, location) })),
    // a caller that does not know says null (unknown), never "locked only"
    packages: record.packages.map((p) => ({ name: p.name, version: p.version, integrity: p.integrity, shipped: typeof p.shipped === "boolean" ? p.shipped : null })),
  };
}

/** A rebuild to store: digests as stored, a real time, the causes with their known fields only. */
export function normalizeRebuild(rebuild: RebuildRecord, location: string): RebuildRecord & { rebuiltAtMs: number } {
  const rebuiltAtMs = Date.parse(rebuild.rebuiltAt);
  if (!Number.isFinite(rebuiltAtMs)) {
    throw new BunsealError("STORE_INVALID", `cannot store the rebuild of ${rebuild.digest} in ${location}: expected rebuiltAt as an ISO 8601 time, got ${JSON.stringify(rebuild.rebuiltAt)}`, {
      field: "rebuiltAt",
      expected: "an ISO 8601 time",
      found: JSON.stringify(rebuild.rebuiltAt),
    });
  }
  return {
    digest: storedDigest(rebuild.digest, "digest", location),
    reproducible: rebuild.reproducible === true,
    rebuiltDigest: storedDigest(rebuild.rebuiltDigest, "rebuiltDigest", location),
    bunVersion: rebuild.bunVersion,
    rebuiltAt: rebuild.rebuiltAt,
    rebuiltAtMs,
    causes: rebuild.causes.map((c) => ({ kind: c.kind, file: c.file ?? null, evidence: c.evidence, ...(c.confirmed === undefined ? {} : { confirmed: c.confirmed }) })),
  };
}

/** The rebuild row to insert, columns in `REBUILD_COLUMNS` order (src/store/queries.ts). */
export function rebuildValues(rebuild: RebuildRecord & { rebuiltAtMs: number }): unknown[] {
  return [rebuild.digest, rebuild.reproducible, rebuild.rebuiltDigest, rebuild.bunVersion, rebuild.rebuiltAt, rebuild.rebuiltAtMs, JSON.stringify(rebuild.causes)];
}

export interface RebuildRow {
  digest: string;
  reproducible: boolean | number;
  rebuilt_digest: string;
  bun_version: string;
  rebuilt_at: string;
  causes: string;
}

export function toRebuild(row: RebuildRow): RebuildRecord {
  return {
    digest: row.digest,
    reproducible: row.reproducible === true || row.reproducible === 1,
    rebuiltDigest: row.rebuilt_digest,
    bunVersion: row.bun_version,
    rebuiltAt: row.rebuilt_at,
    causes: JSON.parse(row.causes) as RebuildRecord["causes"],
  };
}

/** SQLite keeps booleans as 0/1; null stays null (unknown) */
export function toShipped(value: unknown): boolean | null {
  return value === null || value === undefined ? null : value === true || value === 1;
}

export function toPackageMatch(row: ArtifactRow & { package_version: string; package_shipped: unknown }): PackageMatch {
  return { ...toSummary(row), packageVersion: row.package_version, shipped: toShipped(row.package_shipped) };
}

export function normalizePin(pin: PinRecord, location: string): PinRecord {
  assertName(pin.service, "service");
  assertName(pin.env, "env");
  return {
    ...pin,
    digest: storedDigest(pin.digest, "digest", location),
    previousDigest: pin.previousDigest === null ? null : storedDigest(pin.previousDigest, "previousDigest", location),
  };
}

/** The signer and the columns that say the same thing agree: a record that could be read back as another signer is not stored. */
function checkSigner(record: ArtifactRecord, location: string): void {
  const { signer } = record;
  const consistent =
    signer.kind === "key"
      ? signer.keyId !== "" && record.signerKeyId === signer.keyId && !!record.signerPublicKey
      : signer.identity !== "" && signer.issuer !== "" && !record.signerKeyId && !record.signerPublicKey;
  if (!consistent) {
    throw new BunsealError("STORE_INVALID", `cannot store artifact ${record.digest} in ${location}: expected a key signer with its key id and public key, or a keyless signer with an identity and issuer and no key`, {
      field: "signer",
      expected: "a consistent signer",
      found: signer.kind,
    });
  }
}

/** The filter with its digest as stored; undefined when the digest can match nothing. */
export function normalizePinFilter(filter: PinFilter): PinFilter | undefined {
  if (filter.digest === undefined) return filter;
  const digest = lookupDigest(filter.digest);
  return digest === undefined ? undefined : { ...filter, digest };
}

/** The artifact columns a summary needs: everything but the bundle, the key and the child rows. */
export const SUMMARY_COLUMNS =
  "digest, name, service, source_commit, source_uri, dirty, bun_version, lockfile_digest, schema_version, " +
  "telemetry_contract, feature_flags, builder_id, signer_key_id, built_at, signer_kind, signer_identity, signer_issuer";

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
  signer_kind: string;
  signer_identity: string | null;
  signer_issuer: string | null;
  signer_public_key?: string;
  signer_trusted_root?: string | null;
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

/** The artifact row to insert, columns in `ARTIFACT_INSERT_COLUMNS` order (the bundle goes to `artifact_bundles`, migration 4). */
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
    // '' for a keyless signer: the columns are NOT NULL since version 1 (migrations.ts)
    record.builderId, record.signerKeyId ?? "", record.signerPublicKey ?? "", record.builtAt, builtAtMs,
    record.files.length, record.packages.length,
    record.signer.kind, record.signer.kind === "keyless" ? record.signer.identity : null, record.signer.kind === "keyless" ? record.signer.issuer : null,
    record.signerTrustedRoot,
  ];
}

export const ARTIFACT_INSERT_COLUMNS =
  "digest, name, service, source_commit, source_uri, dirty, bun_version, lockfile_digest, schema_version, telemetry_contract, " +
  "feature_flags, builder_id, signer_key_id, signer_public_key, built_at, built_at_ms, file_count, package_count, " +
  "signer_kind, signer_identity, signer_issuer, signer_trusted_root";

/** how many columns an artifact insert names: one placeholder each */
export const ARTIFACT_INSERT_COUNT = ARTIFACT_INSERT_COLUMNS.split(",").length;

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
    signer: toSigner(row),
    signerKeyId: row.signer_key_id === "" ? null : row.signer_key_id,
    builtAt: row.built_at,
  };
}

function toSigner(row: ArtifactRow): ArtifactSummary["signer"] {
  if (row.signer_kind === "keyless") return { kind: "keyless", identity: row.signer_identity ?? "", issuer: row.signer_issuer ?? "" };
  return { kind: "key", keyId: row.signer_key_id };
}

export function toRecord(
  row: ArtifactRow,
  files: readonly { path: string; file_digest: string }[],
  packages: readonly { name: string; version: string; integrity: string | null; shipped: unknown }[],
): ArtifactRecord {
  return {
    ...toSummary(row),
    signerPublicKey: row.signer_public_key === "" ? null : row.signer_public_key!,
    signerTrustedRoot: row.signer_trusted_root ?? null,
    bundle: row.bundle!,
    files: files.map((f) => ({ path: f.path, digest: f.file_digest })),
    packages: packages.map((p): LockedPackage => ({ name: p.name, version: p.version, integrity: p.integrity, shipped: toShipped(p.shipped) })),
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
