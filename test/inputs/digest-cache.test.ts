/**
 * The input digest cache (src/inputs/digest-cache.ts) may skip reading a file
 * only when nothing can have changed it: these try to make it return a stale
 * digest, by rewriting a file and setting its times back, by writing twice
 * within one clock tick, and by planting a cache in the project.
 */
import { afterEach, beforeEach, expect, test } from "bun:test";
import { statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { collectInputs } from "../../src/inputs/collect.ts";
import { cacheDir, openDigestCache } from "../../src/inputs/digest-cache.ts";
import { sha256Hex } from "../../src/util/digest.ts";
import { makeTempDir, testdir, type TestDir } from "../helpers/testdir.ts";

let project: TestDir;
let cache: TestDir;
const META = { inputs: ["src/a.ts", "src/b.ts"], relativeExternals: [], plugins: [] } as never;
// the cache's clock: files written by the test are "old" unless a test says otherwise
let nowNs = 0n;
const open = () => openDigestCache(project.path, { BUNSEAL_CACHE_DIR: cache.path }, () => nowNs)!;
const collect = () => {
  const c = open();
  const inputs = collectInputs(project.path, META, { cache: c });
  c.close();
  return { inputs: Object.fromEntries(inputs.map((i) => [i.path, i.sha256])), hits: c.hits, misses: c.misses };
};

beforeEach(async () => {
  project = await testdir({ "src/a.ts": "export const a = 1;\n", "src/b.ts": "export const b = 2;\n" });
  cache = await makeTempDir("bunseal-digest-cache-");
  nowNs = BigInt(Date.now() + 60_000) * 1_000_000n;
});
afterEach(async () => {
  await Promise.all([project.cleanup(), cache.cleanup()]);
});

test("an unchanged file is not read again; the digests are the same", () => {
  const first = collect();
  expect(first.hits).toBe(0);
  const second = collect();
  expect(second.hits).toBe(2);
  expect(second.inputs).toEqual(first.inputs);
  expect(second.inputs["src/a.ts"]).toBe(sha256Hex("export const a = 1;\n"));
});

test("a file rewritten to the same size, its modification time set back, is read again: its change time moved", async () => {
  const path = join(project.path, "src/a.ts");
  // a whole second, which utimes can set back exactly
  utimesSync(path, 1_700_000_000, 1_700_000_000);
  collect();
  const before = statSync(path, { bigint: true });
  await Bun.sleep(20);
  writeFileSync(path, "export const a = 9;\n");
  utimesSync(path, 1_700_000_000, 1_700_000_000);
  const after0 = statSync(path, { bigint: true });
  expect([after0.mtimeNs, after0.size, after0.ino]).toEqual([before.mtimeNs, before.size, before.ino]);
  nowNs += 60_000_000_000n;
  const after = collect();
  expect(after.inputs["src/a.ts"]).toBe(sha256Hex("export const a = 9;\n"));
  expect(after.hits).toBe(1);
});

test("a file changed within the last two seconds is hashed but not remembered", () => {
  nowNs = BigInt(Date.now()) * 1_000_000n; // the files were written just now
  collect();
  const again = collect();
  expect(again.hits).toBe(0);
  expect(again.misses).toBe(2);
});

test("the cache is bunseal's own folder, never the project's; off turns it off", () => {
  expect(cacheDir({ BUNSEAL_CACHE_DIR: "off" })).toBeUndefined();
  expect(openDigestCache(project.path, { BUNSEAL_CACHE_DIR: "off" })).toBeUndefined();
  expect(cacheDir({ XDG_CACHE_HOME: "/x" })).toBe("/x/bunseal");
  expect(cacheDir({ HOME: "/home/u" })).toBe("/home/u/.cache/bunseal");
});

test("entries of another folder with a common prefix are not loaded", async () => {
  collect();
  await using sibling = await testdir({ "src/a.ts": "export const a = 1;\n" });
  const c = openDigestCache(`${project.path}x`, { BUNSEAL_CACHE_DIR: cache.path }, () => nowNs)!;
  expect(c.lookup(join(`${project.path}x`, "src/a.ts"), statSync(join(sibling.path, "src/a.ts"), { bigint: true }))).toBeUndefined();
  c.close();
});

test("a cache that cannot be opened is no cache", () => {
  writeFileSync(join(cache.path, "digests-v1.sqlite"), "not a database, and not writable as one");
  const c = openDigestCache(project.path, { BUNSEAL_CACHE_DIR: cache.path });
  expect(c).toBeUndefined();
});
