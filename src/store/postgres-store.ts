/**
 * The store for a team: PostgreSQL through Bun's own client. Same schema and
 * semantics as the SQLite store. The tables live in their own schema,
 * `bunseal`, so a database shared with an application (which may well have
 * its own `schema_migrations` or `artifacts`) is never mistaken for ours.
 *
 * Durability is the server's: every write is one transaction, committed with
 * the server's default `synchronous_commit = on`.
 *
 * Locking (appendPin): `pg_advisory_xact_lock(hashtext(service), hashtext(env))`
 * rather than `SELECT … FOR UPDATE` on the newest pin. FOR UPDATE locks
 * nothing before a (service, env) has its first pin, and a writer that waited
 * on the row still compares against the row it locked, not the one committed
 * meanwhile; the advisory lock serialises appenders whether or not a row
 * exists, and the read after it sees every committed pin. A hash collision
 * only makes two unrelated histories wait for each other. The primary key on
 * (service, env, sequence) stays the last line of defence.
 */
import { SQL } from "bun";
import { BunsealError } from "../errors.ts";
import { artifactDigestPrefixQuery, commitPrefixQuery, CURRENT_PINS_WHERE, fileCountQuery, fileHoldersOverQuery, fileMatchesQuery, listArtifactsQuery, nextFileDigestQuery, nextPackageVersionQuery, packageCountQuery, packageMatchesQuery, REBUILD_COLUMNS, type Query } from "./queries.ts";
import { ARTIFACT_INSERT_COLUMNS, ARTIFACT_INSERT_COUNT, artifactValues, lookupDigest, normalizeArtifact, normalizePin, normalizePinFilter, normalizeRebuild, PIN_COLUMNS, pinValues, rebuildValues, SUMMARY_COLUMNS, toPackageMatch, toPin, toRebuild, toRecord, toSummary, type ArtifactRow, type PinRow, type RebuildRow } from "./rows.ts";
import { CREATE_MIGRATIONS_TABLE, LATEST_VERSION, pendingMigrations } from "./migrations.ts";
import { checkPinFollows, pinConflict } from "./pin-order.ts";
import type { ArtifactFilter, ArtifactRecord, ArtifactSummary, FileQuery, MeasurementRecord, PackageMatch, PackageQuery, PinFilter, PinRecord, RebuildRecord, Store, StoredMeasurement } from "./store.ts";
import { storeError } from "./store-error.ts";
import { MEASUREMENT_COLUMNS, measurementValues, normalizeMeasurement, toMeasurement, type MeasurementRow } from "./measurement-rows.ts";
import { checkPrefix, MANY_HOLDERS, mergePrefixMatches } from "./digest-prefix.ts";

const SCHEMA = "bunseal";
const CONNECT_TIMEOUT_S = 10;
const UNIQUE_VIOLATION = "23505";
const UNDEFINED_TABLE = "42P01";

/** `postgres://host:port/db`: no user, no password, no query string (which may carry a password too). */
export function redactPostgresUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

export async function openPostgresStore(url: URL): Promise<Store> {
  const location = redactPostgresUrl(url);
  const password = decodeURIComponent(url.password);
  const sql = new SQL(url.href, {
    // Explicit, because Bun lets $PGDATABASE override the database the URL names.
    ...(url.pathname.length > 1 ? { database: decodeURIComponent(url.pathname.slice(1)) } : {}),
    connectionTimeout: CONNECT_TIMEOUT_S,
    connection: { search_path: SCHEMA },
  });
  try {
    await migrate(sql, location);
  } catch (cause) {
    await sql.close({ timeout: 0 }).catch(() => undefined);
    throw storeError(location, "open", cause, password);
  }
  return new PostgresStore(sql, location, password);
}

