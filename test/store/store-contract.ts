/**
 * The behaviour every Store backend must have, registered once per backend
 * (test/store/sqlite.test.ts, test/store/postgres.test.ts), so the two can
 * never drift apart.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { CREATE_MIGRATIONS_TABLE, LATEST_VERSION, MIGRATIONS, type Dialect } from "../../src/store/migrations.ts";
import { openStore } from "../../src/store/open-store.ts";
import { artifactPage, packagePage } from "../../src/store/pages.ts";
import { ARTIFACT_INSERT_COLUMNS, artifactValues } from "../../src/store/rows.ts";
import type { ArtifactRecord, PackageMatch, PackageQuery, PinRecord, RebuildRecord, Store } from "../../src/store/store.ts";
import { rejection } from "../helpers/expect-error.ts";
import { processContract } from "./process-contract.ts";
import { artifact, chainPin, hex, measurementRecord } from "./records.ts";

/** What the suite needs beyond the Store interface: reaching the same database again, and reaching under it. */
export interface StoreHarness {
  /** a spec `openStore` takes to open this store again (credentials included), also from a child process */
  spec(store: Store): string;
  /** runs SQL directly on the store's database (schema-qualified where the backend needs it) */
  query(store: Store, text: string): Promise<Record<string, unknown>[]>;
  /** an empty database, its spec, and a way to run SQL in it (where the store's tables go) before a store opens it */
  blank(): Promise<{ dialect: Dialect; spec: string; run(text: string): Promise<void> }>;
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

    test("findByPackage finds by name and version, or by name alone once per version, shipped if any copy shipped", async () => {
      const store = await fresh();
      const a = artifact("a", { builtAt: "2026-01-01T00:00:00.000Z" });
      const b = artifact("b", { builtAt: "2026-01-02T00:00:00.000Z" });
      a.packages.push({ name: "left-pad", version: "1.3.0", integrity: null, shipped: false });
      // b locks two versions of left-pad, and one of them twice (two paths in the lockfile): one copy bundled, one not
      b.packages.push({ name: "left-pad", version: "1.3.0", integrity: null, shipped: false }, { name: "left-pad", version: "1.1.0", integrity: null, shipped: false }, { name: "left-pad", version: "1.3.0", integrity: null, shipped: true });
      await store.putArtifact(a);
      await store.putArtifact(b);
      const exact = await store.findByPackage("left-pad", "1.3.0");
      expect(exact.map((r) => [r.name, r.packageVersion, r.shipped])).toEqual([["b", "1.3.0", true], ["a", "1.3.0", false]]);
      // newest build first; within one artifact, versions in descending order
      const any = await store.findByPackage("left-pad");
      expect(any.map((r) => [r.name, r.packageVersion, r.shipped])).toEqual([["b", "1.3.0", true], ["b", "1.1.0", false], ["a", "1.3.0", false]]);
      expect(any[0]).not.toHaveProperty("bundle");
      const { bundle, files, packages, signerPublicKey, signerTrustedRoot, ...summary } = b;
      expect(any[0]).toEqual({ ...summary, packageVersion: "1.3.0", shipped: true });
      expect(await store.findByPackage("left-pad", "9.9.9")).toEqual([]);
      expect(await store.findByPackage("right-pad")).toEqual([]);
      expect(await store.countByPackage("left-pad", "1.3.0")).toEqual({ artifacts: 2, shipped: 1 });
      // by name alone an artifact counts once, however many versions it locked
      expect(await store.countByPackage("left-pad")).toEqual({ artifacts: 2, shipped: 1 });
      expect(await store.countByPackage("right-pad")).toEqual({ artifacts: 0, shipped: 0 });
    });

