/**
 * Console speed on a full store.
 *
 *   bun bench/serve.ts [--artifacts 100000] [--only sqlite|postgres] [--runs 200]
 *
 * Fills a store with generated artifacts (as bench/trace.ts: ~20 files and
 * ~50 dependencies each, 50 services; one real, signed build so a traced
 * bundle verifies; 50 services × 3 environments pinned, 20 pins each), starts
 * the console in-process and times every API route that backs a page: the
 * server's own time (its Server-Timing header) and the request's wall time
 * over loopback, p50/p95. Target (issue 13): each page's server time ≤ 100 ms.
 * PostgreSQL: $BUNSEAL_TEST_POSTGRES_URL, or a throwaway local cluster.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startConsole } from "../src/serve/server.ts";
import { openStore } from "../src/store/open-store.ts";
import type { ArtifactRecord, Store } from "../src/store/store.ts";
import { postgresUrl } from "../test/helpers/postgres.ts";
import { BUNSEAL, percentile } from "./lib.ts";
import { hex, PACKAGES, signedExampleArtifact, syntheticArtifact } from "./synthetic-store.ts";

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const count = Number(option("--artifacts") ?? 100_000) || 100_000;
const runs = Number(option("--runs") ?? 200) || 200;
const only = option("--only");
const scratch = mkdtempSync(join(tmpdir(), "bunseal-bench-serve-"));
const ENVS = ["dev", "staging", "prod"];
const PINS_PER_PAIR = 20;

const synthetic = (i: number, template: ArtifactRecord): ArtifactRecord => syntheticArtifact(i, template, { schemaVersion: String(1 + Math.floor(i / 20_000)) });

async function fill(store: Store, spec: string, real: { digest: string; bundle: string }, keyPub: string): Promise<void> {
  const imported = Bun.spawnSync([...BUNSEAL, "store", "import", real.bundle, "--key", keyPub, "--store", spec]);
  if (imported.exitCode !== 0) throw new Error(`import failed: ${imported.stderr}`);
  const template = (await store.getArtifact(real.digest))!;
  const started = performance.now();
  for (let i = 0; i < count; i += 500) await Promise.all(Array.from({ length: Math.min(500, count - i) }, (_, j) => store.putArtifact(synthetic(i + j, template))));
  // pins: each (service, env) pins 20 of its service's artifacts, every 7th a rollback; written unsigned (the console only reads them)
  for (let s = 0; s < 50; s++) {
    for (const env of ENVS) {
      let previous: string | null = null;
      for (let seq = 1; seq <= PINS_PER_PAIR; seq++) {
        const digest = hex(s + 50 * (count / 50 - PINS_PER_PAIR + seq - 1), "artifact");
        await store.appendPin({ service: `svc-${s}`, env, sequence: seq, digest, previousDigest: previous, actor: "bench", reason: `release ${seq}`, pinnedAt: new Date(Date.UTC(2026, 5, 1) + seq * 3_600_000).toISOString(), rollbackOf: seq % 7 === 0 ? seq - 2 : null, bundle: "{}" });
        previous = digest;
      }
    }
  }
  console.log(`  filled: ${count.toLocaleString("en")} artifacts, ${(50 * ENVS.length * PINS_PER_PAIR).toLocaleString("en")} pins in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

async function measure(name: string, spec: string, real: { digest: string; bundle: string }, keyPub: string): Promise<void> {
  console.log(`\n${name}`);
  const store = await openStore(spec);
  try {
    await fill(store, spec, real, keyPub);
    const web = await startConsole({ store, hostname: "127.0.0.1", port: 0 });
    const pick = (i: number) => (i * 7919) % count;
    const routes: [string, (i: number) => string][] = [
      ["page (the bundled HTML)", () => "/"],
      ["search page: /api/artifacts (newest 20)", () => "/api/artifacts?limit=20"],
      ["/api/artifacts?service= (50)", (i) => `/api/artifacts?service=svc-${i % 50}`],
      ["/api/trace/<real artifact> (verifies)", () => `/api/trace/sha256:${real.digest}`],
      ["/api/trace/<artifact>", (i) => `/api/trace/sha256:${hex(pick(i), "artifact")}`],
      ["/api/trace/<file inside>", (i) => `/api/trace/sha256:${hex(pick(i) * 20 + (i % 20), "file")}`],
      ["/api/artifacts/<digest> (files, packages)", (i) => `/api/artifacts/sha256:${hex(pick(i), "artifact")}`],
      ["/api/commits/<prefix>", (i) => `/api/commits/${hex(pick(i), "commit").slice(0, 10)}`],
      ["/api/packages/<name>@<version> (100)", (i) => `/api/packages/${PACKAGES[i % PACKAGES.length]}@1.${i % 9}.0`],
      ["/api/packages/<name>?count", (i) => `/api/packages/${PACKAGES[i % PACKAGES.length]}?count`],
      ["/api/pins?env=&service=", (i) => `/api/pins?env=${ENVS[i % 3]}&service=svc-${i % 50}`],
      ["/api/environments (50 × 3 matrix)", () => "/api/environments"],
      ["/api/timeline?service=&env=", (i) => `/api/timeline?service=svc-${i % 50}&env=${ENVS[i % 3]}`],
    ];
    for (const [label, path] of routes) {
      const server: number[] = [];
      const wall: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t = performance.now();
        const response = await fetch(new URL(path(i), web.url));
        await response.arrayBuffer();
        wall.push(performance.now() - t);
        if (response.status !== 200) throw new Error(`${path(i)}: HTTP ${response.status}`);
        const timing = /dur=([\d.]+)/.exec(response.headers.get("server-timing") ?? "")?.[1];
        if (timing) server.push(Number(timing));
      }
      const p95 = percentile(server.length ? server : wall, 95);
      const serverText = server.length ? `server p50 ${percentile(server, 50).toFixed(2).padStart(6)}  p95 ${p95.toFixed(2).padStart(6)} ms` : `${"(static)".padEnd(36)}`;
      console.log(`  ${label.padEnd(44)} ${serverText}   wall p50 ${percentile(wall, 50).toFixed(2).padStart(6)}  p95 ${percentile(wall, 95).toFixed(2).padStart(6)} ms  ${p95 <= 100 ? "≤ 100 ms ✓" : "> 100 ms ✗"}`);
    }
    await web.stop();
  } finally {
    await store.close();
  }
}

try {
  console.log(`Bun ${Bun.version}, ${navigator.hardwareConcurrency} cores; ${runs} requests per route`);
  const real = await signedExampleArtifact(scratch);
  if (only !== "postgres") await measure("SQLite", `sqlite:${join(scratch, "store.db")}`, real, real.publicKey);
  if (only !== "sqlite") await measure("PostgreSQL", await postgresUrl(), real, real.publicKey);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(0);
