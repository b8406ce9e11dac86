/** The store contract on PostgreSQL: a new database for each store (see test/helpers/postgres.ts). */
import { afterAll } from "bun:test";
import { SQL } from "bun";
import { openStore } from "../../src/store/open-store.ts";
import type { Store } from "../../src/store/store.ts";
import { dropPostgresDatabases, postgresUrl } from "../helpers/postgres.ts";
import { storeContract } from "./store-contract.ts";

const urls = new Map<string, string>();

// one DROP DATABASE … WITH (FORCE) per store the suite made: seconds on a loaded machine
afterAll(() => dropPostgresDatabases(), 60_000);

async function open(): Promise<Store> {
  const url = await postgresUrl();
  const store = await openStore(url);
  urls.set(store.location, url);
  return store;
}

storeContract("PostgreSQL", open, {
  async blank() {
    const url = new URL(await postgresUrl());
    // as a store opened there will name itself, so query() reaches it
    urls.set(`${url.protocol}//${url.host}${url.pathname}`, url.href);
    return {
      dialect: "postgres",
      spec: url.href,
      async run(text) {
        const sql = new SQL(url.href, { max: 1, database: url.pathname.slice(1), connection: { search_path: "bunseal" } });
        try {
          await sql.unsafe("CREATE SCHEMA IF NOT EXISTS bunseal");
          await sql.unsafe(text);
        } finally {
          await sql.close();
        }
      },
    };
  },
  spec: (store) => urls.get(store.location)!,
  async query(store, text) {
    // The store keeps its tables in the schema `bunseal`.
    const url = new URL(urls.get(store.location)!);
    const sql = new SQL(url.href, { max: 1, database: url.pathname.slice(1), connection: { search_path: "bunseal" } });
    try {
      return [...(await sql.unsafe(text))];
    } finally {
      await sql.close();
    }
  },
});
