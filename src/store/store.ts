/**
 * The store: one small interface, two backends (SQLite for one machine,
 * PostgreSQL for a team), the same schema and the same tests for both.
 * It indexes verified artifacts so `trace` can answer from any digest, and
 * keeps the append-only, signed history of pins that `rollback` works from.
 */

import type { MeasurementPredicate } from "../measure/predicate.ts";
import type { SignerIdentity } from "../verify/trust.ts";

/** Who signed an artifact's attestation: a key, or a keyless identity (the Fulcio certificate's SAN and OIDC issuer). */
export type ArtifactSigner = SignerIdentity;

/** One artifact, as its verified attestation describes it. */
export interface ArtifactRecord {
  /** sha256 hex of the tar (the statement's first subject) */
  digest: string;
  name: string;
  service: string;
  commit: string;
  sourceUri: string;
  dirty: boolean;
  bunVersion: string;
  lockfileDigest: string | null;
  schemaVersion: string | null;
  telemetryContract: string | null;
  featureFlags: Record<string, boolean | string | number>;
  builderId: string;
  /** who signed the attestation, as the verifier found it */
  signer: ArtifactSigner;
  /** key id (sha256 of the SPKI DER) of the key that signed the attestation; null when signed keyless */
  signerKeyId: string | null;
  /** the signer's public key (SPKI PEM), so the attestation can be verified again from the store alone; null when signed keyless */
  signerPublicKey: string | null;
  /**
   * the Sigstore TrustedRoot (JSON text) the attestation was verified under, so a keyless one can be
   * verified again from the store alone; null: the public-good root shipped with bunseal (or none was needed)
   */
  signerTrustedRoot: string | null;
  /** when the build ran (the statement's startedOn), ISO 8601 */
  builtAt: string;
  /** the Sigstore bundle, exactly as signed (JSON text) */
  bundle: string;
  /** every output file inside the tar */
  files: { path: string; digest: string }[];
  /** every locked package */
  packages: LockedPackage[];
}

/** One package of an artifact's lockfile. */
export interface LockedPackage {
  name: string;
  version: string;
  integrity: string | null;
  /**
   * whether at least one of its files went into an output (src/inventory/shipped.ts);
   * null: recorded before the store kept this (schema version 3), so unknown
   */
  shipped: boolean | null;
}

/** An artifact without the bulky parts, for listings. */
export type ArtifactSummary = Omit<ArtifactRecord, "bundle" | "files" | "packages" | "signerPublicKey" | "signerTrustedRoot">;

/** One entry of the pin history of (service, env). */
export interface PinRecord {
  service: string;
  env: string;
  /** 1, 2, 3, …: only ever grows for a (service, env) */
  sequence: number;
  digest: string;
  /** the digest pinned before this one, or null for the first pin */
  previousDigest: string | null;
  actor: string;
  reason: string;
  /** ISO 8601 */
  pinnedAt: string;
  /** set when this pin rolls back the pin with this sequence */
  rollbackOf: number | null;
  /** the signed pin statement (a Sigstore bundle, JSON text) */
  bundle: string;
}

/** An artifact that locked a package, with the version it locked and whether it shipped it (null: unknown). */
export type PackageMatch = ArtifactSummary & { packageVersion: string; shipped: boolean | null };

export interface PackageQuery {
  /** at most this many (default: all) */
  limit?: number;
  /** an opaque cursor, a page's `nextCursor` (src/store/pages.ts): the matches after it in the same order */
  after?: string;
  /** only artifacts that shipped the package */
  shippedOnly?: boolean;
  /** only artifacts that locked it without shipping it, or recorded before the store knew (shipped false or null) */
  lockedOnly?: boolean;
}

export interface FileQuery {
  /** at most this many (default: all) */
  limit?: number;
  /** an opaque cursor, a page's `nextCursor` (src/store/pages.ts): the artifacts built before it */
  before?: string;
}

export interface ArtifactFilter {
  service?: string;
  /** at most this many (default: all) */
  limit?: number;
  /** an opaque cursor, a page's `nextCursor` (src/store/pages.ts): the artifacts built before it */
  before?: string;
}

/**
 * A rebuild's verdict, as `rebuild --store` reached it: a note this bunseal
 * made, not a signed statement (the rebuild attestation is that, when the
 * artifact reproduced and a key signed it).
 */
export interface RebuildRecord {
  /** sha256 hex of the artifact rebuilt */
  digest: string;
  reproducible: boolean;
  /** sha256 hex of what the rebuild made */
  rebuiltDigest: string;
  /** the Bun the rebuild used */
  bunVersion: string;
  /** ISO 8601 */
  rebuiltAt: string;
  causes: { kind: string; file: string | null; evidence: string; confirmed?: boolean }[];
}

/**
 * A runtime measurement, as `measure --store` recorded it: the signed bundle, and the columns a
 * pin gate or the console asks by. The columns are copies of the predicate's fields, checked
 * against it on the way in; the bundle is what was signed (verify it before resting a decision on it).
 */