    test("findByPackage pages newest build first, shipped only or locked only, with ties on the build time kept apart", async () => {
      const store = await fresh();
      const records: ArtifactRecord[] = [];
      for (let i = 0; i < 9; i++) {
        // 0 and 1 were built in the same millisecond; the digest breaks the tie
        const record = artifact(`paged-${i}`, { builtAt: new Date(Date.UTC(2026, 0, 1) + Math.max(i, 1) * 60_000).toISOString() });
        // shipped, locked only, unknown (recorded before the store kept it), in turn; every third also locks 2.0.0
        record.packages.push({ name: "is-odd", version: "1.0.0", integrity: null, shipped: [true, false, null][i % 3]! });
        if (i % 3 === 0) record.packages.push({ name: "is-odd", version: "2.0.0", integrity: null, shipped: false });
        records.push(record);
      }
      for (const record of records.toReversed()) await store.putArtifact(record);
      const key = (m: PackageMatch) => `${m.name}@${m.packageVersion}`;
      const all = await store.findByPackage("is-odd");
      expect(all).toHaveLength(12);
      expect(all.slice(0, 3).map(key)).toEqual(["paged-8@1.0.0", "paged-7@1.0.0", "paged-6@2.0.0"]);
      const lastThree = records[0]!.digest > records[1]!.digest ? ["paged-0@2.0.0", "paged-0@1.0.0", "paged-1@1.0.0"] : ["paged-1@1.0.0", "paged-0@2.0.0", "paged-0@1.0.0"];
      expect(all.slice(-3).map(key)).toEqual(lastThree);
      const walk = async (version: string | undefined, query: PackageQuery, limit: number) => {
        const seen: string[] = [];
        let after: string | undefined;
        for (let pages = 0; ; pages++) {
          const page = await packagePage(store, "is-odd", version, { ...query, limit, after });
          expect(page.items.length).toBeLessThanOrEqual(limit);
          seen.push(...page.items.map(key));
          if (page.nextCursor === null) return seen;
          after = page.nextCursor;
          expect(pages).toBeLessThan(20);
        }
      };
      for (const limit of [1, 2, 5, 12, 50]) {
        expect(await walk(undefined, {}, limit)).toEqual(all.map(key));
        expect(await walk("1.0.0", { shippedOnly: true }, limit)).toEqual(all.filter((m) => m.packageVersion === "1.0.0" && m.shipped === true).map(key));
        expect(await walk(undefined, { lockedOnly: true }, limit)).toEqual(all.filter((m) => m.shipped !== true).map(key));
      }
      expect((await store.findByPackage("is-odd", "1.0.0", { shippedOnly: true })).map((m) => m.shipped)).toEqual([true, true, true]);
      expect(new Set((await store.findByPackage("is-odd", "1.0.0", { lockedOnly: true })).map((m) => m.shipped))).toEqual(new Set([false, null]));
      expect(await store.countByPackage("is-odd", "1.0.0")).toEqual({ artifacts: 9, shipped: 3 });
      expect(await store.countByPackage("is-odd", "2.0.0")).toEqual({ artifacts: 3, shipped: 0 });
      expect(await store.countByPackage("is-odd")).toEqual({ artifacts: 9, shipped: 3 });
    });

    test("a cursor that is not one a page gave, or a limit that is no page size, is a usage error", async () => {
      const store = await fresh();
      for (const after of ["", "p.", "p.bm90IGpzb24", `a.${Buffer.from(JSON.stringify([1, hex("x")])).toString("base64url")}`, `p.${Buffer.from(JSON.stringify([1, "not-hex", "1.0.0"])).toString("base64url")}`]) {
        const error = await rejection(store.findByPackage("is-odd", undefined, { after }));
        expect(error.code).toBe("USAGE");
        expect(error.message).toStartWith("after: expected a cursor from a previous page's nextCursor, got ");
      }
      expect((await rejection(store.listArtifacts({ before: "p.x" }))).message).toStartWith("before: expected a cursor from a previous page's nextCursor");
      for (const limit of [0, -1, 1.5, Number.NaN]) expect((await rejection(store.findByPackage("is-odd", undefined, { limit }))).message).toBe(`limit: expected a whole number from 1, got ${limit}`);
      expect((await rejection(store.findByPackage("is-odd", undefined, { shippedOnly: true, lockedOnly: true }))).code).toBe("USAGE");
    });

