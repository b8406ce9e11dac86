/**
 * A cache of input digests between builds on one machine: a file whose place
 * and stat (device, inode, size, modification and change times, to the
 * nanosecond) are what they were when it was hashed is not read again.
 *
 * It must never weaken the record, so:
 * - any write to a file changes its change time (ctime), which no user-level
 *   call can set back; a file is looked up by all of these fields at once;
 * - a file changed within the last two seconds is hashed and not remembered
 *   ("racy", as git calls it): a second write in the same clock tick could
 *   leave every field as it was;
 * - the cache lives in bunseal's own folder (`$BUNSEAL_CACHE_DIR`, else
 *   `$XDG_CACHE_HOME/bunseal`, else `~/.cache/bunseal`), never in the project,
 *   which is hostile input, and out of the build's sandbox;
 * - a cache that cannot be opened or written is no cache: the files are hashed.
 * `BUNSEAL_CACHE_DIR=off` turns it off. Another bunseal writing at the same moment is waited for
 * 50 ms at most: a busy cache is skipped, never waited on.
 */
import type { Database } from "bun:sqlite";
import { mkdirSync, type BigIntStats } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export interface CachedDigest {
  sha256: string;
  size: number;
}

export interface DigestCache {
  lookup(path: string, stat: BigIntStats): CachedDigest | undefined;
  remember(path: string, stat: BigIntStats, digest: CachedDigest): void;
  /** writes what was remembered; errors are swallowed (a cache is an optimisation) */
  close(): void;
  /** counts, for timings and tests */
  readonly hits: number;
  readonly misses: number;
}

const RACY_NS = 2_000_000_000n;

export function cacheDir(env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (env.BUNSEAL_CACHE_DIR === "off") return undefined;
  if (env.BUNSEAL_CACHE_DIR) return env.BUNSEAL_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, "bunseal");
  const home = env.HOME || safeHomedir();
  return home ? join(home, ".cache", "bunseal") : undefined;
}

function safeHomedir(): string | undefined {
  try {
    return homedir();
  } catch {
    return undefined;
  }
}

const key = (stat: BigIntStats) => `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;

/**
 * The cache's entries under `root` (a project folder), read in one query; the
 * lookups are then map reads. Undefined when there is no usable cache folder.
 */
export function openDigestCache(root: string, env: Readonly<Record<string, string | undefined>>, now: () => bigint = () => BigInt(Date.now()) * 1_000_000n): DigestCache | undefined {
  const dir = cacheDir(env);
  if (!dir) return undefined;
  let db: Database;
  let known: Map<string, { key: string; sha256: string; size: number }>;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const { Database } = require("bun:sqlite") as typeof import("bun:sqlite");
    db = new Database(join(dir, "digests-v1.sqlite"), { create: true });
    db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 50;");
    db.exec("CREATE TABLE IF NOT EXISTS digests (path TEXT PRIMARY KEY, stat TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL) WITHOUT ROWID");
    const prefix = root.endsWith("/") ? root : `${root}/`;
    // a range on the primary key: every path under the folder, none beside it
    const rows = db.query("SELECT path, stat, sha256, size FROM digests WHERE path >= ?1 AND path < ?2").all(prefix, `${prefix.slice(0, -1)}0`) as { path: string; stat: string; sha256: string; size: number }[];
    known = new Map(rows.map((r) => [r.path, { key: r.stat, sha256: r.sha256, size: r.size }]));
  } catch {
    return undefined;
  }
  const fresh: [string, string, string, number][] = [];
  let hits = 0;
  let misses = 0;
  return {
    lookup(path, stat) {
      const entry = known.get(path);
      if (entry && entry.key === key(stat) && now() - stat.ctimeNs >= RACY_NS) {
        hits++;
        return { sha256: entry.sha256, size: entry.size };
      }
      misses++;
      return undefined;
    },
    remember(path, stat, digest) {
      if (now() - stat.ctimeNs < RACY_NS || now() - stat.mtimeNs < RACY_NS) return;
      const k = key(stat);
      if (known.get(path)?.key === k) return;
      fresh.push([path, k, digest.sha256, digest.size]);
    },
    close() {
      try {
        if (fresh.length > 0) {
          const insert = db.prepare("INSERT OR REPLACE INTO digests (path, stat, sha256, size) VALUES (?1, ?2, ?3, ?4)");
          db.transaction(() => {
            for (const row of fresh) insert.run(...row);
          })();
        }
        db.close();
      } catch {
        // another bunseal holding the lock, a full disk: the next build hashes again
      }
    },
    get hits() {
      return hits;
    },
    get misses() {
      return misses;
    },
  };
}
