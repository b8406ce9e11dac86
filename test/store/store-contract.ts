/**
 * The behaviour every Store backend must have, registered once per backend
 * (test/store/sqlite.test.ts, test/store/postgres.test.ts), so the two can
 * never drift apart.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { LATEST_VERSION, MIGRATIONS } from "../../src/store/migrations.ts";
import { openStore } from "../../src/store/open-store.ts";
import type { PinRecord, Store } from "../../src/store/store.ts";
import { rejection } from "../helpers/expect-error.ts";
import { processContract } from "./process-contract.ts";
import { artifact, chainPin, hex } from "./records.ts";

/** What the suite needs beyond the Store interface: reaching the same database again, and reaching under it. */
export interface StoreHarness {
  /** a spec `openStore` takes to open this store again (credentials included), also from a child process */
  spec(store: Store): string;
  /** runs SQL directly on the store's database (schema-qualified where the backend needs it) */
  query(store: Store, text: string): Promise<Record<string, unknown>[]>;
}

export function storeContract(name: string, open: () => Promise<Store>, harness: StoreHarness): void {
  describe(`${name} store`, () => {
    const opened: Store[] = [];
    const fresh = async () => {
      const store = await open();
      opened.push(store);
      return store;
    };
    const reopen = async (store: Store) => {
      const again = await openStore(harness.spec(store));
      opened.push(again);
      return again;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close().catch(() => undefined)));
    });

    test("an artifact round-trips with its files and packages, in order", async () => {
      const store = await fresh();
      const record = { ...artifact("round-trip"), dirty: true, lockfileDigest: null, schemaVersion: null, telemetryContract: "v2" };
      record.files.push({ path: "dist/ünïcode, \"quoted\" {braces}\\back.js", digest: hex("odd") });
      await store.putArtifact(record);
      expect(await store.getArtifact(record.digest)).toEqual(record);
      expect(await store.getArtifact(hex("absent"))).toBeUndefined();
    });

    test("an artifact with no files and no packages round-trips", async () => {
      const store = await fresh();
      const record = artifact("empty", { files: 0, packages: 0 });
      await store.putArtifact(record);
      expect(await store.getArtifact(record.digest)).toEqual(record);
    });

    test("putting a digest again changes nothing and is not an error", async () => {
      const store = await fresh();
      const first = artifact("again");
      await store.putArtifact(first);
      await store.putArtifact({ ...first, name: "impostor", files: [{ path: "evil.js", digest: hex("evil") }], packages: [] });
      expect(await store.getArtifact(first.digest)).toEqual(first);
      expect(await store.findByFileDigest(hex("evil"))).toEqual([]);
    });

    test("refuses an artifact whose build time is not a time", async () => {
      const store = await fresh();
      const error = await rejection(store.putArtifact({ ...artifact("bad-time"), builtAt: "yesterday" }));
      expect(error.code).toBe("STORE_INVALID");
      expect(error.message).toContain('expected builtAt as an ISO 8601 time, got "yesterday"');
      expect(await store.getArtifact(artifact("bad-time").digest)).toBeUndefined();
    });

    test("findByFileDigest finds every artifact holding the file, newest build first, as summaries", async () => {
      const store = await fresh();
      const shared = { path: "dist/shared.js", digest: hex("shared") };
      // by the text of builtAt "old" looks newer; by the clock it is older (time zones)
      const old = artifact("old", { builtAt: "2026-01-02T01:00:00.000Z" });
      const recent = artifact("recent", { builtAt: "2026-01-01T23:30:00-05:00" });
      old.files.push(shared);
      recent.files.push(shared, { ...shared, path: "dist/copy-of-shared.js" });
      await store.putArtifact(old);
      await store.putArtifact(recent);
      await store.putArtifact(artifact("unrelated"));
      const found = await store.findByFileDigest(shared.digest);
      expect(found.map((s) => s.name)).toEqual(["recent", "old"]);
      const { bundle, files, packages, signerPublicKey, signerTrustedRoot, ...summary } = recent;
      expect(found[0]).toEqual(summary);
      expect(await store.findByFileDigest(hex("nowhere"))).toEqual([]);
    });

    test("findByPackage finds by name and version, or by name alone once per version", async () => {
      const store = await fresh();
      const a = artifact("a", { builtAt: "2026-01-01T00:00:00.000Z" });
      const b = artifact("b", { builtAt: "2026-01-02T00:00:00.000Z" });
      a.packages.push({ name: "left-pad", version: "1.3.0", integrity: null });
      // b locks two versions of left-pad, and one of them twice (two paths in the lockfile)
      b.packages.push({ name: "left-pad", version: "1.3.0", integrity: null }, { name: "left-pad", version: "1.1.0", integrity: null }, { name: "left-pad", version: "1.3.0", integrity: null });
      await store.putArtifact(a);
      await store.putArtifact(b);
      const exact = await store.findByPackage("left-pad", "1.3.0");
      expect(exact.map((r) => [r.name, r.packageVersion])).toEqual([["b", "1.3.0"], ["a", "1.3.0"]]);
      const any = await store.findByPackage("left-pad");
      expect(any.map((r) => [r.name, r.packageVersion])).toEqual([["b", "1.1.0"], ["b", "1.3.0"], ["a", "1.3.0"]]);
      expect(any[0]).not.toHaveProperty("bundle");
      expect(await store.findByPackage("left-pad", "9.9.9")).toEqual([]);
      expect(await store.findByPackage("right-pad")).toEqual([]);
    });

    test("pins append in sequence, each naming the one before", async () => {
      const store = await fresh();
      expect(await store.latestPin("api", "prod")).toBeUndefined();
      for (let n = 1; n <= 6; n++) await store.appendPin(chainPin("api", "prod", n));
      expect(await store.latestPin("api", "prod")).toEqual(chainPin("api", "prod", 6));
      expect(await store.pins({ service: "api", env: "prod" })).toEqual([1, 2, 3, 4, 5, 6].map((n) => chainPin("api", "prod", n)));
    });

    test("pins filters by service, env and digest, oldest first within each history", async () => {
      const store = await fresh();
      for (const [service, env, count] of [["web", "prod", 2], ["api", "staging", 2], ["api", "prod", 3]] as const) {
        for (let n = 1; n <= count; n++) await store.appendPin(chainPin(service, env, n));
      }
      const keys = (pins: PinRecord[]) => pins.map((p) => `${p.service}/${p.env}#${p.sequence}`);
      expect(keys(await store.pins())).toEqual(["api/prod#1", "api/prod#2", "api/prod#3", "api/staging#1", "api/staging#2", "web/prod#1", "web/prod#2"]);
      expect(keys(await store.pins({ service: "api" }))).toEqual(["api/prod#1", "api/prod#2", "api/prod#3", "api/staging#1", "api/staging#2"]);
      expect(keys(await store.pins({ env: "prod" }))).toEqual(["api/prod#1", "api/prod#2", "api/prod#3", "web/prod#1", "web/prod#2"]);
      expect(keys(await store.pins({ digest: chainPin("api", "prod", 2).digest }))).toEqual(["api/prod#2"]);
      expect(await store.pins({ service: "nobody" })).toEqual([]);
      expect((await store.latestPin("api", "staging"))?.sequence).toBe(2);
    });

    test("rejects a pin appended from a stale read of the history (sequence already taken)", async () => {
      const store = await fresh();
      for (let n = 1; n <= 2; n++) await store.appendPin(chainPin("api", "prod", n));
      const stale = { ...chainPin("api", "prod", 2), digest: hex("other"), reason: "raced" };
      const error = await rejection(store.appendPin(stale));
      expect(error.code).toBe("PIN_CONFLICT");
      expect(error.message).toContain(`expected sequence 3 after ${chainPin("api", "prod", 2).digest}, got sequence 2 after ${stale.previousDigest}`);
      expect(await store.pins({ service: "api", env: "prod" })).toEqual([chainPin("api", "prod", 1), chainPin("api", "prod", 2)]);
    });

    test("rejects a pin that names the wrong previous digest, or skips a sequence", async () => {
      const store = await fresh();
      const first = await rejection(store.appendPin({ ...chainPin("api", "prod", 1), previousDigest: hex("forged") }));
      expect(first.code).toBe("PIN_CONFLICT");
      expect(first.expected).toBe("sequence 1 after no earlier pin");
      await store.appendPin(chainPin("api", "prod", 1));
      const wrong = await rejection(store.appendPin({ ...chainPin("api", "prod", 2), previousDigest: hex("forged") }));
      expect(wrong.code).toBe("PIN_CONFLICT");
      expect(wrong.found).toBe(`sequence 2 after ${hex("forged")}`);
      const skip = await rejection(store.appendPin(chainPin("api", "prod", 3)));
      expect(skip.code).toBe("PIN_CONFLICT");
      expect((await store.pins()).length).toBe(1);
    });

    test("refuses a rollback pin that names no earlier pin", async () => {
      const store = await fresh();
      await store.appendPin(chainPin("api", "prod", 1));
      const error = await rejection(store.appendPin({ ...chainPin("api", "prod", 2), rollbackOf: 2 }));
      expect(error.code).toBe("STORE_INVALID");
      expect(error.message).toContain("expected rollbackOf to name an earlier pin (1 to 1), got 2");
    });

    test("migrations run once, and reopening keeps the data", async () => {
      const store = await fresh();
      await store.putArtifact(artifact("kept"));
      await store.appendPin(chainPin("api", "prod", 1));
      await store.close();
      const again = await reopen(store);
      await (await reopen(store)).close();
      expect(await again.getArtifact(artifact("kept").digest)).toEqual(artifact("kept"));
      expect(await again.latestPin("api", "prod")).toEqual(chainPin("api", "prod", 1));
      const rows = await harness.query(again, "SELECT version FROM schema_migrations ORDER BY version");
      expect(rows.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version));
    });

    test("refuses a store written by a newer bunseal", async () => {
      const store = await fresh();
      const newer = LATEST_VERSION + 1;
      await harness.query(store, `INSERT INTO schema_migrations (version, applied_at) VALUES (${newer}, '2030-01-01T00:00:00Z')`);
      const error = await rejection(openStore(harness.spec(store)));
      expect(error.code).toBe("STORE_INVALID");
      expect(error.message).toBe(
        `the store at ${store.location} has schema version ${newer}, newer than this bunseal knows (up to ${LATEST_VERSION}): upgrade bunseal to use it`,
      );
    });

    processContract(fresh, harness);
  });
}
