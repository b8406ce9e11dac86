/**
 * The store's schema, as an ordered list of migrations that both backends
 * apply on open, in one transaction, recording each in
 * `schema_migrations(version, applied_at)`. A migration is only ever
 * appended, never edited: a store in the field has already run the old text.
 *
 * One logical schema for SQLite and PostgreSQL. The dialect differences are
 * the few in `DIALECT` below and nothing else: booleans are `BOOLEAN` in both
 * (SQLite keeps 0/1), JSON is text in both (the record keeps the exact bytes
 * it was given), times are ISO 8601 text plus a millisecond column for order.
 */
import { BunsealError } from "../errors.ts";

export type Dialect = "sqlite" | "postgres";

export interface Migration {
  version: number;
  description: string;
  statements(dialect: Dialect): string[];
}

const DIALECT = {
  // Child rows are read by artifact, in order; SQLite can store them clustered that way.
  sqlite: { clustered: " WITHOUT ROWID", bigint: "INTEGER", identity: "INTEGER PRIMARY KEY", byteOrder: "" },
  // commit prefixes are looked up as a range of hex text: byte order, whatever the database's collation
  postgres: { clustered: "", bigint: "BIGINT", identity: "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", byteOrder: ' COLLATE "C"' },
} as const;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "artifacts with their files and packages; the pin history",
    statements: (dialect) => {
      const d = DIALECT[dialect];
      return [
        `CREATE TABLE artifacts (
          digest TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          service TEXT NOT NULL,
          source_commit TEXT NOT NULL,
          source_uri TEXT NOT NULL,
          dirty BOOLEAN NOT NULL,
          bun_version TEXT NOT NULL,
          lockfile_digest TEXT,
          schema_version TEXT,
          telemetry_contract TEXT,
          feature_flags TEXT NOT NULL,
          builder_id TEXT NOT NULL,
          signer_key_id TEXT NOT NULL,
          signer_public_key TEXT NOT NULL,
          built_at TEXT NOT NULL,
          built_at_ms ${d.bigint} NOT NULL,
          bundle TEXT NOT NULL,
          -- written in the same transaction as the child rows, so a reader can tell a complete artifact from its rows alone
          file_count INTEGER NOT NULL,
          package_count INTEGER NOT NULL
        )`,
        "CREATE INDEX artifacts_built_at ON artifacts (built_at_ms)",
        // ordinal keeps the record's own order and allows what a lockfile may hold twice: the store indexes, it does not judge
        `CREATE TABLE artifact_files (
          artifact_digest TEXT NOT NULL REFERENCES artifacts (digest),
          ordinal INTEGER NOT NULL,
          path TEXT NOT NULL,
          file_digest TEXT NOT NULL,
          PRIMARY KEY (artifact_digest, ordinal)
        )${d.clustered}`,
        "CREATE INDEX artifact_files_file_digest ON artifact_files (file_digest, artifact_digest)",
        `CREATE TABLE artifact_packages (
          artifact_digest TEXT NOT NULL REFERENCES artifacts (digest),
          ordinal INTEGER NOT NULL,
          name TEXT NOT NULL,
          version TEXT NOT NULL,
          integrity TEXT,
          PRIMARY KEY (artifact_digest, ordinal)
        )${d.clustered}`,
        "CREATE INDEX artifact_packages_name_version ON artifact_packages (name, version, artifact_digest)",
        // No foreign key to artifacts: a pin names a digest the caller verified, which need not have been indexed here.
        `CREATE TABLE pins (
          service TEXT NOT NULL,
          env TEXT NOT NULL,
          sequence INTEGER NOT NULL CHECK (sequence >= 1),
          digest TEXT NOT NULL,
          previous_digest TEXT,
          actor TEXT NOT NULL,
          reason TEXT NOT NULL,
          pinned_at TEXT NOT NULL,
          rollback_of INTEGER CHECK (rollback_of IS NULL OR (rollback_of >= 1 AND rollback_of < sequence)),
          bundle TEXT NOT NULL,
          -- the last line of defence against two writers appending the same sequence
          PRIMARY KEY (service, env, sequence),
          CHECK ((sequence = 1) = (previous_digest IS NULL))
        )`,
        "CREATE INDEX pins_digest ON pins (digest)",
      ];
    },
  },
  {
    version: 2,
    description: "who signed each artifact: a key, or a keyless identity (certificate SAN and OIDC issuer) and the trusted root it was verified under",
    // Every row before this migration was key-signed: build --store and store import took keys only.
    // A keyless row has no key: its signer_key_id and signer_public_key are '' (version 1 made them
    // NOT NULL, and SQLite cannot relax that without copying the table), read back as null (rows.ts).
    statements: () => [
      "ALTER TABLE artifacts ADD COLUMN signer_kind TEXT NOT NULL DEFAULT 'key' CHECK (signer_kind IN ('key', 'keyless'))",
      "ALTER TABLE artifacts ADD COLUMN signer_identity TEXT",
      "ALTER TABLE artifacts ADD COLUMN signer_issuer TEXT",
      "ALTER TABLE artifacts ADD COLUMN signer_trusted_root TEXT",
      // "what did this workflow sign?" is the question after a CI identity is compromised
      "CREATE INDEX artifacts_signer_identity ON artifacts (signer_identity)",
    ],
  },
  {
    version: 3,
    description: "which locked packages shipped; package, listing and commit lookups in build order, paged; recorded rebuilds",
    statements: (dialect) => {
      const d = DIALECT[dialect];
      return [
        // null: recorded before bunseal told shipped from locked, so unknown, never read as "locked only"
        "ALTER TABLE artifact_packages ADD COLUMN shipped BOOLEAN",
        // The artifact's build time on each of its package rows: a lookup by package then reads one index in
        // build order, page by page, and counts without visiting the artifacts. Written with the row, never changed.
        `ALTER TABLE artifact_packages ADD COLUMN built_at_ms ${d.bigint} NOT NULL DEFAULT 0`,
        "UPDATE artifact_packages SET built_at_ms = (SELECT a.built_at_ms FROM artifacts a WHERE a.digest = artifact_packages.artifact_digest)",
        // covering: name@version and name alone each page and count from the index alone
        "DROP INDEX artifact_packages_name_version",
        "CREATE INDEX artifact_packages_name_version_built ON artifact_packages (name, version, built_at_ms, artifact_digest, shipped)",
        "CREATE INDEX artifact_packages_name_built ON artifact_packages (name, built_at_ms, artifact_digest, version, shipped)",
        // listings page by (build time, digest), for all services or one
        "DROP INDEX artifacts_built_at",
        "CREATE INDEX artifacts_built ON artifacts (built_at_ms, digest)",
        "CREATE INDEX artifacts_service_built ON artifacts (service, built_at_ms, digest)",
        `CREATE INDEX artifacts_commit ON artifacts (source_commit${d.byteOrder})`,
        // A rebuild's verdict as this bunseal reached it, appended per run; no foreign key, like pins:
        // the rebuilt artifact need not have been indexed here.
        `CREATE TABLE rebuilds (
          id ${d.identity},
          digest TEXT NOT NULL,
          reproducible BOOLEAN NOT NULL,
          rebuilt_digest TEXT NOT NULL,
          bun_version TEXT NOT NULL,
          rebuilt_at TEXT NOT NULL,
          rebuilt_at_ms ${d.bigint} NOT NULL,
          causes TEXT NOT NULL
        )`,
        "CREATE INDEX rebuilds_digest ON rebuilds (digest, rebuilt_at_ms, id)",
      ];
    },
  },
  {
    version: 4,
    description: "the signed bundle in a table of its own, out of the artifact rows that listings read",
    // A bundle is tens of kilobytes, stored in the artifact's row ahead of the columns versions 2 and 3
    // added; SQLite walks a row's overflow pages to reach a column after it, so every listing (trace
    // --package, the console's pages) paid ≈20 µs an artifact for the signer's columns (issue #12).
    // On SQLite the artifacts table is copied once, without the column.
    statements: () => [
      "CREATE TABLE artifact_bundles (digest TEXT PRIMARY KEY REFERENCES artifacts (digest), bundle TEXT NOT NULL)",
      "INSERT INTO artifact_bundles (digest, bundle) SELECT digest, bundle FROM artifacts",
      "ALTER TABLE artifacts DROP COLUMN bundle",
    ],
  },
  {
    version: 5,
    description: "runtime measurements (measure --store): the signed bundle, by artifact and by service, newest first",
    statements: (dialect) => {
      const d = DIALECT[dialect];
      return [
        // No foreign key, like pins and rebuilds: the artifact measured need not have been indexed here.
        `CREATE TABLE measurements (
          id ${d.identity},
          subject_digest TEXT NOT NULL,
          service TEXT NOT NULL,
          against_digest TEXT,
          env TEXT,
          measured_at TEXT NOT NULL,
          measured_at_ms ${d.bigint} NOT NULL,
          passed BOOLEAN NOT NULL,
          predicate TEXT NOT NULL,
          bundle TEXT NOT NULL
        )`,
        "CREATE INDEX measurements_subject ON measurements (subject_digest, measured_at_ms, id)",
        "CREATE INDEX measurements_service ON measurements (service, measured_at_ms, id)",
      ];
    },
  },
];

export const LATEST_VERSION = MIGRATIONS.at(-1)!.version;

export const CREATE_MIGRATIONS_TABLE =
  "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)";

/**
 * The migrations a store at `applied` (its highest recorded version, 0 when
 * new) still needs. A store written by a newer bunseal is refused rather than
 * used: this code cannot know what the newer columns and rules mean.
 */
export function pendingMigrations(applied: number, location: string): readonly Migration[] {
  if (applied > LATEST_VERSION) {
    throw new BunsealError(
      "STORE_INVALID",
      `the store at ${location} has schema version ${applied}, newer than this bunseal knows (up to ${LATEST_VERSION}): upgrade bunseal to use it`,
      { expected: `schema version ${LATEST_VERSION} or older`, found: `schema version ${applied}` },
    );
  }
  return MIGRATIONS.filter((m) => m.version > applied);
}
