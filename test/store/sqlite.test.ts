/** The store contract on SQLite: a new file in a temporary folder for each store. */
import { afterAll } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { openStore } from "../../src/store/open-store.ts";
import type { Store } from "../../src/store/store.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";
import { storeContract } from "./store-contract.ts";

const dirs: TestDir[] = [];

afterAll(async () => {
  await Promise.all(dirs.map((d) => d.cleanup()));
});

async function open(): Promise<Store> {
  const dir = await makeTempDir("bunseal-store-");
  dirs.push(dir);
  // a folder that does not exist yet: the store makes its parents
  return openStore(`sqlite:${join(dir.path, "nested", "store.db")}`);
}

storeContract("SQLite", open, {
  async blank() {
    const dir = await makeTempDir("bunseal-store-");
    dirs.push(dir);
    const path = join(dir.path, "old.db");
    return {
      dialect: "sqlite",
      spec: `sqlite:${path}`,
      async run(text) {
        const db = new Database(path, { create: true });
        try {
          db.run(text);
        } finally {
          db.close();
        }
      },
    };
  },
  // The location of a SQLite store is its spec: it holds no credentials.
  spec: (store) => store.location,
  async query(store, text) {
    const db = new Database(store.location.slice("sqlite:".length));
    try {
      db.run("PRAGMA busy_timeout = 5000");
      return db.query(text).all() as Record<string, unknown>[];
    } finally {
      db.close();
    }
  },
});
