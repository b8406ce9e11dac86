/** Store specs, defaults, and what a user sees when a store cannot be opened. */
import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { join, resolve } from "node:path";
import { LATEST_VERSION } from "../../src/store/migrations.ts";
import { openStore, parseStoreSpec } from "../../src/store/open-store.ts";
import { rejection } from "../helpers/expect-error.ts";
import { dropPostgresDatabases, postgresUrl } from "../helpers/postgres.ts";
import { testdir } from "../helpers/testdir.ts";

const EXPECTED = "expected sqlite:PATH, a file path, or a postgres:// (or postgresql://) URL";

describe("parseStoreSpec", () => {
  const env = { HOME: "/home/ada" };
  test.each([
    ["sqlite:/srv/bunseal.db", "/srv/bunseal.db"],
    ["sqlite:///srv/bunseal.db", "/srv/bunseal.db"],
    ["sqlite:~/stores/a.db", "/home/ada/stores/a.db"],
    ["/srv/with:colon.db", "/srv/with:colon.db"],
    ["~/b.db", "/home/ada/b.db"],
    ["relative/c.db", resolve("relative/c.db")],
  ])("%p is the SQLite file %p", (spec, path) => {
    expect(parseStoreSpec(spec, env)).toEqual({ kind: "sqlite", path });
  });

  test.each(["postgres://u:p@db.internal:5433/bunseal", "postgresql://db.internal/bunseal"])("%p is PostgreSQL", (spec) => {
    const parsed = parseStoreSpec(spec, env);
    expect(parsed.kind).toBe("postgres");
  });

  test("without a spec: $BUNSEAL_STORE, else ~/.bunseal/store.db", () => {
    expect(parseStoreSpec(undefined, { ...env, BUNSEAL_STORE: "sqlite:/var/lib/bunseal.db" })).toEqual({ kind: "sqlite", path: "/var/lib/bunseal.db" });
    expect(parseStoreSpec(undefined, { ...env, BUNSEAL_STORE: "" })).toEqual({ kind: "sqlite", path: "/home/ada/.bunseal/store.db" });
  });

  test.each([
    ["", "it is empty"],
    ["mysql://db/bunseal", "mysql:// is not a supported store"],
    ["postgres:/db/bunseal", "a PostgreSQL URL needs a host"],
    ["postgres://", "a PostgreSQL URL needs a host"],
    ["sqlite:", "sqlite: needs a path after it"],
  ])("refuses %p, naming what a spec may be", async (spec, why) => {
    const error = await rejection(openStore(spec, env));
    expect(error.code).toBe("STORE_INVALID");
    expect(error.kind).toBe("input");
    expect(error.message).toContain(EXPECTED);
    expect(error.message).toContain(why);
  });

  test("names $BUNSEAL_STORE when the bad spec came from there", async () => {
    const error = await rejection(openStore(undefined, { ...env, BUNSEAL_STORE: "redis://cache" }));
    expect(error.message).toStartWith('invalid store "redis://cache" (from $BUNSEAL_STORE): ' + EXPECTED);
  });
});

describe("openStore on SQLite", () => {
  test("creates the default store and its folders, readable by the owner only", async () => {
    await using home = await testdir();
    const store = await openStore(undefined, { HOME: home.path });
    await store.close();
    const path = join(home.path, ".bunseal", "store.db");
    expect(store.location).toBe(`sqlite:${path}`);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(home.path, ".bunseal")).mode & 0o777).toBe(0o700);
    const db = new Database(path, { readonly: true });
    expect(db.query("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    db.close();
  });

  test("refuses a file that is not a SQLite database", async () => {
    await using dir = await testdir({ "notes.txt": "not a database, just words ".repeat(100) });
    const error = await rejection(openStore(`sqlite:${join(dir.path, "notes.txt")}`));
    expect(error.code).toBe("STORE_INVALID");
    expect(error.message).toBe(`the store at sqlite:${join(dir.path, "notes.txt")} is not a SQLite database: expected a bunseal store or a path where one can be created`);
  });

  test("a place where no file can be made is STORE_FAILED with the location and the reason", async () => {
    await using dir = await testdir({ "file": "x" });
    const path = join(dir.path, "file", "store.db");
    const error = await rejection(openStore(path));
    expect(error.code).toBe("STORE_FAILED");
    expect(error.kind).toBe("environment");
    expect(error.message).toStartWith(`could not open the store at sqlite:${path}: `);
    expect(error.message).toContain("EEXIST");
  });

  test("eight processes opening one new store at once all succeed, and migrate it once", async () => {
    await using dir = await testdir();
    const spec = `sqlite:${join(dir.path, "store.db")}`;
    const children = Array.from({ length: 8 }, () =>
      Bun.spawn([process.execPath, join(import.meta.dir, "store-worker.ts"), "open", spec], { stdout: "pipe", stderr: "pipe" }),
    );
    for (const child of children) expect({ exit: await child.exited, stderr: await new Response(child.stderr).text() }).toEqual({ exit: 0, stderr: "" });
    const db = new Database(join(dir.path, "store.db"), { readonly: true });
    // each migration recorded once, however many processes raced to apply it
    expect(db.query("SELECT COUNT(*) AS n FROM schema_migrations").get()).toEqual({ n: LATEST_VERSION });
    db.close();
  }, 30_000);
});

describe("openStore on PostgreSQL", () => {
  afterAll(() => dropPostgresDatabases());

  test("an unreachable server is STORE_FAILED naming the server, never the password", async () => {
    const port = await closedPort();
    const error = await rejection(openStore(`postgres://ada:hunter2secret@127.0.0.1:${port}/bunseal?sslmode=disable`));
    expect(error.code).toBe("STORE_FAILED");
    expect(error.kind).toBe("environment");
    expect(error.message).toStartWith(`could not open the store at postgres://127.0.0.1:${port}/bunseal: `);
    expect(error.message).toContain("ERR_POSTGRES_CONNECTION_REFUSED");
    expect(error.message).not.toContain("hunter2secret");
  });

  test("location drops the user and password; concurrent first opens migrate once", async () => {
    const url = new URL(await postgresUrl());
    url.password = "s3cret-pw";
    const stores = await Promise.all(Array.from({ length: 8 }, () => openStore(url.href)));
    expect(stores[0]!.location).toBe(`postgres://${url.host}${url.pathname}`);
    await stores[0]!.appendPin({ service: "api", env: "prod", sequence: 1, digest: "a".repeat(64), previousDigest: null, actor: "a", reason: "r", pinnedAt: "2026-01-01T00:00:00Z", rollbackOf: null, bundle: "{}" });
    expect((await stores[7]!.pins()).length).toBe(1);
    await Promise.all(stores.map((s) => s.close()));
  }, 30_000);
});

async function closedPort(): Promise<number> {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}
