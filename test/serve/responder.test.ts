/**
 * Issue 20, items 7, 11, 12 and 16, in the console. A trace by a file that
 * many artifacts share pages its matches and verifies each bundle once (it
 * verified every one on every request, about 2 minutes at 100,000); a short
 * digest is a digest before it is a commit; a range matches as the policy
 * does; an HTTP/1.0 request without Host is a client's error, not a 500;
 * times are UTC to the second.
 */
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { classify } from "../../src/serve/console/classify.ts";
import { utcText } from "../../src/serve/console/utc.ts";
import { startConsole, type Console } from "../../src/serve/server.ts";
import { openStore } from "../../src/store/open-store.ts";
import type { Store } from "../../src/store/store.ts";
import { VerdictCache } from "../../src/trace/verdict-cache.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";
import { artifact, hex } from "../store/records.ts";
import { buildArtifact, importAndPin, type BuiltArtifact } from "./fixture.ts";

setDefaultTimeout(120_000);

const SHARED = hex("file:shared");
const HOLDERS = 60;
const TOKEN = "s3cret-token-of-32-characters-ok";
let dir: TestDir;
let store: Store;
let web: Console;
let guarded: Console;
let verdicts: VerdictCache;

const get = async (path: string, on: Console = web) => {
  const response = await fetch(new URL(path, on.url));
  return { status: response.status, body: (await response.json()) as any };
};

beforeAll(async () => {
  dir = await makeTempDir("bunseal-serve-responder-");
  store = await openStore(`sqlite:${join(dir.path, "store.db")}`);
  for (let i = 0; i < HOLDERS; i++) {
    const a = artifact(`holder-${i}`, { builtAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString() });
    await store.putArtifact({ ...a, files: [...a.files, { path: "dist/shared.js", digest: SHARED }] });
  }
  await store.putArtifact({ ...artifact("twin-a"), digest: `abcdef012345a${"0".repeat(51)}` });
  await store.putArtifact({ ...artifact("twin-b"), digest: `abcdef012345b${"0".repeat(51)}` });
  verdicts = new VerdictCache();
  web = await startConsole({ store, hostname: "127.0.0.1", port: 0, verdicts });
  guarded = await startConsole({ store, hostname: "127.0.0.1", port: 0, token: TOKEN });
});
afterAll(async () => {
  await web?.stop();
  await guarded?.stop();
  await store?.close();
  await dir?.cleanup();
});

test("a trace by a shared file pages its matches, newest first, with the count of all", async () => {
  const first = await get(`/api/trace/sha256:${SHARED}`);
  expect(first.status).toBe(200);
  expect(first.body.target.kind).toBe("file");
  expect(first.body.count).toBe(HOLDERS);
  expect(first.body.matches).toHaveLength(10);
  expect(first.body.matches[0].artifact.name).toBe(`holder-${HOLDERS - 1}`);
  const seen = first.body.matches.map((m: any) => m.artifact.name);
  for (let cursor = first.body.nextCursor; cursor; ) {
    const next = await get(`/api/trace/sha256:${SHARED}?after=${encodeURIComponent(cursor)}`);
    expect(next.status).toBe(200);
    seen.push(...next.body.matches.map((m: any) => m.artifact.name));
    cursor = next.body.nextCursor;
  }
  expect(seen).toEqual(Array.from({ length: HOLDERS }, (_, i) => `holder-${HOLDERS - 1 - i}`));
  expect((await get(`/api/trace/sha256:${SHARED}?limit=200`)).body).toMatchObject({ count: HOLDERS, nextCursor: null });
  for (const bad of ["limit=0", "limit=201", "after=garbage"]) expect([bad, (await get(`/api/trace/sha256:${SHARED}?${bad}`)).status]).toEqual([bad, 400]);
});

test("each bundle's verdict is kept by the record's digest: the same page again verifies nothing", async () => {
  const path = `/api/trace/sha256:${SHARED}?limit=10`;
  await get(path);
  const misses = verdicts.misses;
  const again = await get(path);
  expect(again.body.matches).toHaveLength(10);
  expect(verdicts.misses).toBe(misses);
  expect(verdicts.hits).toBeGreaterThanOrEqual(10);
});

test("a short digest is a digest: 12+ hex resolve to the one artifact or file, an ambiguous one lists its matches", async () => {
  const one = await get(`/api/trace/${artifact("holder-3").digest.slice(0, 12)}`);
  expect(one.status).toBe(200);
  expect(one.body.target).toMatchObject({ digest: artifact("holder-3").digest, kind: "artifact" });
  expect((await get(`/api/trace/sha256:${SHARED.slice(0, 16)}?limit=5`)).body).toMatchObject({ target: { digest: SHARED, kind: "file" }, count: HOLDERS });
  const ambiguous = await get("/api/trace/abcdef012345");
  expect(ambiguous.status).toBe(400);
  expect(ambiguous.body.error.code).toBe("DIGEST_AMBIGUOUS");
  expect(ambiguous.body.error.message).toContain(`sha256:abcdef012345a${"0".repeat(51)} (artifact), sha256:abcdef012345b${"0".repeat(51)} (artifact)`);
  expect((await get("/api/trace/000000000000")).status).toBe(404);
  expect((await get("/api/trace/abcdef01234")).status).toBe(400);
});

