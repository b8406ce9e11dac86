/**
 * Trace speed on a full store.
 *
 *   bun bench/trace.ts [--artifacts 100000] [--only sqlite|postgres]
 *
 * Fills a store with generated artifacts (~20 files, ~50 dependencies each;
 * one of them a real, signed build so the traced bundle verifies), reports the
 * ingest rate, then times lookups in-process (p50/p95 over 1,000 random
 * targets each: by artifact digest, by the digest of a file inside one, by
 * package) and the wall time of the whole `bunseal trace` command.
 * Targets (issue #4): in-process p95 ≤ 2 ms on SQLite and ≤ 5 ms on
 * PostgreSQL; `bunseal trace` ≤ 100 ms wall.
 * PostgreSQL: $BUNSEAL_TEST_POSTGRES_URL, or a throwaway local cluster.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../src/store/open-store.ts";
import type { ArtifactRecord, Store } from "../src/store/store.ts";
import { trace } from "../src/trace/trace.ts";
import { exampleServiceRepo } from "../test/helpers/example-service.ts";
import { postgresUrl } from "../test/helpers/postgres.ts";
import { BUNSEAL, percentile } from "./lib.ts";

const args = process.argv.slice(2);
const count = Number(args[args.indexOf("--artifacts") + 1] ?? 100_000) || 100_000;
const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined;
const scratch = mkdtempSync(join(tmpdir(), "bunseal-bench-trace-"));
const hex = (n: number, salt: string) => new Bun.CryptoHasher("sha256").update(`${salt}:${n}`).digest("hex");
const PACKAGES = Array.from({ length: 400 }, (_, i) => `pkg-${i}`);

function synthetic(i: number, template: ArtifactRecord): ArtifactRecord {
  const digest = hex(i, "artifact");
  return {
    ...template,
    digest,
    name: `svc-${i % 50}-${digest.slice(0, 12)}.tar`,
    service: `svc-${i % 50}`,
    commit: hex(i, "commit").slice(0, 40),
    builtAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
    files: Array.from({ length: 20 }, (_, f) => ({ path: `dist/chunk-${f}.js`, digest: hex(i * 20 + f, "file") })),
    packages: Array.from({ length: 50 }, (_, p) => ({ name: PACKAGES[(i * 7 + p * 13) % PACKAGES.length]!, version: `1.${(i + p) % 9}.0`, integrity: `sha512:${hex(p, "pkg")}`, shipped: p % 3 !== 0 })),
  };
}

async function time(label: string, runs: number, run: (i: number) => Promise<unknown>): Promise<void> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await run(i);
    samples.push(performance.now() - started);
  }
  console.log(`  ${label.padEnd(34)} p50 ${percentile(samples, 50).toFixed(2).padStart(6)} ms   p95 ${percentile(samples, 95).toFixed(2).padStart(6)} ms`);
}

async function measure(name: string, spec: string, real: { digest: string; bundle: string; file: string }, keyPub: string): Promise<void> {
  const store: Store = await openStore(spec);
  try {
    // the real artifact, imported through the CLI (verified), as the template for the rest
    const imported = Bun.spawnSync([...BUNSEAL, "store", "import", real.bundle, "--key", keyPub, "--store", spec]);
    if (imported.exitCode !== 0) throw new Error(`import failed: ${imported.stderr}`);
    const template = (await store.getArtifact(real.digest))!;
    const started = performance.now();
    const BATCH = 500;
    for (let i = 0; i < count; i += BATCH) {
      await Promise.all(Array.from({ length: Math.min(BATCH, count - i) }, (_, j) => store.putArtifact(synthetic(i + j, template))));
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`\n${name}: ${count.toLocaleString("en")} artifacts ingested in ${seconds.toFixed(1)} s (${Math.round(count / seconds).toLocaleString("en")} artifacts/s, ${Math.round((count * 71) / seconds).toLocaleString("en")} rows/s)`);
    const pick = (i: number) => (i * 7919) % count;
    await time("getArtifact (by artifact digest)", 1000, (i) => store.getArtifact(hex(pick(i), "artifact")));
    await time("findByFileDigest (by inner file)", 1000, (i) => store.findByFileDigest(hex(pick(i) * 20 + (i % 20), "file")));
    await time("findByPackage (name@version)", 1000, (i) => store.findByPackage(PACKAGES[i % PACKAGES.length]!, `1.${i % 9}.0`));
    await time("trace() in-process, real artifact", 200, () => trace(store, `sha256:${real.digest}`));
    const wall: number[] = [];
    for (let i = 0; i < 11; i++) {
      const t = performance.now();
      const out = Bun.spawnSync([...BUNSEAL, "trace", real.file, "--store", spec, "--json"]);
      if (out.exitCode !== 0) throw new Error(`trace failed: ${out.stderr}`);
      wall.push(performance.now() - t);
    }
    console.log(`  ${"bunseal trace FILE (CLI, wall)".padEnd(34)} p50 ${percentile(wall, 50).toFixed(1).padStart(6)} ms   p95 ${percentile(wall, 95).toFixed(1).padStart(6)} ms`);
  } finally {
    await store.close();
  }
}

try {
  console.log(`Bun ${Bun.version}, ${navigator.hardwareConcurrency} cores`);
  const repo = await exampleServiceRepo();
  const keys = join(scratch, "keys");
  Bun.spawnSync([...BUNSEAL, "keygen", "--out", keys]);
  const built = JSON.parse(Bun.spawnSync([...BUNSEAL, "build", repo.path, "--key", join(keys, "bunseal.key"), "--json"]).stdout.toString());
  const file = join(scratch, "index.js");
  const { readTarFiles } = await import("../src/artifact/tar-read.ts");
  await Bun.write(file, (await readTarFiles(built.artifact.path)).get("index.js")!);
  const real = { digest: built.artifact.digest.slice(7), bundle: built.bundle.path, file };
  if (only !== "postgres") await measure("SQLite", `sqlite:${join(scratch, "store.db")}`, real, join(keys, "bunseal.pub"));
  if (only !== "sqlite") await measure("PostgreSQL", await postgresUrl(), real, join(keys, "bunseal.pub"));
  await repo.cleanup();
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(0);