async function migrate(sql: SQL, location: string): Promise<void> {
  // A read first, so opening an up-to-date store costs one round trip and no lock.
  if ((await appliedVersion(sql)) === LATEST_VERSION) return;
  await sql.begin(async (tx) => {
    // Serialises stores opening a new database at once; CREATE … IF NOT EXISTS alone races in PostgreSQL.
    await tx`SELECT pg_advisory_xact_lock(hashtext('bunseal schema migrations'))`;
    await tx.unsafe(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
    await tx.unsafe(CREATE_MIGRATIONS_TABLE);
    for (const migration of pendingMigrations(await appliedVersion(tx), location)) {
      for (const statement of migration.statements("postgres")) await tx.unsafe(statement);
      await tx`INSERT INTO schema_migrations (version, applied_at) VALUES (${migration.version}, ${new Date().toISOString()})`;
    }
  });
}

async function appliedVersion(sql: SQL): Promise<number> {
  try {
    const [row] = await sql`SELECT MAX(version) AS v FROM schema_migrations`;
    return row?.v ?? 0;
  } catch (cause) {
    if ((cause as { errno?: unknown }).errno === UNDEFINED_TABLE) return 0;
    throw cause;
  }
}

const ARTIFACT_INSERT = `INSERT INTO artifacts (${ARTIFACT_INSERT_COLUMNS}) VALUES (${Array.from({ length: ARTIFACT_INSERT_COUNT }, (_, i) => `$${i + 1}`).join(", ")}) ON CONFLICT (digest) DO NOTHING RETURNING 1 AS inserted`;
const PIN_INSERT = `INSERT INTO pins (${PIN_COLUMNS}) VALUES (${Array.from({ length: 10 }, (_, i) => `$${i + 1}`).join(", ")})`;
// One round trip: the child rows come back as JSON arrays in the artifact's row.
const ARTIFACT_SELECT = `SELECT ${SUMMARY_COLUMNS}, signer_public_key, signer_trusted_root, (SELECT bundle FROM artifact_bundles b WHERE b.digest = $1) AS bundle,
  COALESCE((SELECT json_agg(json_build_object('path', path, 'file_digest', file_digest) ORDER BY ordinal) FROM artifact_files WHERE artifact_digest = $1), '[]') AS files,
  COALESCE((SELECT json_agg(json_build_object('name', name, 'version', version, 'integrity', integrity, 'shipped', shipped) ORDER BY ordinal) FROM artifact_packages WHERE artifact_digest = $1), '[]') AS packages
  FROM artifacts WHERE digest = $1`;
const BY_FILE = `SELECT ${SUMMARY_COLUMNS} FROM artifacts WHERE digest IN (SELECT artifact_digest FROM artifact_files WHERE file_digest = $1) ORDER BY built_at_ms DESC, digest`;
const PINS_OF = `SELECT ${PIN_COLUMNS} FROM pins WHERE digest = ANY($1::text[]) ORDER BY service, env, sequence`;
const LATEST_PIN = `SELECT ${PIN_COLUMNS} FROM pins WHERE service = $1 AND env = $2 ORDER BY sequence DESC LIMIT 1`;
const CURRENT_PINS = `SELECT ${PIN_COLUMNS} FROM pins ${CURRENT_PINS_WHERE}`;
const REBUILD_INSERT = `INSERT INTO rebuilds (${REBUILD_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)`;
const REBUILDS = `SELECT ${REBUILD_COLUMNS} FROM rebuilds WHERE digest = $1 ORDER BY rebuilt_at_ms, id`;
const MEASUREMENT_INSERT = `INSERT INTO measurements (${MEASUREMENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`;
const MEASUREMENTS_OF = `SELECT ${MEASUREMENT_COLUMNS} FROM measurements WHERE subject_digest = $1 ORDER BY measured_at_ms DESC, id DESC`;
const MEASUREMENTS_OF_SERVICE = `SELECT ${MEASUREMENT_COLUMNS} FROM measurements WHERE service = $1 ORDER BY measured_at_ms DESC, id DESC LIMIT $2`;

class PostgresStore implements Store {
  readonly location: string;
  readonly #sql: SQL;
  readonly #password: string;

  constructor(sql: SQL, location: string, password: string) {
    this.#sql = sql;
    this.location = location;
    this.#password = password;
  }

  async putArtifact(given: ArtifactRecord): Promise<void> {
    const record = normalizeArtifact(given, this.location);
    const values = artifactValues(record, this.location);
    await this.#run("write to", () =>
      this.#sql.begin(async (tx) => {
        // Files and packages only with a new artifact row: putting a digest twice changes nothing.
        if ((await tx.unsafe(ARTIFACT_INSERT, values)).length === 0) return;
        const { digest, files, packages } = record;
        await tx`INSERT INTO artifact_bundles (digest, bundle) VALUES (${digest}, ${record.bundle})`;
        // One statement per table, whatever the count: arrays unnested server-side, ordinals from WITH ORDINALITY.
        if (files.length > 0) {
          await tx`INSERT INTO artifact_files (artifact_digest, ordinal, path, file_digest)
            SELECT ${digest}, o - 1, p, d FROM unnest(${tx.array(files.map((f) => f.path), "TEXT")}, ${tx.array(files.map((f) => f.digest), "TEXT")}) WITH ORDINALITY AS t(p, d, o)`;
        }
        if (packages.length > 0) {
          // shipped travels as text ('true', 'false' or null), cast server-side
          const shipped = packages.map((p) => (p.shipped === null ? null : String(p.shipped)));
          await tx`INSERT INTO artifact_packages (artifact_digest, ordinal, name, version, integrity, shipped, built_at_ms)
            SELECT ${digest}, o - 1, n, v, i, s::boolean, ${Date.parse(record.builtAt)} FROM unnest(${tx.array(packages.map((p) => p.name), "TEXT")}, ${tx.array(packages.map((p) => p.version), "TEXT")}, ${tx.array(packages.map((p) => p.integrity), "TEXT")}, ${tx.array(shipped, "TEXT")}) WITH ORDINALITY AS t(n, v, i, s, o)`;
        }
      }),
    );
  }

  async getArtifact(asked: string): Promise<ArtifactRecord | undefined> {
    const digest = lookupDigest(asked);
    if (digest === undefined) return undefined;
    const [row] = await this.#run("read", () => this.#sql.unsafe(ARTIFACT_SELECT, [digest]));
    return row ? toRecord(row as ArtifactRow, row.files, row.packages) : undefined;
  }

  async findByFileDigest(asked: string, options?: FileQuery): Promise<ArtifactSummary[]> {
    const digest = lookupDigest(asked);
    if (digest === undefined) return [];
    if (options === undefined) return ((await this.#run("read", () => this.#sql.unsafe(BY_FILE, [digest]))) as ArtifactRow[]).map(toSummary);
    const [probe] = await this.#all(fileHoldersOverQuery("postgres", digest, MANY_HOLDERS));
    const many = Number(probe?.n ?? 0) > MANY_HOLDERS;
    return ((await this.#all(fileMatchesQuery("postgres", digest, { ...options, many }))) as ArtifactRow[]).map(toSummary);
  }

  async countByFileDigest(asked: string): Promise<number> {
    const digest = lookupDigest(asked);
    if (digest === undefined) return 0;
    const [row] = await this.#all(fileCountQuery("postgres", digest));
    return Number(row?.n ?? 0);
  }

  async digestsWithPrefix(prefix: string, limit: number, options: { artifactsOnly?: boolean } = {}): Promise<{ digest: string; artifact: boolean }[]> {
    const low = checkPrefix(prefix);
    const artifacts = ((await this.#all(artifactDigestPrefixQuery("postgres", low, limit))) as { digest: string }[]).map((r) => r.digest);
    const files: string[] = [];
    if (!options.artifactsOnly) {
      for (let from = low, first = true; files.length < limit; first = false) {
        const [row] = await this.#all(nextFileDigestQuery("postgres", from, low, first));
        if (!row?.d) break;
        files.push((from = row.d as string));
      }
    }
    return mergePrefixMatches(low, artifacts, files, limit);
  }

  async findByPackage(name: string, version?: string | readonly string[], options: PackageQuery = {}): Promise<PackageMatch[]> {
    const rows = await this.#all(packageMatchesQuery("postgres", name, version, options));
    return (rows as any[]).map(toPackageMatch);
  }

  async countByPackage(name: string, version?: string | readonly string[]): Promise<{ artifacts: number; shipped: number }> {
    const [row] = (await this.#all(packageCountQuery("postgres", name, version))) as { artifacts: number; shipped: number }[];
    return { artifacts: Number(row?.artifacts ?? 0), shipped: Number(row?.shipped ?? 0) };
  }

  async packageVersions(name: string, limit = 10_000): Promise<string[]> {
    const versions: string[] = [];
    for (let after: string | undefined; versions.length < limit; ) {
      const [row] = await this.#all(nextPackageVersionQuery("postgres", name, after));
      if (row?.v === null || row?.v === undefined) break;
      versions.push((after = row.v as string));
    }
    return versions;
  }

  async listArtifacts(filter: ArtifactFilter = {}): Promise<ArtifactSummary[]> {
    return ((await this.#all(listArtifactsQuery("postgres", filter))) as ArtifactRow[]).map(toSummary);
  }

  async findByCommitPrefix(prefix: string, limit?: number): Promise<ArtifactSummary[]> {
    return ((await this.#all(commitPrefixQuery("postgres", prefix, limit))) as ArtifactRow[]).map(toSummary);
  }

  async appendPin(given: PinRecord): Promise<void> {
    const pin = normalizePin(given, this.location);
    try {
      await this.#sql.begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(hashtext(${pin.service}), hashtext(${pin.env}))`;
        const [newest] = await tx`SELECT sequence, digest FROM pins WHERE service = ${pin.service} AND env = ${pin.env} ORDER BY sequence DESC LIMIT 1`;
        checkPinFollows(pin, newest ? { sequence: newest.sequence, digest: newest.digest } : null, this.location);
        await tx.unsafe(PIN_INSERT, pinValues(pin));
      });
    } catch (cause) {
      // Only reachable if a writer bypassed the lock (another tool, an older bunseal): still a conflict, not a crash.
      const error = cause as { errno?: unknown; table?: unknown };
      if (error.errno === UNIQUE_VIOLATION && error.table === "pins") {
        throw pinConflict(pin, `a sequence no other pin of ${pin.service}/${pin.env} has`, this.location, cause);
      }
      throw storeError(this.location, "write to", cause, this.#password);
    }
  }

  async pins(given: PinFilter = {}): Promise<PinRecord[]> {
    const filter = normalizePinFilter(given);
    if (filter === undefined) return [];
    // Column names from this fixed list only; the values are parameters.
    const keys = (["service", "env", "digest"] as const).filter((k) => filter[k] !== undefined);
    const where = keys.length === 0 ? "" : `WHERE ${keys.map((k, i) => `${k} = $${i + 1}`).join(" AND ")}`;
    const rows = await this.#run("read", () => this.#sql.unsafe(`SELECT ${PIN_COLUMNS} FROM pins ${where} ORDER BY service, env, sequence`, keys.map((k) => filter[k])));
    return (rows as PinRow[]).map(toPin);
  }

  async pinsOf(asked: readonly string[]): Promise<PinRecord[]> {
    const digests = asked.map(lookupDigest).filter((d): d is string => d !== undefined);
    if (digests.length === 0) return [];
    const rows = await this.#run("read", () => this.#sql.unsafe(PINS_OF, [digests]));
    return (rows as PinRow[]).map(toPin);
  }

  async latestPin(service: string, env: string): Promise<PinRecord | undefined> {
    const [row] = await this.#run("read", () => this.#sql.unsafe(LATEST_PIN, [service, env]));
    return row ? toPin(row as PinRow) : undefined;
  }

  async currentPins(): Promise<PinRecord[]> {
    const rows = await this.#run("read", () => this.#sql.unsafe(CURRENT_PINS));
    return (rows as PinRow[]).map(toPin);
  }

  async putRebuild(rebuild: RebuildRecord): Promise<void> {
    const values = rebuildValues(normalizeRebuild(rebuild, this.location));
    await this.#run("write to", () => this.#sql.unsafe(REBUILD_INSERT, values));
  }

  async rebuildsOf(asked: string): Promise<RebuildRecord[]> {
    const digest = lookupDigest(asked);
    if (digest === undefined) return [];
    const rows = await this.#run("read", () => this.#sql.unsafe(REBUILDS, [digest]));
    return (rows as RebuildRow[]).map(toRebuild);
  }

  async recordMeasurement(m: MeasurementRecord): Promise<void> {
    const values = measurementValues(normalizeMeasurement(m, this.location));
    await this.#run("write to", () => this.#sql.unsafe(MEASUREMENT_INSERT, values));
  }

  async measurementsOf(asked: string): Promise<StoredMeasurement[]> {
    const digest = lookupDigest(asked);
    if (digest === undefined) return [];
    return ((await this.#run("read", () => this.#sql.unsafe(MEASUREMENTS_OF, [digest]))) as MeasurementRow[]).map(toMeasurement);
  }

  async measurementsOfService(service: string, limit?: number): Promise<StoredMeasurement[]> {
    // LIMIT NULL is no limit in PostgreSQL
    return ((await this.#run("read", () => this.#sql.unsafe(MEASUREMENTS_OF_SERVICE, [service, limit ?? null]))) as MeasurementRow[]).map(toMeasurement);
  }

  async checkWritable(): Promise<void> {
    const [row] = await this.#run("read", () =>
      this.#sql.unsafe(
        "SELECT current_setting('transaction_read_only') = 'on' OR pg_is_in_recovery() AS read_only, " +
          "has_table_privilege('bunseal.artifacts', 'INSERT') AND has_table_privilege('bunseal.artifact_files', 'INSERT') AND has_table_privilege('bunseal.artifact_packages', 'INSERT') AND has_table_privilege('bunseal.pins', 'INSERT') AND has_table_privilege('bunseal.rebuilds', 'INSERT') AND has_table_privilege('bunseal.measurements', 'INSERT') AS may_insert",
      ),
    );
    if (row?.read_only) throw new BunsealError("STORE_FAILED", `could not write to the store at ${this.location}: the server is read-only (a standby, or default_transaction_read_only)`, { expected: "a writable store", found: "read-only" });
    if (!row?.may_insert) throw new BunsealError("STORE_FAILED", `could not write to the store at ${this.location}: the user may not insert into bunseal's tables`, { expected: "INSERT on bunseal.artifacts and bunseal.pins", found: "no INSERT privilege" });
  }

  async close(): Promise<void> {
    await this.#sql.close({ timeout: 5 });
  }

  #all(query: Query): Promise<any[]> {
    return this.#run("read", () => this.#sql.unsafe(query.text, query.params));
  }

  async #run<T>(action: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (cause) {
      throw storeError(this.location, action, cause, this.#password);
    }
  }
}
