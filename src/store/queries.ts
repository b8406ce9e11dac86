/**
 * The SQL of the paged lookups, written once for both backends: the text is
 * the same but for an aggregate's name and the placeholders (`?` here, `$n`
 * for PostgreSQL). Every order is newest build first with ties broken by
 * digest (and version), all descending, which is exactly the order of the
 * covering indexes of migration 3, read backwards, so a page reads its own
 * rows and no others.
 */
import { BunsealError } from "../errors.ts";
import type { Dialect } from "./migrations.ts";
import { checkLimit, readArtifactCursor, readPackageCursor } from "./cursor.ts";
import { SUMMARY_COLUMNS } from "./rows.ts";
import type { ArtifactFilter, PackageQuery } from "./store.ts";

export interface Query {
  text: string;
  params: unknown[];
}

/** whether any copy shipped; SQLite keeps booleans as 0/1, PostgreSQL has no MAX of booleans */
const ANY_SHIPPED = { sqlite: "MAX(shipped)", postgres: "bool_or(shipped)" } as const;
const BYTE_ORDER = { sqlite: "", postgres: ' COLLATE "C"' } as const;
/** how a query says "no limit" */
const NO_LIMIT = { sqlite: -1, postgres: null } as const;

function finish(dialect: Dialect, text: string, params: unknown[]): Query {
  if (dialect === "sqlite") return { text, params };
  let n = 0;
  return { text: text.replace(/\?/g, () => `$${++n}`), params };
}

/**
 * One match per (artifact, version locked); a lockfile may hold a name@version twice (two install
 * paths), and the artifact shipped it if either copy did.
 */
export function packageMatchesQuery(dialect: Dialect, name: string, version: string | readonly string[] | undefined, options: PackageQuery = {}): Query {
  if (options.shippedOnly && options.lockedOnly) {
    throw new BunsealError("USAGE", "expected shippedOnly or lockedOnly, not both: together they match nothing", { field: "shippedOnly", expected: "one of shippedOnly, lockedOnly" });
  }
  const limit = checkLimit(options.limit);
  const after = options.after === undefined ? undefined : readPackageCursor(options.after);
  const where = ["name = ?"];
  const params: unknown[] = [name];
  if (version !== undefined) {
    where.push(versionFilter(version));
    params.push(...[version].flat());
  }
  if (options.shippedOnly) where.push("shipped = TRUE");
  if (after) {
    where.push("(built_at_ms, artifact_digest, version) < (?, ?, ?)");
    params.push(after.builtAtMs, after.digest, after.version);
  }
  const having = options.lockedOnly ? ` HAVING NOT COALESCE(${ANY_SHIPPED[dialect]}, FALSE)` : "";
  params.push(limit ?? NO_LIMIT[dialect]);
  const text =
    `SELECT ${SUMMARY_COLUMNS}, m.v AS package_version, m.s AS package_shipped FROM (` +
    `SELECT artifact_digest AS d, version AS v, built_at_ms AS ms, ${ANY_SHIPPED[dialect]} AS s FROM artifact_packages WHERE ${where.join(" AND ")} ` +
    `GROUP BY built_at_ms, artifact_digest, version${having} ORDER BY built_at_ms DESC, artifact_digest DESC, version DESC LIMIT ?` +
    ") m JOIN artifacts a ON a.digest = m.d ORDER BY m.ms DESC, m.d DESC, m.v DESC";
  return finish(dialect, text, params);
}

/** one version, or any of several (the locked versions a range matched: src/trace/package-spec.ts) */
function versionFilter(version: string | readonly string[]): string {
  if (typeof version === "string") return "version = ?";
  return version.length === 0 ? "1 = 0" : `version IN (${version.map(() => "?").join(", ")})`;
}

/**
 * The next distinct version of a package after `after`: one index seek, however many artifacts lock
 * it. MIN and `>` compare in the same (the column's) collation, so asked again from each answer it
 * lists every version once.
 */
export function nextPackageVersionQuery(dialect: Dialect, name: string, after: string | undefined): Query {
  const text = `SELECT MIN(version) AS v FROM artifact_packages WHERE name = ?${after === undefined ? "" : " AND version > ?"}`;
  return finish(dialect, text, after === undefined ? [name] : [name, after]);
}

export function packageCountQuery(dialect: Dialect, name: string, version: string | readonly string[] | undefined): Query {
  const filter = version === undefined ? "name = ?" : `name = ? AND ${versionFilter(version)}`;
  const shipped = dialect === "sqlite" ? "COALESCE(SUM(s), 0)" : "(COUNT(*) FILTER (WHERE s))::int";
  const artifacts = dialect === "sqlite" ? "COUNT(*)" : "COUNT(*)::int";
  const text = `SELECT ${artifacts} AS artifacts, ${shipped} AS shipped FROM (SELECT ${ANY_SHIPPED[dialect]} AS s FROM artifact_packages WHERE ${filter} GROUP BY built_at_ms, artifact_digest) t`;
  return finish(dialect, text, version === undefined ? [name] : [name, ...[version].flat()]);
}