    test("listArtifacts pages newest build first, for every service or one", async () => {
      const store = await fresh();
      const records = Array.from({ length: 7 }, (_, i) => ({ ...artifact(`listed-${i}`, { builtAt: new Date(Date.UTC(2026, 1, 1) + (i % 6) * 3_600_000).toISOString() }), service: i % 2 ? "web" : "api" }));
      for (const record of records) await store.putArtifact(record);
      const all = await store.listArtifacts();
      expect(all.map((a) => a.name).slice(0, 2)).toEqual(["listed-5", "listed-4"]);
      expect(all).toHaveLength(7);
      const { bundle, files, packages, signerPublicKey, signerTrustedRoot, ...summary } = records[5]!;
      expect(all[0]).toEqual(summary);
      for (const service of [undefined, "web"]) {
        const seen: string[] = [];
        let before: string | undefined;
        do {
          const page = await artifactPage(store, { service, limit: 2, before });
          seen.push(...page.items.map((a) => a.name));
          before = page.nextCursor ?? undefined;
        } while (before);
        expect(seen).toEqual(all.filter((a) => service === undefined || a.service === service).map((a) => a.name));
      }
      expect((await store.listArtifacts({ service: "api", limit: 1 })).map((a) => a.name)).toEqual(["listed-4"]);
      expect(await store.listArtifacts({ service: "nobody" })).toEqual([]);
    });

    test("findByCommitPrefix finds by 7 or more hex characters, in either case, newest first", async () => {
      const store = await fresh();
      const older = { ...artifact("c-old", { builtAt: "2026-01-01T00:00:00Z" }), commit: "abcdef0123456789abcdef0123456789abcdef01" };
      const newer = { ...artifact("c-new", { builtAt: "2026-01-02T00:00:00Z" }), commit: "abcdef0fffffffffffffffffffffffffffffffff" };
      const other = { ...artifact("c-other"), commit: "abcdef1000000000000000000000000000000000" };
      for (const record of [older, newer, other]) await store.putArtifact(record);
      expect((await store.findByCommitPrefix("abcdef0")).map((a) => a.name)).toEqual(["c-new", "c-old"]);
      expect((await store.findByCommitPrefix("ABCDEF0")).map((a) => a.name)).toEqual(["c-new", "c-old"]);
      expect((await store.findByCommitPrefix("abcdef0", 1)).map((a) => a.name)).toEqual(["c-new"]);
      expect((await store.findByCommitPrefix(older.commit)).map((a) => a.name)).toEqual(["c-old"]);
      expect(await store.findByCommitPrefix("0000000")).toEqual([]);
      for (const prefix of ["abcdef", "abcdefg", "abc%def", "", "a".repeat(65)]) {
        const error = await rejection(store.findByCommitPrefix(prefix));
        expect(error.code).toBe("USAGE");
        expect(error.message).toStartWith("commit prefix: expected 7 to 64 hex characters, got ");
      }
    });

    test("currentPins is the newest pin of every (service, env), sorted", async () => {
      const store = await fresh();
      expect(await store.currentPins()).toEqual([]);
      for (const [service, env, count] of [["web", "prod", 2], ["api", "staging", 3], ["api", "prod", 5]] as const) {
        for (let n = 1; n <= count; n++) await store.appendPin(chainPin(service, env, n));
      }
      expect(await store.currentPins()).toEqual([chainPin("api", "prod", 5), chainPin("api", "staging", 3), chainPin("web", "prod", 2)]);
    });

    test("rebuilds are kept per artifact, every run, oldest first", async () => {
      const store = await fresh();
      const digest = artifact("rebuilt").digest;
      const later: RebuildRecord = { digest, reproducible: false, rebuiltDigest: hex("other bytes"), bunVersion: "1.4.6", rebuiltAt: "2026-04-02T00:00:00.000Z", causes: [{ kind: "timestamp", file: "index.js", evidence: "Date.now() at build time", confirmed: true }, { kind: "path", file: null, evidence: "/tmp in a source map" }] };
      // by its text it looks later; by the clock it is half an hour earlier
      const earlier: RebuildRecord = { digest, reproducible: true, rebuiltDigest: digest, bunVersion: "1.4.5", rebuiltAt: "2026-04-02T00:30:00+01:00", causes: [] };
      await store.putRebuild(later);
      // as `rebuild` reports digests: sha256:, and a statement may have written them in upper case
      await store.putRebuild({ ...earlier, digest: `sha256:${digest.toUpperCase()}`, rebuiltDigest: `sha256:${digest}` });
      await store.putRebuild(later);
      expect(await store.rebuildsOf(digest)).toEqual([earlier, later, later]);
      expect(await store.rebuildsOf(`sha256:${digest.toUpperCase()}`)).toHaveLength(3);
      expect(await store.rebuildsOf(hex("never rebuilt"))).toEqual([]);
      expect(await store.rebuildsOf("not a digest")).toEqual([]);
      const error = await rejection(store.putRebuild({ ...earlier, rebuiltAt: "later" }));
      expect(error.code).toBe("STORE_INVALID");
      expect(error.message).toContain('expected rebuiltAt as an ISO 8601 time, got "later"');
      expect((await rejection(store.putRebuild({ ...earlier, rebuiltDigest: "nope" }))).code).toBe("STORE_INVALID");
    });

