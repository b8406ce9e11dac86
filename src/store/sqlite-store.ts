/**
 * The store for one machine: a SQLite file in WAL mode, so `trace` can read
 * while a build or a pin writes.
 *
 * Durability: `synchronous=FULL`. In WAL mode NORMAL already survives a killed
 * process, but a power cut can lose the last commits; a lost pin would let
 * the next pin reuse its sequence while the signed pin statement that was
 * lost is still out there, a fork of the history. Measured here, FULL costs
 * about 0.1-0.2 ms a put over NORMAL (1.7 against 1.5 ms): most of a put is
 * writing its index pages, not the fsync, and builds and pins are a few a minute.
 *
 * Locking: every write is one `BEGIN IMMEDIATE` transaction, taking the write
 * lock before it reads, so appendPin's read of the newest pin and its insert
 * see the same history; other processes wait up to BUSY_TIMEOUT_MS for it.
 */
import { Database, type Statement } from "bun:sqlite";
import { closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { BunsealError } from "../errors.ts";
import { CREATE_MIGRATIONS_TABLE, LATEST_VERSION, pendingMigrations } from "./migrations.ts";
import { checkPinFollows } from "./pin-order.ts";
import { artifactDigestPrefixQuery, commitPrefixQuery, CURRENT_PINS_WHERE, fileCountQuery, fileHoldersOverQuery, fileMatchesQuery, listArtifactsQuery, nextFileDigestQuery, nextPackageVersionQuery, packageCountQuery, packageMatchesQuery, REBUILD_COLUMNS, type Query } from "./queries.ts";
import { ARTIFACT_INSERT_COLUMNS, ARTIFACT_INSERT_COUNT, artifactValues, lookupDigest, normalizeArtifact, normalizePin, normalizePinFilter, normalizeRebuild, PIN_COLUMNS, pinValues, rebuildValues, SUMMARY_COLUMNS, toPackageMatch, toPin, toRebuild, toRecord, toSummary, type ArtifactRow, type PinRow, type RebuildRow } from "./rows.ts";
import type { ArtifactFilter, ArtifactRecord, ArtifactSummary, FileQuery, MeasurementRecord, PackageMatch, PackageQuery, PinFilter, PinRecord, RebuildRecord, Store, StoredMeasurement } from "./store.ts";
import { storeError } from "./store-error.ts";
import { MEASUREMENT_COLUMNS, measurementValues, normalizeMeasurement, toMeasurement, type MeasurementRow } from "./measurement-rows.ts";
import { checkPrefix, MANY_HOLDERS, mergePrefixMatches } from "./digest-prefix.ts";

const BUSY_TIMEOUT_MS = 5000;

export async function openSqliteStore(path: string): Promise<Store> {
  const location = `sqlite:${path}`;
  let db: Database | undefined;
  try {
    if (path !== ":memory:") {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      // The file is created by us, owner-only, before SQLite opens it; its -wal and -shm files take the same mode.
      if (!existsSync(path)) closeSync(openSync(path, "a", 0o600));
    }
    db = new Database(path, { create: true, readwrite: true, strict: true });
    // busy_timeout first: switching to WAL needs a lock another process may hold.
    db.run(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    await switchToWal(db);
    db.run("PRAGMA synchronous = FULL");
    db.run("PRAGMA foreign_keys = ON");
    migrate(db, location);
    return new SqliteStore(db, location);
  } catch (cause) {
    db?.close();
    if ((cause as { code?: unknown }).code === "SQLITE_NOTADB") {
      throw new BunsealError("STORE_INVALID", `the store at ${location} is not a SQLite database: expected a bunseal store or a path where one can be created`, { file: path, cause });
    }
    throw storeError(location, "open", cause);
  }
}

/**
 * WAL mode, retried while another process holds the lock: SQLite answers the
 * switch with SQLITE_BUSY at once in some states, without its busy handler
 * (seen with eight processes opening one new store together).
 */
async function switchToWal(db: Database): Promise<void> {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      db.query("PRAGMA journal_mode = WAL").get();
      return;
    } catch (error) {
      if ((error as { code?: unknown }).code !== "SQLITE_BUSY" || Date.now() > deadline) throw error;
      await Bun.sleep(5 + Math.random() * 20 * Math.min(attempt + 1, 5));
    }
  }
}