export function listArtifactsQuery(dialect: Dialect, filter: ArtifactFilter = {}): Query {
  const limit = checkLimit(filter.limit);
  const before = filter.before === undefined ? undefined : readArtifactCursor(filter.before);
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.service !== undefined) {
    where.push("service = ?");
    params.push(filter.service);
  }
  if (before) {
    where.push("(built_at_ms, digest) < (?, ?)");
    params.push(before.builtAtMs, before.digest);
  }
  params.push(limit ?? NO_LIMIT[dialect]);
  const text = `SELECT ${SUMMARY_COLUMNS} FROM artifacts ${where.length ? `WHERE ${where.join(" AND ")} ` : ""}ORDER BY built_at_ms DESC, digest DESC LIMIT ?`;
  return finish(dialect, text, params);
}

const COMMIT_PREFIX = /^[0-9a-f]{7,64}$/i;

/** A commit prefix is a range of hex text: from the prefix up to the prefix followed by `g`, the letter after `f`. */
export function commitPrefixQuery(dialect: Dialect, prefix: string, limit: number | undefined): Query {
  if (!COMMIT_PREFIX.test(prefix)) {
    const shown = JSON.stringify(prefix.length > 70 ? `${prefix.slice(0, 67)}...` : prefix);
    throw new BunsealError("USAGE", `commit prefix: expected 7 to 64 hex characters, got ${shown}`, { field: "commit", expected: "7 to 64 hex characters", found: shown });
  }
  const low = prefix.toLowerCase();
  const column = `source_commit${BYTE_ORDER[dialect]}`;
  const text = `SELECT ${SUMMARY_COLUMNS} FROM artifacts WHERE ${column} >= ? AND ${column} < ? ORDER BY built_at_ms DESC, digest DESC LIMIT ?`;
  return finish(dialect, text, [low, `${low}g`, checkLimit(limit) ?? NO_LIMIT[dialect]]);
}

export const CURRENT_PINS_WHERE = "WHERE (service, env, sequence) IN (SELECT service, env, MAX(sequence) FROM pins GROUP BY service, env) ORDER BY service, env";

export const REBUILD_COLUMNS = "digest, reproducible, rebuilt_digest, bun_version, rebuilt_at, rebuilt_at_ms, causes";


/**
 * Digests starting with a hex prefix, in hex order: a range of hex text, as a commit prefix. Both
 * columns hold lower-case hex only, for which every collation orders as bytes do.
 */
export function artifactDigestPrefixQuery(dialect: Dialect, prefix: string, limit: number): Query {
  return finish(dialect, "SELECT digest FROM artifacts WHERE digest >= ? AND digest < ? ORDER BY digest LIMIT ?", [prefix, `${prefix}g`, limit]);
}

/**
 * The first file digest after `after` below the prefix's end: one index seek. Asked again from each
 * answer, it lists the distinct digests without reading the rows of a file that 100,000 artifacts share.
 */
export function nextFileDigestQuery(dialect: Dialect, after: string, prefix: string, inclusive: boolean): Query {
  return finish(dialect, `SELECT MIN(file_digest) AS d FROM artifact_files WHERE file_digest ${inclusive ? ">=" : ">"} ? AND file_digest < ?`, [after, `${prefix}g`]);
}

/**
 * The artifacts holding a file, newest build first (ties by digest, descending), from a cursor.
 * Walked from the artifacts' build order with an index probe of the file each: a page of a
 * file shared by many artifacts reads about its own rows (`many`); a file in few artifacts is
 * read from the file's index and sorted (else the walk would pass every artifact to find them).
 */
export function fileMatchesQuery(dialect: Dialect, digest: string, options: { limit?: number; before?: string; many: boolean }): Query {
  const limit = checkLimit(options.limit);
  const before = options.before === undefined ? undefined : readArtifactCursor(options.before);
  const params: unknown[] = [digest];
  const where = [options.many ? "EXISTS (SELECT 1 FROM artifact_files f WHERE f.file_digest = ? AND f.artifact_digest = a.digest)" : "a.digest IN (SELECT artifact_digest FROM artifact_files WHERE file_digest = ?)"];
  if (before) {
    where.push("(a.built_at_ms, a.digest) < (?, ?)");
    params.push(before.builtAtMs, before.digest);
  }
  params.push(limit ?? NO_LIMIT[dialect]);
  const columns = SUMMARY_COLUMNS.split(", ").map((c) => `a.${c}`).join(", ");
  return finish(dialect, `SELECT ${columns} FROM artifacts a WHERE ${where.join(" AND ")} ORDER BY a.built_at_ms DESC, a.digest DESC LIMIT ?`, params);
}

/** Whether more than `over` rows hold a file: reads at most over + 1 index entries, whatever the total. */
export function fileHoldersOverQuery(dialect: Dialect, digest: string, over: number): Query {
  return finish(dialect, `SELECT ${dialect === "sqlite" ? "COUNT(*)" : "COUNT(*)::int"} AS n FROM (SELECT 1 FROM artifact_files WHERE file_digest = ? LIMIT ?) t`, [digest, over + 1]);
}

export function fileCountQuery(dialect: Dialect, digest: string): Query {
  return finish(dialect, `SELECT ${dialect === "sqlite" ? "COUNT(DISTINCT artifact_digest)" : "COUNT(DISTINCT artifact_digest)::int"} AS n FROM artifact_files WHERE file_digest = ?`, [digest]);
}