    test("a version 2 store migrates: its packages read back as shipped unknown, in build order, counted as not shipped", async () => {
      const blank = await harness.blank();
      await blank.run(CREATE_MIGRATIONS_TABLE);
      for (const migration of MIGRATIONS.filter((m) => m.version <= 2)) {
        for (const statement of migration.statements(blank.dialect)) await blank.run(statement);
        await blank.run(`INSERT INTO schema_migrations (version, applied_at) VALUES (${migration.version}, '2026-01-01T00:00:00Z')`);
      }
      // two artifacts whose digests sort against their build times, so an order from a failed backfill would show
      const [first, second] = [artifact("v2-a", { builtAt: "2026-01-01T00:00:00Z" }), artifact("v2-b", { builtAt: "2026-01-02T00:00:00Z" })].sort((x, y) => (x.digest < y.digest ? 1 : -1));
      const old = [{ ...first!, builtAt: "2026-01-01T00:00:00.000Z" }, { ...second!, builtAt: "2026-01-02T00:00:00.000Z" }];
      for (const record of old) {
        // version 2's row held the bundle itself (migration 4 moved it out)
        await blank.run(`INSERT INTO artifacts (${ARTIFACT_INSERT_COLUMNS}, bundle) VALUES (${[...artifactValues(record, "test"), record.bundle].map(literal).join(", ")})`);
        for (const [i, f] of record.files.entries()) await blank.run(`INSERT INTO artifact_files (artifact_digest, ordinal, path, file_digest) VALUES (${[record.digest, i, f.path, f.digest].map(literal).join(", ")})`);
        for (const [i, p] of record.packages.entries()) await blank.run(`INSERT INTO artifact_packages (artifact_digest, ordinal, name, version, integrity) VALUES (${[record.digest, i, p.name, p.version, p.integrity].map(literal).join(", ")})`);
      }
      const store = await openStore(blank.spec);
      opened.push(store);
      const unknown = (record: ArtifactRecord) => ({ ...record, packages: record.packages.map((p) => ({ ...p, shipped: null })) });
      expect(await store.getArtifact(old[0]!.digest)).toEqual(unknown(old[0]!));
      const pkg = old[0]!.packages[0]!;
      expect((await store.findByPackage(pkg.name, pkg.version)).map((m) => [m.digest, m.shipped])).toEqual([[old[1]!.digest, null], [old[0]!.digest, null]]);
      expect(await store.findByPackage(pkg.name, pkg.version, { shippedOnly: true })).toEqual([]);
      expect(await store.countByPackage(pkg.name, pkg.version)).toEqual({ artifacts: 2, shipped: 0 });
      // and new records beside them keep what they know
      const fresh3 = artifact("v3", { builtAt: "2026-01-03T00:00:00.000Z" });
      await store.putArtifact(fresh3);
      expect((await store.findByPackage(pkg.name, pkg.version)).map((m) => m.shipped)).toEqual([true, null, null]);
      expect(await store.countByPackage(pkg.name, pkg.version)).toEqual({ artifacts: 3, shipped: 1 });
      const rows = await harness.query(store, "SELECT version FROM schema_migrations ORDER BY version");
      expect(rows.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version));
      // the bundles moved out of the artifact rows (migration 4), every one of them
      expect((await harness.query(store, "SELECT digest FROM artifact_bundles ORDER BY digest")).map((r) => r.digest)).toEqual([...old.map((r) => r.digest), fresh3.digest].sort());
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

    test("pinsOf answers for many artifacts at once what pins answers for each", async () => {
      const store = await fresh();
      for (const [service, env, count] of [["web", "prod", 2], ["api", "staging", 2], ["api", "prod", 3]] as const) {
        for (let n = 1; n <= count; n++) await store.appendPin(chainPin(service, env, n));
      }
      const digests = [chainPin("api", "prod", 3).digest, chainPin("web", "prod", 1).digest, chainPin("api", "staging", 2).digest];
      const oneByOne = (await Promise.all(digests.map((digest) => store.pins({ digest })))).flat();
      const order = (p: PinRecord) => `${p.service}\0${p.env}\0${String(p.sequence).padStart(9, "0")}`;
      expect(await store.pinsOf(digests)).toEqual(oneByOne.sort((a, b) => (order(a) < order(b) ? -1 : 1)));
      expect((await store.pinsOf(digests)).length).toBeGreaterThanOrEqual(3);
      // a digest in upper case is the same digest; one that is no digest, and none at all, find nothing
      expect(await store.pinsOf([digests[0]!.toUpperCase()])).toEqual(await store.pins({ digest: digests[0]! }));
      expect(await store.pinsOf(["not a digest"])).toEqual([]);
      expect(await store.pinsOf([])).toEqual([]);
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

    test("measurements round-trip, newest first, by artifact and by service", async () => {
      const store = await fresh();
      const first = measurementRecord("m1", { measuredAt: "2026-03-02T10:00:00.000Z" });
      const second = measurementRecord("m1", { against: "m0", env: "prod", measuredAt: "2026-03-02T11:00:00.000Z", scale: 1.5, passed: false });
      const other = measurementRecord("m2", { measuredAt: "2026-03-02T10:30:00.000Z", scale: 2 });
      const elsewhere = measurementRecord("w1", { service: "web", measuredAt: "2026-03-02T12:00:00.000Z" });
      for (const m of [first, second, other, elsewhere]) await store.recordMeasurement(m);
      expect(await store.measurementsOf(first.subjectDigest)).toEqual([second, first]);
      // a digest in upper case, or with its algorithm, finds the same rows; text that is no digest finds none
      expect(await store.measurementsOf(`sha256:${first.subjectDigest.toUpperCase()}`)).toEqual([second, first]);
      expect(await store.measurementsOf("nope")).toEqual([]);
      expect(await store.measurementsOfService("api")).toEqual([second, other, first]);
      expect(await store.measurementsOfService("api", 2)).toEqual([second, other]);
      expect(await store.measurementsOfService("web")).toEqual([elsewhere]);
      expect(await store.measurementsOfService("absent")).toEqual([]);
      // every run is kept: the same measurement recorded twice is two rows
      await store.recordMeasurement(first);
      expect(await store.measurementsOf(first.subjectDigest)).toHaveLength(3);
    });

    test("refuses a measurement whose columns say other than its predicate (a passed row over a failed verdict)", async () => {
      const store = await fresh();
      const failed = measurementRecord("m3", { against: "m0", passed: false });
      const lying = await rejection(store.recordMeasurement({ ...failed, passed: true }));
      expect(lying.code).toBe("STORE_INVALID");
      expect(lying.message).toContain("passed: expected false (the predicate's verdict), got true");
      const against = await rejection(store.recordMeasurement({ ...failed, againstDigest: hex("artifact:other") }));
      expect(against.code).toBe("STORE_INVALID");
      expect(against.message).toContain(`againstDigest: expected ${hex("artifact:m0")} (the predicate's against.artifact), got ${hex("artifact:other")}`);
      const service = await rejection(store.recordMeasurement({ ...failed, service: "web" }));
      expect(service.message).toContain('service: expected "api" (the predicate\'s), got "web"');
      const bad = await rejection(store.recordMeasurement({ ...failed, predicate: { ...failed.predicate, runs: 0 } as never }));
      expect(bad.code).toBe("STORE_INVALID");
      expect(bad.message).toContain("not a runtime measurement predicate");
      const digest = await rejection(store.recordMeasurement({ ...failed, subjectDigest: "abc" }));
      expect(digest.message).toContain('expected a sha256 hex digest, got "abc"');
      expect(await store.measurementsOfService("api")).toEqual([]);
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

/** A value as SQL text, for the rows of a store written as an older bunseal wrote them. */
function literal(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (typeof value === "number") return String(value);
  return `'${String(value).replaceAll("'", "''")}'`;
}
