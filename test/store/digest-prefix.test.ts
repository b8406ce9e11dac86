/**
 * Issue 20, items 11 and 12, at the store: a short digest (12+ hex) names
 * the one artifact or file it starts, on either backend, and a prefix two
 * digests share names neither; the artifacts holding a shared file come a
 * page at a time, newest first, whether few or a thousand hold it.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { resolveDigestPrefix } from "../../src/store/digest-prefix.ts";
import { openStore } from "../../src/store/open-store.ts";
import { artifactPage } from "../../src/store/pages.ts";
import type { Store } from "../../src/store/store.ts";
import { STORE_BACKENDS } from "../helpers/store-backends.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";
import { artifact, hex } from "./records.ts";
import { rejection } from "../helpers/expect-error.ts";

async function expectBunsealError(promise: Promise<unknown>, code: string) {
  const error = await rejection(promise);
  expect(error.code).toBe(code as never);
  return error;
}

setDefaultTimeout(120_000);

// two artifacts whose digests share their first 13 hex, a file sharing its first 12 with a third
const TWIN = "7b91ebb75060a";
const twinA = `${TWIN}1${"0".repeat(50)}`;
const twinB = `${TWIN}2${"0".repeat(50)}`;
const lone = `c0ffee000000${"1".repeat(52)}`;
const shared = hex("file:shared-by-all");
const HOLDERS = 1003;

describe.each(STORE_BACKENDS)("short digests and shared files on the %s store", (_name, makeStore) => {
  let work: TestDir;
  let store: Store;

  beforeAll(async () => {
    work = await makeTempDir("bunseal-prefix-");
    store = await openStore(await makeStore(work.path));
    await store.putArtifact({ ...artifact("twin-a"), digest: twinA });
    await store.putArtifact({ ...artifact("twin-b"), digest: twinB });
    // a file whose digest starts as the lone artifact's does, up to 12 hex
    await store.putArtifact({ ...artifact("lone"), digest: lone, files: [{ path: "dist/x.js", digest: `c0ffee000000${"2".repeat(52)}` }] });
    // HOLDERS artifacts holding one file (past the walk's threshold), one a minute; two more built at the same millisecond
    for (let i = 0; i < HOLDERS; i++) {
      const a = artifact(`holder-${i}`, { builtAt: new Date(Date.UTC(2026, 0, 1) + (i < HOLDERS - 2 ? i : HOLDERS - 3) * 60_000).toISOString() });
      await store.putArtifact({ ...a, files: [...a.files, { path: "dist/shared.js", digest: shared }] });
    }
  });
  afterAll(async () => {
    await store?.close();
    await work?.cleanup();
  });

  test("a package's locked versions, each once, however many artifacts lock each (what trace --package matches a range against)", async () => {
    expect(await store.packageVersions("pkg-1")).toEqual(["1.0.1"]);
    await store.putArtifact({ ...artifact("other-versions"), packages: [{ name: "pkg-1", version: "1.0.10", integrity: null, shipped: true }, { name: "pkg-1", version: "0.9.0-rc.1", integrity: null, shipped: false }] });
    expect((await store.packageVersions("pkg-1")).sort()).toEqual(["0.9.0-rc.1", "1.0.1", "1.0.10"]);
    expect(await store.packageVersions("pkg-1", 2)).toHaveLength(2);
    expect(await store.packageVersions("no-such-package")).toEqual([]);
    expect(await store.countByPackage("pkg-1", ["1.0.10", "0.9.0-rc.1"])).toEqual({ artifacts: 1, shipped: 1 });
    expect(await store.countByPackage("pkg-1", [])).toEqual({ artifacts: 0, shipped: 0 });
    expect((await store.findByPackage("pkg-1", ["1.0.10", "0.9.0-rc.1"])).map((m) => m.packageVersion).sort()).toEqual(["0.9.0-rc.1", "1.0.10"]);
  });

  test("a unique prefix of 12 or more hex names its artifact, with or without sha256:, in either case", async () => {
    expect(await resolveDigestPrefix(store, `${TWIN}1`)).toBe(twinA);
    expect(await resolveDigestPrefix(store, `sha256:${TWIN}2`.toUpperCase().replace("SHA256", "sha256"))).toBe(twinB);
    expect(await resolveDigestPrefix(store, `SHA256:${shared.slice(0, 12)}`)).toBe(shared);
    expect(await resolveDigestPrefix(store, twinA)).toBe(twinA);
  });

  test("a prefix two digests share is refused, listing both, never resolved to one of them", async () => {
    const error = await expectBunsealError(resolveDigestPrefix(store, TWIN), "DIGEST_AMBIGUOUS");
    expect(error.message).toStartWith(`sha256:${TWIN} is the prefix of 2 digests in ${store.location}: sha256:${twinA} (artifact), sha256:${twinB} (artifact); expected a longer prefix`);
    // an artifact and a file of another artifact are both digests a responder may hold
    const mixed = await expectBunsealError(resolveDigestPrefix(store, "c0ffee000000"), "DIGEST_AMBIGUOUS");
    expect(mixed.message).toContain(`sha256:${lone} (artifact), sha256:c0ffee000000${"2".repeat(52)} (file)`);
    // …unless only artifacts are asked for (what pin and rollback act on)
    expect(await resolveDigestPrefix(store, "c0ffee000000", { artifactsOnly: true })).toBe(lone);
  });

  test("a prefix under 12 hex, or not hex, is a usage error; one nothing starts is NOT_FOUND", async () => {
    expect((await expectBunsealError(resolveDigestPrefix(store, "7b91ebb7506"), "USAGE")).message).toStartWith('digest: expected sha256:<hex> or hex, 12 to 64 characters (a unique prefix of a digest), got "7b91ebb7506"');
    await expectBunsealError(resolveDigestPrefix(store, "sha256:7b91ebb75060zz"), "USAGE");
    expect((await expectBunsealError(resolveDigestPrefix(store, "000000000000"), "NOT_FOUND")).message).toStartWith("sha256:000000000000: expected the prefix of an artifact or file of one digest in");
  });

  test("the artifacts holding a shared file come a page at a time, newest first, each once, counted without listing", async () => {
    expect(await store.countByFileDigest(shared)).toBe(HOLDERS);
    const all = await store.findByFileDigest(shared);
    expect(all).toHaveLength(HOLDERS);
    const seen: string[] = [];
    let before: string | undefined;
    for (let pages = 0; ; pages++) {
      const rows = await store.findByFileDigest(shared, { limit: 251, before });
      const last = rows.slice(0, 250).at(-1);
      seen.push(...rows.slice(0, 250).map((r) => r.digest));
      if (rows.length <= 250) break;
      before = (await import("../../src/store/cursor.ts")).artifactCursor({ builtAtMs: Date.parse(last!.builtAt), digest: last!.digest });
      expect(pages).toBeLessThan(10);
    }
    expect(seen).toHaveLength(HOLDERS);
    expect(new Set(seen).size).toBe(HOLDERS);
    const times = (await Promise.all(seen.map((d) => store.getArtifact(d)))).map((r) => Date.parse(r!.builtAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    // a file in few artifacts takes the other plan, same answer
    const few = artifact("holder-5").files[0]!.digest;
    expect((await store.findByFileDigest(few, { limit: 10 })).map((r) => r.digest)).toEqual([artifact("holder-5").digest]);
    expect(await store.countByFileDigest(few)).toBe(1);
    // artifactPage's cursor is the one findByFileDigest takes
    expect((await artifactPage(store, { limit: 1 })).nextCursor).toStartWith("a.");
  });
});
