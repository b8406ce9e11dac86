/**
 * Trace speed on a full store.
 *
 *   bun bench/trace.ts [--artifacts 100000] [--only sqlite|postgres] [--runs 21] [--cli PATH]
 *
 * Fills a store with generated artifacts (~20 files, ~50 dependencies each,
 * two thirds of them shipped; one artifact a real, signed build so the traced
 * bundle verifies) and a pin history (50 services × 3 envs × 20 pins), reports
 * the ingest rate, then times lookups in-process (p50/p95 over 1,000 random
 * targets each: by artifact digest, by the digest of a file inside one, by
 * package, a page of `trace --package` with its count, the count alone) and
 * the wall time of the whole `bunseal trace` command (`--runs` processes each)
 * against `bunseal --version` of the same CLI, alternating.
 * Targets: `trace --package` (a page and the count) p95 ≤ 2 ms on SQLite and
 * `trace()` p95 ≤ 2 ms (issue #12); `bunseal trace DIGEST` and `trace FILE` (a
 * file taken out of the real artifact) ≤ 3 × `bunseal --version` (issue #23);
 * `trace --package --count` is printed against `--version` for attribution.
 * `--version`, the floor, loads no package (test/bench/floors.test.ts).
 * `--cli` times another bunseal (the bundled dist/entry.js) for every CLI
 * figure; the store is filled through this checkout's own code either way.
 * PostgreSQL: $BUNSEAL_TEST_POSTGRES_URL, or a throwaway local cluster.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../src/store/open-store.ts";
import type { Store } from "../src/store/store.ts";
import { trace, tracePackage } from "../src/trace/trace.ts";
import { postgresUrl } from "../test/helpers/postgres.ts";
import { against, BUNSEAL, cliUnderTest, header, median, option, percentile } from "./lib.ts";
import { hex, PACKAGES, signedExampleArtifact, syntheticArtifact } from "./synthetic-store.ts";

const args = process.argv.slice(2);
const count = option(args, "--artifacts", 100_000);
const wallRuns = option(args, "--runs", 21);
const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined;
const cli = cliUnderTest(args);
const scratch = mkdtempSync(join(tmpdir(), "bunseal-bench-trace-"));



async function time(label: string, runs: number, run: (i: number) => Promise<unknown>, target?: number): Promise<void> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await run(i);
    samples.push(performance.now() - started);
  }
  const p95 = percentile(samples, 95);
  const verdict = target === undefined ? "" : `   target p95 ≤ ${target} ms: ${p95 <= target ? "met" : "NOT met"}`;
  console.log(`  ${label.padEnd(44)} p50 ${percentile(samples, 50).toFixed(2).padStart(6)} ms   p95 ${p95.toFixed(2).padStart(6)} ms${verdict}`);
}

/** Wall times of a command, alternated with `bunseal --version` (A B, B A) so both see the same machine. */
function wallPair(command: string[], runs: number): { version: number[]; command: number[] } {
  const out = { version: [] as number[], command: [] as number[] };
  const run = (cmd: string[], into: number[]) => {
    const t = performance.now();
    const done = Bun.spawnSync(cmd, { stdout: "ignore", stderr: "pipe" });
    if (done.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed: ${done.stderr}`);
    into.push(performance.now() - t);
  };
  for (let i = 0; i < 3; i++) run(command, []); // warm the page cache
  for (let i = 0; i < runs; i++) {
    const pair: [string[], number[]][] = [[[...cli.argv, "--version"], out.version], [command, out.command]];
    for (const [cmd, into] of i % 2 ? pair.reverse() : pair) run(cmd, into);
  }
  return out;
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
      await Promise.all(Array.from({ length: Math.min(BATCH, count - i) }, (_, j) => store.putArtifact(syntheticArtifact(i + j, template))));
    }
    // what runs where: 50 services × 3 envs, 20 pins each, of random artifacts of that service
    for (let svc = 0; svc < 50; svc++) {
      for (const env of ["prod", "staging", "dev"]) {
        let previous: string | null = null;
        for (let n = 1; n <= 20; n++) {
          const digest = hex(((svc + 50 * ((n * 131 + env.length * 17) % Math.max(1, Math.floor(count / 50)))) % count), "artifact");
          await store.appendPin({ service: `svc-${svc}`, env, sequence: n, digest, previousDigest: previous, actor: "bench", reason: "", pinnedAt: new Date(Date.UTC(2026, 6, 1) + n * 60_000).toISOString(), rollbackOf: null, bundle: JSON.stringify({ padding: "x".repeat(3000) }) });
          previous = digest;
        }
      }
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`\n${name}: ${count.toLocaleString("en")} artifacts ingested in ${seconds.toFixed(1)} s (${Math.round(count / seconds).toLocaleString("en")} artifacts/s, ${Math.round((count * 71) / seconds).toLocaleString("en")} rows/s)`);
    const pick = (i: number) => (i * 7919) % count;
    await time("getArtifact (by artifact digest)", 1000, (i) => store.getArtifact(hex(pick(i), "artifact")));
    await time("findByFileDigest (by inner file)", 1000, (i) => store.findByFileDigest(hex(pick(i) * 20 + (i % 20), "file")));
    const pkg = (i: number) => `${PACKAGES[i % PACKAGES.length]!}@1.${i % 9}.0`;
    const matches = await store.countByPackage(PACKAGES[0]!, "1.0.0");
    console.log(`  (a name@version is in ≈${matches.artifacts.toLocaleString("en")} artifacts, ${matches.shipped.toLocaleString("en")} of them shipped)`);
    await time("findByPackage (name@version), all matches", 200, (i) => store.findByPackage(PACKAGES[i % PACKAGES.length]!, `1.${i % 9}.0`));
    await time("findByPackage (name@version), page of 100", 1000, (i) => store.findByPackage(PACKAGES[i % PACKAGES.length]!, `1.${i % 9}.0`, { limit: 101 }));
    await time("countByPackage (name@version)", 1000, (i) => store.countByPackage(PACKAGES[i % PACKAGES.length]!, `1.${i % 9}.0`));
    await time("countByPackage (name alone)", 1000, (i) => store.countByPackage(PACKAGES[i % PACKAGES.length]!));
    await time("tracePackage (name@version), page of 25 + count", 1000, (i) => tracePackage(store, pkg(i), { limit: 25 }), name === "SQLite" ? 2 : undefined);
    await time("tracePackage (name@version), page of 100 + count", 1000, (i) => tracePackage(store, pkg(i), { limit: 100 }));
    await time("tracePackage (name@version), --count", 1000, (i) => tracePackage(store, pkg(i), { countOnly: true }), name === "SQLite" ? 2 : undefined);
    await time("tracePackage (name alone), page of 100 + count", 1000, (i) => tracePackage(store, PACKAGES[i % PACKAGES.length]!, { limit: 100 }));
    await time("listArtifacts, page of 100 (one service)", 1000, (i) => store.listArtifacts({ service: `svc-${i % 50}`, limit: 101 }));
    await time("findByCommitPrefix (7 hex)", 1000, (i) => store.findByCommitPrefix(hex(pick(i), "commit").slice(0, 7)));
    await time("currentPins", 200, () => store.currentPins());
    await time("trace() in-process, real artifact", 200, () => trace(store, `sha256:${real.digest}`), 2);
    for (const [label, args, target] of [
      ["bunseal trace DIGEST", ["trace", `sha256:${real.digest}`], 3],
      ["bunseal trace FILE", ["trace", real.file], 3],
      ["bunseal trace --package N@V --count", ["trace", "--package", pkg(1), "--count"], undefined],
    ] as const) {
      const wall = wallPair([...cli.argv, ...args, "--store", spec, "--json"], wallRuns);
      const ratio = median(wall.command) / median(wall.version);
      console.log(
        `  ${`${label} (CLI, wall)`.padEnd(44)} p50 ${median(wall.command).toFixed(1).padStart(6)} ms   p95 ${percentile(wall.command, 95).toFixed(1).padStart(6)} ms   ` +
          `bunseal --version p50 ${median(wall.version).toFixed(1)} ms   ${target === undefined ? `${ratio.toFixed(2)}× --version (attribution)` : against(ratio, target, "--version")}`,
      );
    }
  } finally {
    await store.close();
  }
}

try {
  console.log(header(cli));
  const example = await signedExampleArtifact(scratch);
  const file = join(scratch, "index.js");
  const { readTarFiles } = await import("../src/artifact/tar-read.ts");
  await Bun.write(file, (await readTarFiles(example.artifact)).get("index.js")!);
  const real = { ...example, file };
  if (only !== "postgres") await measure("SQLite", `sqlite:${join(scratch, "store.db")}`, real, example.publicKey);
  if (only !== "sqlite") await measure("PostgreSQL", await postgresUrl(), real, example.publicKey);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(0);
