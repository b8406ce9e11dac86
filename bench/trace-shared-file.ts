/**
 * A trace by a file that every artifact holds (issue 20, item 12): the
 * console's /api/trace/<digest> used to verify every holder's bundle on each
 * request (≈1.2 ms each: ≈2 minutes at 100,000). Now it answers a page (25 by
 * default) and keeps each bundle's verdict by the record's digest.
 *
 *   bun bench/trace-shared-file.ts [--artifacts 100000] [--runs 200]
 *
 * Fills a SQLite store with N artifacts, each holding the same file
 * (dist/shared.js) and one of its own, each with the real signed bundle of
 * one example-service build (so every page verifies real signatures: the
 * synthetic artifacts' digests are not that bundle's subject, so they do not
 * verify, after the signature check has run). The rows go in with one
 * transaction through bun:sqlite, as putArtifact writes them (the bench
 * measures reading, and putArtifact's fsync per artifact would take an hour).
 * Then times in-process requests to the console: the first page cold, the
 * same page again (verdicts kept), the next pages cold, a short digest.
 */
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startConsole } from "../src/serve/server.ts";
import { openStore } from "../src/store/open-store.ts";
import { ARTIFACT_INSERT_COLUMNS, ARTIFACT_INSERT_COUNT, artifactValues } from "../src/store/rows.ts";
import { VerdictCache } from "../src/trace/verdict-cache.ts";
import { BUNSEAL, percentile } from "./lib.ts";
import { hex, signedExampleArtifact } from "./synthetic-store.ts";

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const count = Number(option("--artifacts") ?? 100_000) || 100_000;
const runs = Number(option("--runs") ?? 200) || 200;
const scratch = mkdtempSync(join(tmpdir(), "bunseal-bench-shared-"));
const SHARED = hex(0, "shared-file");

try {
  console.log(`Bun ${Bun.version}, ${navigator.hardwareConcurrency} cores; ${count.toLocaleString("en")} artifacts holding one file`);
  const real = await signedExampleArtifact(scratch);
  const path = join(scratch, "store.db");
  const spec = `sqlite:${path}`;
  const imported = Bun.spawnSync([...BUNSEAL, "store", "import", real.bundle, "--key", real.publicKey, "--store", spec]);
  if (imported.exitCode !== 0) throw new Error(`import failed: ${imported.stderr}`);
  let store = await openStore(spec);
  const template = (await store.getArtifact(real.digest))!;
  await store.close();
  console.log(`  bundle: ${template.bundle.length.toLocaleString("en")} bytes`);

  const started = performance.now();
  const db = new Database(path);
  const insertArtifact = db.prepare(`INSERT INTO artifacts (${ARTIFACT_INSERT_COLUMNS}) VALUES (${Array(ARTIFACT_INSERT_COUNT).fill("?").join(", ")})`);
  const insertBundle = db.prepare("INSERT INTO artifact_bundles (digest, bundle) VALUES (?, ?)");
  const insertFile = db.prepare("INSERT INTO artifact_files (artifact_digest, ordinal, path, file_digest) VALUES (?, ?, ?, ?)");
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const digest = hex(i, "artifact");
      const files = [
        { path: "dist/shared.js", digest: SHARED },
        { path: "dist/own.js", digest: hex(i, "own-file") },
      ];
      const record = { ...template, digest, name: `svc-${i % 50}-${digest.slice(0, 12)}.tar`, service: `svc-${i % 50}`, builtAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(), files, packages: [] };
      insertArtifact.run(...(artifactValues(record, spec) as any[]));
      insertBundle.run(digest, template.bundle);
      files.forEach((f, n) => insertFile.run(digest, n, f.path, f.digest));
    }
  }).immediate();
  db.run("ANALYZE");
  db.close();
  console.log(`  filled in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  store = await openStore(spec);
  const plan = new Database(path, { readonly: true });
  const { fileMatchesQuery } = await import("../src/store/queries.ts");
  const q = fileMatchesQuery("sqlite", SHARED, { limit: 26, many: true });
  console.log(`  plan (a page of a shared file): ${(plan.prepare(`EXPLAIN QUERY PLAN ${q.text}`).all(...(q.params as any[])) as { detail: string }[]).map((r) => r.detail).join(" | ")}`);
  plan.close();

  const verdicts = new VerdictCache();
  const web = await startConsole({ store, hostname: "127.0.0.1", port: 0, verdicts });
  const ask = async (route: string): Promise<{ server: number; wall: number; body: any }> => {
    const t = performance.now();
    const response = await fetch(new URL(route, web.url));
    const body = await response.json();
    const wall = performance.now() - t;
    if (response.status !== 200) throw new Error(`${route}: HTTP ${response.status} ${JSON.stringify(body)}`);
    return { server: Number(/dur=([\d.]+)/.exec(response.headers.get("server-timing") ?? "")?.[1]), wall, body };
  };
  const line = (label: string, server: number[], wall: number[]) =>
    console.log(`  ${label.padEnd(58)} server p50 ${percentile(server, 50).toFixed(2).padStart(7)}  p95 ${percentile(server, 95).toFixed(2).padStart(7)} ms   wall p95 ${percentile(wall, 95).toFixed(2).padStart(7)} ms  ${percentile(server, 95) <= 100 ? "≤ 100 ms ✓" : "> 100 ms ✗"}`);

  const route = `/api/trace/sha256:${SHARED}`;
  const cold = await ask(route);
  console.log(`  first page, cold: ${cold.server.toFixed(2)} ms server (${cold.body.matches.length} of ${cold.body.count.toLocaleString("en")} holders, ${verdicts.misses} bundles verified)`);
  const warm = { server: [] as number[], wall: [] as number[] };
  for (let i = 0; i < runs; i++) {
    const r = await ask(route);
    warm.server.push(r.server);
    warm.wall.push(r.wall);
  }
  line("first page again (verdicts kept)", warm.server, warm.wall);
  let cursor: string | null = cold.body.nextCursor;
  for (const size of [1, 10, 25]) {
    const deeper = { server: [] as number[], wall: [] as number[] };
    for (let i = 0; i < Math.min(runs, 50) && cursor; i++) {
      const r = await ask(`${route}?limit=${size}&after=${encodeURIComponent(cursor)}`);
      deeper.server.push(r.server);
      deeper.wall.push(r.wall);
      cursor = r.body.nextCursor;
    }
    line(`${deeper.server.length} further pages of ${size}, each cold`, deeper.server, deeper.wall);
  }
  const big = await ask(`${route}?limit=200`);
  console.log(`  a page of 200 (the most the API gives), most of them cold: ${big.server.toFixed(2)} ms server`);
  const short = { server: [] as number[], wall: [] as number[] };
  for (let i = 0; i < runs; i++) {
    const r = await ask(`/api/trace/${hex((i * 7919) % count, "artifact").slice(0, 12)}`);
    short.server.push(r.server);
    short.wall.push(r.wall);
  }
  line("/api/trace/<12 hex of an artifact> (resolved, verified)", short.server, short.wall);
  const own = { server: [] as number[], wall: [] as number[] };
  for (let i = 0; i < runs; i++) {
    const r = await ask(`/api/trace/sha256:${hex((i * 7919) % count, "own-file")}`);
    own.server.push(r.server);
    own.wall.push(r.wall);
  }
  line("/api/trace/<a file one artifact holds>", own.server, own.wall);
  await web.stop();
  await store.close();
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(0);
