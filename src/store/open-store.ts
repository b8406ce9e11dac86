/**
 * The one place a store spec becomes a backend: `sqlite:PATH` or a bare path
 * (SQLite), `postgres://…` or `postgresql://…` (PostgreSQL). Without a spec,
 * $BUNSEAL_STORE, else ~/.bunseal/store.db.
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { BunsealError } from "../errors.ts";
import type { Store } from "./store.ts";

export type StoreSpec = { kind: "sqlite"; path: string } | { kind: "postgres"; url: URL };

type Env = Readonly<Record<string, string | undefined>>;

const EXPECTED = "sqlite:PATH, a file path, or a postgres:// (or postgresql://) URL";

export async function openStore(spec?: string, env: Env = process.env, options: { existing?: boolean } = {}): Promise<Store> {
  const parsed = parseStoreSpec(spec, env);
  // a command that only reads (trace, serve) answers from a store that is there: a mistyped path, or none
  // given, would otherwise make an empty one and report every digest unknown
  if (options.existing && parsed.kind === "sqlite" && parsed.path !== ":memory:" && !existsSync(parsed.path)) {
    throw new BunsealError("STORE_INVALID", `no store at ${parsed.path}: expected a store that build --store or store import made (${spec === undefined ? (env.BUNSEAL_STORE ? "from $BUNSEAL_STORE" : "the default, as no --store was given") : "--store"}); this command reads a store and makes none`, {
      file: parsed.path,
      expected: "an existing store",
      found: "no file",
    });
  }
  // Each backend is loaded only when used: a SQLite user never pays for the PostgreSQL client, nor the reverse.
  if (parsed.kind === "sqlite") return (await import("./sqlite-store.ts")).openSqliteStore(parsed.path);
  return (await import("./postgres-store.ts")).openPostgresStore(parsed.url);
}

/**
 * A store that is reachable and would take a write now: for commands that
 * must not start work (build, sign) whose result the store would then refuse.
 */
export async function openWritableStore(spec?: string, env: Env = process.env): Promise<Store> {
  const store = await openStore(spec, env);
  try {
    await store.checkWritable();
    return store;
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
}

/** Pure: what a spec names, or STORE_INVALID saying what a spec may look like. */
export function parseStoreSpec(spec: string | undefined, env: Env = process.env): StoreSpec {
  const home = env.HOME || homedir();
  const given = spec ?? (env.BUNSEAL_STORE || join(home, ".bunseal", "store.db"));
  const from = spec === undefined && env.BUNSEAL_STORE ? " (from $BUNSEAL_STORE)" : "";
  const invalid = (why: string) =>
    new BunsealError("STORE_INVALID", `invalid store ${JSON.stringify(given)}${from}: expected ${EXPECTED}; ${why}`, { expected: EXPECTED, found: JSON.stringify(given) });
  const text = given.trim();
  if (text === "") throw invalid("it is empty");

  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  if (scheme === "postgres" || scheme === "postgresql") {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw invalid("it is not a valid URL");
    }
    if (!text.slice(scheme.length + 1).startsWith("//") || url.hostname === "") throw invalid("a PostgreSQL URL needs a host, as in postgres://host/db");
    return { kind: "postgres", url };
  }
  if (scheme === "sqlite") {
    // sqlite:PATH, also sqlite:///abs/path as other tools write it
    const rest = text.slice("sqlite:".length).replace(/^\/\/(?=\/|[^/])/, "");
    if (rest === "") throw invalid("sqlite: needs a path after it");
    return { kind: "sqlite", path: sqlitePath(rest, home) };
  }
  // Any other scheme with // is a URL for something we cannot talk to; a bare path may well contain a colon.
  if (scheme !== undefined && text.slice(scheme.length + 1).startsWith("//")) throw invalid(`${scheme}:// is not a supported store`);
  return { kind: "sqlite", path: sqlitePath(text, home) };
}

function sqlitePath(path: string, home: string): string {
  if (path === ":memory:") return path;
  if (path === "~" || path.startsWith("~/")) return join(home, path.slice(1));
  return resolve(path);
}
