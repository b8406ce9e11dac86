/**
 * The console's API over a real store, on both backends: each route that has
 * a CLI counterpart returns exactly what that command's --json prints.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { openStore } from "../../src/store/open-store.ts";
import type { Store } from "../../src/store/store.ts";
import { startConsole, type Console } from "../../src/serve/server.ts";
import { runCli } from "../helpers/cli.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";
import { STORE_BACKENDS } from "../helpers/store-backends.ts";
import { buildArtifact, importAndPin, type BuiltArtifact } from "./fixture.ts";

setDefaultTimeout(120_000);

let built: BuiltArtifact;
beforeAll(async () => {
  built = await buildArtifact();
});
afterAll(async () => {
  await built?.cleanup();
});

describe.each(STORE_BACKENDS)("console API on %s", (_name, makeStore) => {
  let dir: TestDir;
  let spec: string;
  let store: Store;
  let web: Console;
  const get = async (path: string) => {
    const response = await fetch(new URL(path, web.url));
    return { status: response.status, body: (await response.json()) as any, headers: response.headers };
  };

  beforeAll(async () => {
    dir = await makeTempDir("bunseal-serve-api-");
    spec = await makeStore(dir.path);
    await importAndPin(built, spec, "prod");
    store = await openStore(spec);
    web = await startConsole({ store, hostname: "127.0.0.1", port: 0 });
  });
  afterAll(async () => {
    await web?.stop();
    await store?.close();
    await dir?.cleanup();
  });

  test("/api/trace/<digest> is trace --json, the bundle verified again", async () => {
    const [api, cli] = await Promise.all([get(`/api/trace/sha256:${built.digest}`), runCli(["trace", `sha256:${built.digest}`, "--store", spec, "--json"])]);
    expect(api.status).toBe(200);
    expect(api.body).toEqual(cli.json());
    expect(api.body.matches[0]).toMatchObject({ verifies: true, pins: [{ env: "prod", sequence: 1, current: true }], sandbox: { kind: "bubblewrap", network: false } });
  });

  test("/api/trace/<digest of a file inside> is trace --json of that file", async () => {
    const inner = new Bun.CryptoHasher("sha256").update(await Bun.file(built.innerFile).bytes()).digest("hex");
    const [api, cli] = await Promise.all([get(`/api/trace/sha256:${inner}`), runCli(["trace", `sha256:${inner}`, "--store", spec, "--json"])]);
    expect(api.body).toEqual(cli.json());
    expect(api.body.target.kind).toBe("file");
    expect(api.body.matches[0].file).toBe("index.js");
  });

  test("/api/pins is pins --json, filters included", async () => {
    for (const query of ["", "?env=prod", "?env=prod&service=example-service", "?env=staging"]) {
      const args = [...new URLSearchParams(query)].flatMap(([k, v]) => [`--${k}`, v]);
      const [api, cli] = await Promise.all([get(`/api/pins${query}`), runCli(["pins", ...args, "--store", spec, "--json"])]);
      expect(api.body).toEqual(cli.json());
    }
    expect((await get("/api/pins?env=prod")).body.pins).toHaveLength(1);
  });

  test("/api/packages/<name>@<version> is trace --package --json", async () => {
    for (const spec_ of ["hono@4.13.19", "hono", "hono@3.0.0"]) {
      const [api, cli] = await Promise.all([get(`/api/packages/${spec_}`), runCli(["trace", "--package", spec_, "--store", spec, "--json"])]);
      expect(api.body).toEqual(cli.json());
    }
    expect((await get("/api/packages/hono@4.13.19")).body.matches).toEqual([expect.objectContaining({ packageVersion: "4.13.19", pins: [expect.objectContaining({ env: "prod", current: true })] })]);
  });

  test("/api/artifacts lists the newest, by service; /api/commits/<prefix> finds by commit", async () => {
    const all = await get("/api/artifacts");
    expect(all.body.artifacts.map((a: { digest: string }) => a.digest)).toEqual([built.digest]);
    expect(all.body.nextCursor).toBeNull();
    const service = all.body.artifacts[0].service;
    expect((await get(`/api/artifacts?service=${service}`)).body.artifacts).toHaveLength(1);
    expect((await get("/api/artifacts?service=nothing-here")).body.artifacts).toEqual([]);
    const commit = all.body.artifacts[0].commit as string;
    expect((await get(`/api/commits/${commit.slice(0, 8)}`)).body.artifacts.map((a: { digest: string }) => a.digest)).toEqual([built.digest]);
  });

  test("/api/artifacts/<digest>: files, shipped packages first, rebuilds when recorded", async () => {
    const before = await get(`/api/artifacts/sha256:${built.digest}`);
    expect(before.status).toBe(200);
    expect(before.body.files.map((f: { path: string }) => f.path)).toContain("index.js");
    expect(before.body.packages[0]).toMatchObject({ name: "hono", version: "4.13.19", shipped: true });
    expect(before.body.rebuilds).toEqual([]);
    const rebuild = { digest: built.digest, reproducible: false, rebuiltDigest: "ab".repeat(32), bunVersion: "1.4.5", rebuiltAt: "2026-03-02T10:00:00.000Z", causes: [{ kind: "timestamp", file: "index.js", evidence: "a build time in the output" }] };
    const writable = await openStore(spec);
    await writable.putRebuild(rebuild);
    await writable.close();
    expect((await get(`/api/artifacts/sha256:${built.digest}`)).body.rebuilds).toEqual([rebuild]);
  });

  test("/api/environments and /api/timeline: what runs now, and the history", async () => {
    const matrix = await get("/api/environments");
    expect(matrix.body.envs).toEqual(["prod"]);
    expect(matrix.body.cells).toEqual([expect.objectContaining({ pin: expect.objectContaining({ env: "prod", sequence: 1, digest: built.digest }), artifact: expect.objectContaining({ schemaVersion: expect.anything() }) })]);
    expect(matrix.body.cells[0].pin.bundle).toBeUndefined();
    const service = matrix.body.services[0];
    const timeline = await get(`/api/timeline?service=${service}&env=prod`);
    expect(timeline.body.entries).toEqual([expect.objectContaining({ current: true, contractChange: null, pin: expect.objectContaining({ sequence: 1 }) })]);
    expect((await get(`/api/timeline?service=${service}&env=nowhere`)).status).toBe(404);
  });

  test("an unknown digest is 404 with trace's NOT_FOUND error", async () => {
    const missing = "0".repeat(64);
    const [api, cli] = await Promise.all([get(`/api/trace/sha256:${missing}`), runCli(["trace", `sha256:${missing}`, "--store", spec, "--json"])]);
    expect(api.status).toBe(404);
    expect(cli.exitCode).toBe(1);
    expect(api.body).toEqual(cli.json());
  });
});
