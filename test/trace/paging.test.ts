/** trace --package as a paged list: the shipped matches first, then the rest, on both backends. */
import { afterAll, describe, expect, test } from "bun:test";
import { openStore } from "../../src/store/open-store.ts";
import type { ArtifactRecord, Store } from "../../src/store/store.ts";
import { tracePackage, type PackageMatch } from "../../src/trace/trace.ts";
import { rejection } from "../helpers/expect-error.ts";
import { dropPostgresDatabases } from "../helpers/postgres.ts";
import { STORE_BACKENDS } from "../helpers/store-backends.ts";
import { makeTempDir } from "../helpers/testdir.ts";
import { artifact, chainPin } from "../store/records.ts";
import { signedPin } from "../helpers/signed-pin.ts";

afterAll(() => dropPostgresDatabases(), 60_000);

describe.each(STORE_BACKENDS)("trace --package paging on the %s store", (_name, makeStore) => {
  const withStore = async (use: (store: Store, records: ArtifactRecord[]) => Promise<void>) => {
    await using dir = await makeTempDir("bunseal-trace-paging-");
    const store = await openStore(await makeStore(dir.path));
    try {
      const records: ArtifactRecord[] = [];
      for (let i = 0; i < 11; i++) {
        const record = artifact(`t-${i}`, { builtAt: new Date(Date.UTC(2026, 5, 1) + i * 60_000).toISOString() });
        // shipped in 0, 3, 6, 9; locked only in 1, 4, 7, 10; unknown in 2, 5, 8
        record.packages.push({ name: "lodash", version: i < 6 ? "4.17.20" : "4.17.21", integrity: null, shipped: [true, false, null][i % 3]! });
        records.push(record);
        await store.putArtifact(record);
      }
      await use(store, records);
    } finally {
      await store.close();
    }
  };
  const names = (matches: PackageMatch[] | undefined) => matches!.map((m) => m.artifact.name);
  const SHIPPED = ["t-9", "t-6", "t-3", "t-0"];
  const REST = ["t-10", "t-8", "t-7", "t-5", "t-4", "t-2", "t-1"];

  test("shipped first, newest first within each part, across pages of every size", async () => {
    await withStore(async (store) => {
      const all = await tracePackage(store, "lodash");
      expect(names(all.matches)).toEqual([...SHIPPED, ...REST]);
      expect(all.matches!.map((m) => m.shipped)).toEqual([true, true, true, true, false, null, false, null, false, null, false]);
      expect(all).toMatchObject({ count: { artifacts: 11, shipped: 4 }, nextCursor: null });
      for (const limit of [1, 2, 3, 4, 5, 11, 20]) {
        const seen: string[] = [];
        let after: string | undefined;
        for (let pages = 0; pages < 20; pages++) {
          const page = await tracePackage(store, "lodash", { limit, after });
          expect(page.matches!.length).toBeLessThanOrEqual(limit);
          seen.push(...names(page.matches));
          if (!page.nextCursor) break;
          after = page.nextCursor;
        }
        expect({ limit, seen }).toEqual({ limit, seen: [...SHIPPED, ...REST] });
      }
      // a page that ends exactly where the shipped ones end says whether more follow
      expect((await tracePackage(store, "lodash", { limit: 4 })).nextCursor).toBe("l:");
      expect((await tracePackage(store, "lodash", { limit: 4, shippedOnly: true })).nextCursor).toBeNull();
    });
  });

  test("--shipped-only, a version, and the count alone", async () => {
    await withStore(async (store) => {
      const first = await tracePackage(store, "lodash", { shippedOnly: true, limit: 3 });
      expect(names(first.matches)).toEqual(["t-9", "t-6", "t-3"]);
      expect(names((await tracePackage(store, "lodash", { shippedOnly: true, limit: 3, after: first.nextCursor! })).matches)).toEqual(["t-0"]);
      expect(names((await tracePackage(store, "lodash@4.17.20")).matches)).toEqual(["t-3", "t-0", "t-5", "t-4", "t-2", "t-1"]);
      expect(await tracePackage(store, "lodash@4.17.21", { countOnly: true })).toEqual({ package: { name: "lodash", version: "4.17.21" }, versions: { locked: expect.arrayContaining(["4.17.20", "4.17.21"]), matched: ["4.17.21"] }, count: { artifacts: 5, shipped: 2 } });
      const error = await rejection(tracePackage(store, "lodash", { shippedOnly: true, after: "l:" }));
      expect(error.code).toBe("USAGE");
    });
  });

  test("each match says where it runs now, from one read of each history", async () => {
    await withStore(async (store, records) => {
      // prod ran t-9 then t-6; staging runs t-9
      // rows as bunseal pin writes them: a row that is not its signed pin is never "now" (issue 20, item 9)
      await store.appendPin(await signedPin({ ...chainPin("api", "prod", 1), digest: records[9]!.digest }));
      await store.appendPin(await signedPin({ ...chainPin("api", "prod", 2), digest: records[6]!.digest, previousDigest: records[9]!.digest }));
      await store.appendPin(await signedPin({ ...chainPin("api", "staging", 1), digest: records[9]!.digest }));
      const { matches } = await tracePackage(store, "lodash", { shippedOnly: true, limit: 2 });
      expect(matches!.map((m) => [m.artifact.name, m.pins.map((p) => `${p.env}#${p.sequence}${p.current ? " now" : ""}`)])).toEqual([
        ["t-9", ["prod#1", "staging#1 now"]],
        ["t-6", ["prod#2 now"]],
      ]);
    });
  });
});