function migrate(db: Database, location: string): void {
  // A read first, so opening an up-to-date store never waits for the write lock: one query, in the common case.
  if (appliedVersion(db) === LATEST_VERSION) return;
  db.transaction(() => {
    db.run(CREATE_MIGRATIONS_TABLE);
    // Read again under the lock: another process may have migrated meanwhile.
    for (const migration of pendingMigrations(appliedVersion(db), location)) {
      for (const statement of migration.statements("sqlite")) db.run(statement);
      db.run("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", [migration.version, new Date().toISOString()]);
    }
  }).immediate();
}

function appliedVersion(db: Database): number {
  try {
    return (db.prepare("SELECT MAX(version) AS v FROM schema_migrations").get() as { v: number | null }).v ?? 0;
  } catch (error) {
    // a new file: nothing applied yet
    if (/no such table: schema_migrations/.test((error as Error).message)) return 0;
    throw error;
  }
}

type Row = Record<string, any>;

// The fixed statements, each prepared on first use and kept for the life of the store: compiling one
// costs more than running one of these lookups, and a command that traces one digest uses only a few.
const SQL = {
  insertArtifact: `INSERT OR IGNORE INTO artifacts (${ARTIFACT_INSERT_COLUMNS}) VALUES (${Array(ARTIFACT_INSERT_COUNT).fill("?").join(", ")})`,
  insertFile: "INSERT INTO artifact_files (artifact_digest, ordinal, path, file_digest) VALUES (?, ?, ?, ?)",
  insertPackage: "INSERT INTO artifact_packages (artifact_digest, ordinal, name, version, integrity, shipped, built_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
  artifact: `SELECT ${SUMMARY_COLUMNS}, signer_public_key, signer_trusted_root, (SELECT bundle FROM artifact_bundles b WHERE b.digest = artifacts.digest) AS bundle FROM artifacts WHERE digest = ?`,
  insertBundle: "INSERT INTO artifact_bundles (digest, bundle) VALUES (?, ?)",
  files: "SELECT path, file_digest FROM artifact_files WHERE artifact_digest = ? ORDER BY ordinal",
  packages: "SELECT name, version, integrity, shipped FROM artifact_packages WHERE artifact_digest = ? ORDER BY ordinal",
  byFile: `SELECT ${SUMMARY_COLUMNS} FROM artifacts WHERE digest IN (SELECT artifact_digest FROM artifact_files WHERE file_digest = ?) ORDER BY built_at_ms DESC, digest`,
  newestPin: "SELECT sequence, digest FROM pins WHERE service = ? AND env = ? ORDER BY sequence DESC LIMIT 1",
  latestPin: `SELECT ${PIN_COLUMNS} FROM pins WHERE service = ? AND env = ? ORDER BY sequence DESC LIMIT 1`,
  pinsOf: `SELECT ${PIN_COLUMNS} FROM pins WHERE digest IN (SELECT value FROM json_each(?)) ORDER BY service, env, sequence`,
  currentPins: `SELECT ${PIN_COLUMNS} FROM pins ${CURRENT_PINS_WHERE}`,
  insertPin: `INSERT INTO pins (${PIN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  insertRebuild: `INSERT INTO rebuilds (${REBUILD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  rebuilds: `SELECT ${REBUILD_COLUMNS} FROM rebuilds WHERE digest = ? ORDER BY rebuilt_at_ms, id`,
  insertMeasurement: `INSERT INTO measurements (${MEASUREMENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  measurementsOf: `SELECT ${MEASUREMENT_COLUMNS} FROM measurements WHERE subject_digest = ? ORDER BY measured_at_ms DESC, id DESC`,
  measurementsOfService: `SELECT ${MEASUREMENT_COLUMNS} FROM measurements WHERE service = ? ORDER BY measured_at_ms DESC, id DESC LIMIT ?`,
} as const;

class SqliteStore implements Store {
  readonly location: string;
  readonly #db: Database;
  readonly #put: (record: ArtifactRecord) => void;
  readonly #append: (pin: PinRecord) => void;
  /** prepared statements by their text: the fixed ones, and each variant of the paged queries */
  readonly #statements = new Map<string, Statement<Row, any[]>>();

  constructor(db: Database, location: string) {
    this.#db = db;
    this.location = location;
    const put = db.transaction((record: ArtifactRecord) => {
      const values = artifactValues(record, location) as any[];
      // Files and packages only with a new artifact row: putting a digest twice changes nothing.
      if (this.#q(SQL.insertArtifact).run(...values).changes === 0) return;
      this.#q(SQL.insertBundle).run(record.digest, record.bundle);
      const builtAtMs = Date.parse(record.builtAt);
      const insertFile = this.#q(SQL.insertFile);
      const insertPackage = this.#q(SQL.insertPackage);
      record.files.forEach((f, i) => insertFile.run(record.digest, i, f.path, f.digest));
      record.packages.forEach((p, i) => insertPackage.run(record.digest, i, p.name, p.version, p.integrity, p.shipped, builtAtMs));
    });
    this.#put = put.immediate;
    const append = db.transaction((pin: PinRecord) => {
      const newest = this.#q(SQL.newestPin).get(pin.service, pin.env) as { sequence: number; digest: string } | null;
      checkPinFollows(pin, newest, location);
      this.#q(SQL.insertPin).run(...(pinValues(pin) as any[]));
    });
    this.#append = append.immediate;
  }

  async putArtifact(record: ArtifactRecord): Promise<void> {
    this.#run("write to", () => this.#put(normalizeArtifact(record, this.location)));
  }

  async getArtifact(asked: string): Promise<ArtifactRecord | undefined> {
    const digest = lookupDigest(asked);
    if (digest === undefined) return undefined;
    return this.#run("read", () => {
      const row = this.#q(SQL.artifact).get(digest) as ArtifactRow | null;
      if (!row) return undefined;
      return toRecord(row, this.#q(SQL.files).all(digest) as any[], this.#q(SQL.packages).all(digest) as any[]);
    });
  }

  async findByFileDigest(asked: string, options?: FileQuery): Promise<ArtifactSummary[]> {
    const digest = lookupDigest(asked);
    if (digest === undefined) return [];
    if (options === undefined) return this.#run("read", () => (this.#q(SQL.byFile).all(digest) as ArtifactRow[]).map(toSummary));
    return this.#run("read", () => {
      const many = (this.#all(fileHoldersOverQuery("sqlite", digest, MANY_HOLDERS))[0]?.n as number) > MANY_HOLDERS;
      return (this.#all(fileMatchesQuery("sqlite", digest, { ...options, many })) as ArtifactRow[]).map(toSummary);
    });
  }

  async countByFileDigest(asked: string): Promise<number> {
    const digest = lookupDigest(asked);
    if (digest === undefined) return 0;
    return this.#run("read", () => (this.#all(fileCountQuery("sqlite", digest))[0]?.n as number | undefined) ?? 0);
  }

  async digestsWithPrefix(prefix: string, limit: number, options: { artifactsOnly?: boolean } = {}): Promise<{ digest: string; artifact: boolean }[]> {
    const low = checkPrefix(prefix);
    return this.#run("read", () => {
      const artifacts = (this.#all(artifactDigestPrefixQuery("sqlite", low, limit)) as { digest: string }[]).map((r) => r.digest);
      const files: string[] = [];
      if (!options.artifactsOnly) {
        for (let from = low, first = true; files.length < limit; first = false) {
          const next = this.#all(nextFileDigestQuery("sqlite", from, low, first))[0]?.d as string | null | undefined;
          if (!next) break;
          files.push((from = next));
        }
      }
      return mergePrefixMatches(low, artifacts, files, limit);
    });
  }

  async findByPackage(name: string, version?: string | readonly string[], options: PackageQuery = {}): Promise<PackageMatch[]> {
    const query = packageMatchesQuery("sqlite", name, version, options);
    return this.#run("read", () => (this.#all(query) as any[]).map(toPackageMatch));
  }

  async countByPackage(name: string, version?: string | readonly string[]): Promise<{ artifacts: number; shipped: number }> {
    const query = packageCountQuery("sqlite", name, version);
    return this.#run("read", () => {
      const [row] = this.#all(query) as { artifacts: number; shipped: number }[];
      return { artifacts: row?.artifacts ?? 0, shipped: row?.shipped ?? 0 };
    });
  }

  async packageVersions(name: string, limit = 10_000): Promise<string[]> {
    return this.#run("read", () => {
      const versions: string[] = [];
      for (let after: string | undefined; versions.length < limit; ) {
        const next = this.#all(nextPackageVersionQuery("sqlite", name, after))[0]?.v as string | null | undefined;
        if (next === null || next === undefined) break;
        versions.push((after = next));
      }
      return versions;
    });
  }

  async listArtifacts(filter: ArtifactFilter = {}): Promise<ArtifactSummary[]> {
    const query = listArtifactsQuery("sqlite", filter);
    return this.#run("read", () => (this.#all(query) as ArtifactRow[]).map(toSummary));
  }

  async findByCommitPrefix(prefix: string, limit?: number): Promise<ArtifactSummary[]> {
    const query = commitPrefixQuery("sqlite", prefix, limit);
    return this.#run("read", () => (this.#all(query) as ArtifactRow[]).map(toSummary));
  }

  async appendPin(pin: PinRecord): Promise<void> {
    this.#run("write to", () => this.#append(normalizePin(pin, this.location)));
  }

  async pins(given: PinFilter = {}): Promise<PinRecord[]> {
    const filter = normalizePinFilter(given);
    if (filter === undefined) return [];
    return this.#run("read", () => {
      const keys = (["service", "env", "digest"] as const).filter((k) => filter[k] !== undefined);
      const where = keys.length === 0 ? "" : `WHERE ${keys.map((k) => `${k} = ?`).join(" AND ")}`;
      return (this.#q(`SELECT ${PIN_COLUMNS} FROM pins ${where} ORDER BY service, env, sequence`).all(...keys.map((k) => filter[k]!)) as PinRow[]).map(toPin);
    });
  }

  async pinsOf(asked: readonly string[]): Promise<PinRecord[]> {
    const digests = asked.map(lookupDigest).filter((d): d is string => d !== undefined);
    if (digests.length === 0) return [];
    // one statement whatever the count: the digests travel as one JSON array
    return this.#run("read", () => (this.#q(SQL.pinsOf).all(JSON.stringify(digests)) as PinRow[]).map(toPin));
  }

  async latestPin(service: string, env: string): Promise<PinRecord | undefined> {
    return this.#run("read", () => {
      const row = this.#q(SQL.latestPin).get(service, env) as PinRow | null;
      return row ? toPin(row) : undefined;
    });
  }

  async currentPins(): Promise<PinRecord[]> {
    return this.#run("read", () => (this.#q(SQL.currentPins).all() as PinRow[]).map(toPin));
  }

  async putRebuild(rebuild: RebuildRecord): Promise<void> {
    const row = rebuildValues(normalizeRebuild(rebuild, this.location));
    this.#run("write to", () => this.#q(SQL.insertRebuild).run(...(row as any[])));
  }

  async rebuildsOf(asked: string): Promise<RebuildRecord[]> {
    const digest = lookupDigest(asked);
    if (digest === undefined) return [];
    return this.#run("read", () => (this.#q(SQL.rebuilds).all(digest) as RebuildRow[]).map(toRebuild));
  }

  async recordMeasurement(m: MeasurementRecord): Promise<void> {
    const row = measurementValues(normalizeMeasurement(m, this.location));
    this.#run("write to", () => this.#q(SQL.insertMeasurement).run(...(row as any[])));
  }

  async measurementsOf(asked: string): Promise<StoredMeasurement[]> {
    const digest = lookupDigest(asked);
    if (digest === undefined) return [];
    return this.#run("read", () => (this.#q(SQL.measurementsOf).all(digest) as MeasurementRow[]).map(toMeasurement));
  }

  async measurementsOfService(service: string, limit?: number): Promise<StoredMeasurement[]> {
    return this.#run("read", () => (this.#q(SQL.measurementsOfService).all(service, limit ?? -1) as MeasurementRow[]).map(toMeasurement));
  }

  async checkWritable(): Promise<void> {
    // BEGIN IMMEDIATE takes the write lock, which a read-only file or folder refuses; nothing is written
    this.#run("write to", () => {
      this.#db.run("BEGIN IMMEDIATE");
      this.#db.run("ROLLBACK");
    });
  }

  async close(): Promise<void> {
    this.#db.close();
  }

  #q(text: string): Statement<Row, any[]> {
    let statement = this.#statements.get(text);
    if (!statement) {
      statement = this.#db.prepare<Row, any[]>(text);
      this.#statements.set(text, statement);
    }
    return statement;
  }

  #all(query: Query): Row[] {
    return this.#q(query.text).all(...(query.params as any[]));
  }

  #run<T>(action: string, fn: () => T): T {
    try {
      return fn();
    } catch (cause) {
      throw storeError(this.location, action, cause);
    }
  }
}