export interface MeasurementRecord {
  /** the Sigstore bundle, exactly as signed (JSON text) */
  bundle: string;
  service: string;
  /** sha256 hex of the artifact measured (the statement's subject) */
  subjectDigest: string;
  /** sha256 hex of the artifact it ran side by side with (predicate.against.artifact), or null */
  againstDigest: string | null;
  /** the environment whose current pin it ran against (`measure --env`), or null */
  env: string | null;
  /** ISO 8601 */
  measuredAt: string;
  /** the predicate's verdict */
  passed: boolean;
  predicate: MeasurementPredicate;
}

export type StoredMeasurement = MeasurementRecord;

export interface PinFilter {
  service?: string;
  env?: string;
  digest?: string;
}

export interface Store {
  /** where it is, for messages (`sqlite:/path` or `postgres://host/db`, without credentials) */
  readonly location: string;
  /** Records an artifact; putting the same digest again changes nothing and is not an error. */
  putArtifact(record: ArtifactRecord): Promise<void>;
  getArtifact(digest: string): Promise<ArtifactRecord | undefined>;
  /**
   * artifacts that contain an output file with this sha256, newest build first; with `options`, paged
   * (`limit`, and `before`: a page's `nextCursor`, src/store/pages.ts)
   */
  findByFileDigest(digest: string, options?: FileQuery): Promise<ArtifactSummary[]>;
  /** how many artifacts contain an output file with this sha256, without listing them */
  countByFileDigest(digest: string): Promise<number>;
  /**
   * Up to `limit` distinct digests that start with `prefix` (lower-case hex), in hex order: the
   * artifacts' and, unless `artifactsOnly`, their files'. What src/store/digest-prefix.ts resolves a
   * short digest with.
   */
  digestsWithPrefix(prefix: string, limit: number, options?: { artifactsOnly?: boolean }): Promise<{ digest: string; artifact: boolean }[]>;
  /**
   * artifacts that locked this package (`version`: one, or any of a list; any version when absent: one match per version
   * an artifact locked), newest build first; pages with `limit` and `after` (src/store/pages.ts)
   */
  findByPackage(name: string, version?: string | readonly string[], options?: PackageQuery): Promise<PackageMatch[]>;
  /** the distinct versions of this package any artifact locked, each once (at most `limit`) */
  packageVersions(name: string, limit?: number): Promise<string[]>;
  /** how many artifacts locked this package, and how many of them shipped it (unknown counts as not shipped), without listing them */
  countByPackage(name: string, version?: string | readonly string[]): Promise<{ artifacts: number; shipped: number }>;
  /** artifacts, newest build first, of one service or all */
  listArtifacts(filter?: ArtifactFilter): Promise<ArtifactSummary[]>;
  /** artifacts built from a commit whose hash starts with `prefix` (7 to 64 hex characters), newest build first */
  findByCommitPrefix(prefix: string, limit?: number): Promise<ArtifactSummary[]>;
  /**
   * Appends a pin. `pin.sequence` must be exactly one more than the newest
   * sequence for (service, env) (1 for the first) and `previousDigest` must be
   * its digest: the caller read that state and decided on it, so a concurrent
   * pin in between makes this fail with PIN_CONFLICT rather than silently
   * reorder history. Atomic: the row is there whole or not at all.
   */
  appendPin(pin: PinRecord): Promise<void>;
  /** pins matching the filter, oldest first within each (service, env) */
  pins(filter?: PinFilter): Promise<PinRecord[]>;
  /** the pins of any of these artifacts, in one query (a page of `trace --package` asks for 25), ordered as `pins` */
  pinsOf(digests: readonly string[]): Promise<PinRecord[]>;
  latestPin(service: string, env: string): Promise<PinRecord | undefined>;
  /** the newest pin of every (service, env): what runs where now, sorted by service, then env */
  currentPins(): Promise<PinRecord[]>;
  /** Appends a rebuild's verdict (every run is kept, a repeated one too). */
  putRebuild(result: RebuildRecord): Promise<void>;
  /** the recorded rebuilds of an artifact, oldest first */
  rebuildsOf(digest: string): Promise<RebuildRecord[]>;
  /** Appends a measurement (every run is kept, a repeated one too). */
  recordMeasurement(m: MeasurementRecord): Promise<void>;
  /** the measurements of an artifact, newest first */
  measurementsOf(subjectDigest: string): Promise<StoredMeasurement[]>;
  /** the measurements of a service's artifacts, newest first (at most `limit`) */
  measurementsOfService(service: string, limit?: number): Promise<StoredMeasurement[]>;
  /**
   * Fails with STORE_FAILED unless a write could go through now (the file or
   * server is not read-only, the user may insert): asked before work that
   * would be wasted, or left behind signed, if the store then refused it.
   * Writes nothing.
   */
  checkWritable(): Promise<void>;
  close(): Promise<void>;
}