test("the search box reads 12+ hex as a digest (prefix) first, 7 to 11 as a commit", () => {
  expect(classify("7b91ebb75060")).toEqual({ kind: "digest", hex: "7b91ebb75060", full: false, orCommit: true });
  expect(classify("sha256:7B91EBB75060")).toEqual({ kind: "digest", hex: "7b91ebb75060", full: false, orCommit: false });
  expect(classify(` ${"a".repeat(64)} `)).toEqual({ kind: "digest", hex: "a".repeat(64), full: true, orCommit: true });
  expect(classify("7b91ebb")).toEqual({ kind: "commit", prefix: "7b91ebb" });
  expect(classify("7b91ebb7506")).toEqual({ kind: "commit", prefix: "7b91ebb7506" });
  expect(classify("hono@<4.13.0")).toEqual({ kind: "package", spec: "hono@<4.13.0" });
  expect(classify("hono@>=4.12.0 <4.13.0")).toEqual({ kind: "package", spec: "hono@>=4.12.0 <4.13.0" });
});

test("a package range in the console matches as the policy does, and a package locked outside it says so", async () => {
  const inRange = await get(`/api/packages/pkg-1@${encodeURIComponent("<2")}`);
  expect(inRange.status).toBe(200);
  expect(inRange.body).toMatchObject({ package: { name: "pkg-1", version: "<2" }, versions: { locked: ["1.0.1"], matched: ["1.0.1"] } });
  expect(inRange.body.count.artifacts).toBe(HOLDERS + 2);
  const outside = await get(`/api/packages/pkg-1@${encodeURIComponent(">=1.0.2 <2")}`);
  expect(outside.body).toMatchObject({ versions: { locked: ["1.0.1"], matched: [] }, count: { artifacts: 0 } });
});

test("an HTTP/1.0 request without Host is answered 400, not 500, with or without a token", async () => {
  for (const on of [web, guarded]) {
    for (const path of ["/api/pins", "/"]) {
      const reply = await rawRequest(on, `GET ${path} HTTP/1.0\r\n\r\n`);
      expect([path, reply.split("\r\n")[0]]).toEqual([path, "HTTP/1.1 400 Bad Request"]);
    }
  }
});

test("times are shown in UTC to the second, saying so", () => {
  expect(utcText("2026-03-01T12:00:00.000Z")).toBe("2026-03-01 12:00:00 UTC");
  expect(utcText("2026-03-01T14:00:05+02:00")).toBe("2026-03-01 12:00:05 UTC");
  expect(utcText("not a time")).toBe("not a time");
});

test("the cache does not hide a row changed after its verdict: the changed row is verified afresh", async () => {
  const built: BuiltArtifact = await buildArtifact();
  const real = await makeTempDir("bunseal-serve-cache-");
  try {
    const path = join(real.path, "store.db");
    await importAndPin(built, `sqlite:${path}`);
    const own = await openStore(`sqlite:${path}`);
    const cache = new VerdictCache();
    const console = await startConsole({ store: own, hostname: "127.0.0.1", port: 0, verdicts: cache });
    try {
      expect((await get(`/api/trace/sha256:${built.digest}`, console)).body.matches[0].verifies).toBe(true);
      expect((await get(`/api/trace/sha256:${built.digest}`, console)).body.matches[0].verifies).toBe(true);
      expect(cache.hits).toBe(1);
      const db = new Database(path);
      db.query("UPDATE artifacts SET service = 'other' WHERE digest = ?").run(built.digest);
      db.close();
      const after = (await get(`/api/trace/sha256:${built.digest}`, console)).body.matches[0];
      expect(after.verifies).toBe(false);
      expect(after.verifyFailures.join("\n")).toContain("STORE_RECORD_MISMATCH");
    } finally {
      await console.stop();
      await own.close();
    }
  } finally {
    await real.cleanup();
    await built.cleanup();
  }
});

async function rawRequest(on: Console, request: string): Promise<string> {
  return new Promise((resolve) => {
    let out = "";
    const done = setTimeout(() => resolve(out), 3000);
    void Bun.connect({
      hostname: "127.0.0.1",
      port: on.server.port!,
      socket: {
        open: (socket) => void socket.write(request),
        data: (_socket, data) => void (out += data.toString()),
        close: () => (clearTimeout(done), resolve(out)),
        error: () => (clearTimeout(done), resolve(out)),
      },
    });
  });
}
