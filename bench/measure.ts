/**
 * What a runtime measurement of the example service costs, and how it grows
 * with the number of runs.
 *
 *   bun bench/measure.ts [--runs 1,5,10] [--requests 2000]
 *
 * Builds fixtures/example-service with bunseal (unsigned), unpacks the
 * artifact once, then for each N starts it N times in its sandbox with
 * runOnce (src/measure/run-artifact.ts), the runs `bunseal measure` makes:
 * readiness on its health route, then `load` (the config's, else 2000 GETs
 * of / at 16 in flight). Each run's wall time is split by the runner's own
 * progress lines into bunseal's set-up (the sandbox, the prober joining its
 * network, the gate), the artifact's cold start, the load it serves, and the
 * teardown (every process killed and waited for). A side-by-side measure
 * (`--against`) makes twice the runs.
 */
import { join } from "node:path";
import { exampleServiceRepo } from "../test/helpers/example-service.ts";
import { runOnce, unpackArtifact, type RunTarget } from "../src/measure/run-artifact.ts";
import { BUNSEAL, median } from "./lib.ts";

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const counts = (option("--runs") ?? "1,5,10").split(",").map(Number);
const requests = Number(option("--requests") ?? 2000);

const repo = await exampleServiceRepo();
try {
  const out = join(repo.path, ".bench-out");
  const built = Bun.spawnSync([...BUNSEAL, "build", repo.path, "--no-sign", "--out", out, "--json"], { cwd: repo.path });
  if (built.exitCode !== 0) throw new Error(`build failed: ${built.stderr}`);
  const tar: string = JSON.parse(built.stdout.toString()).artifact.path;
  const config = await Bun.file(join(repo.path, "bunseal.json")).json();

  const unpackStarted = performance.now();
  const unpacked = await unpackArtifact(tar);
  const unpackMs = performance.now() - unpackStarted;
  try {
    const target: RunTarget = {
      dir: unpacked.dir,
      // the config's own, once the example service has them; until then the same in its terms
      run: config.run ?? { command: ["bun", "index.js"], ready: { http: "/healthz" }, port: "PORT", env: {} },
      load: { path: "/", method: "GET", concurrency: 16, ...config.load, requests },
      bunPath: process.execPath,
      timeoutMs: 10_000,
    };
    console.log(`Bun ${Bun.version}, ${navigator.hardwareConcurrency} cores; artifact ${unpacked.bytes} bytes, unpacked in ${unpackMs.toFixed(0)} ms`);
    console.log(`each run: ready on ${JSON.stringify(target.run.ready)}, then ${target.load!.requests} × ${target.load!.method} ${target.load!.path} at ${target.load!.concurrency} in flight\n`);
    // one warm-up run: page cache and Bun's own start-up, for every N alike
    await runOnce(target);
    console.log("runs   total     per run   set-up   cold start   load     teardown   p50 latency");
    for (const n of counts) {
      const phases = { setup: [] as number[], cold: [] as number[], load: [] as number[], teardown: [] as number[], latency: [] as number[] };
      const started = performance.now();
      for (let i = 0; i < n; i++) {
        const marks: Record<string, number> = { spawn: performance.now() };
        const sample = await runOnce(target, (line) => (marks[line.split(" ")[0]!] = performance.now()));
        const end = performance.now();
        if (sample.crashed || sample.neverReady) throw new Error(`the example service did not run: ${sample.problem}`);
        phases.setup.push(marks.started! - marks.spawn!);
        phases.cold.push(sample.coldStartMs!);
        phases.load.push(marks.served! - marks.ready!);
        phases.teardown.push(end - marks.served!);
        phases.latency.push(median(sample.latenciesMs));
      }
      const total = performance.now() - started;
      const ms = (value: number) => `${value.toFixed(0)} ms`.padStart(8);
      console.log(`${String(n).padStart(4)}  ${ms(total)}  ${ms(total / n)}  ${ms(median(phases.setup))}  ${ms(median(phases.cold))}     ${ms(median(phases.load))}  ${ms(median(phases.teardown))}   ${median(phases.latency).toFixed(2)} ms`);
    }
  } finally {
    await unpacked.dispose();
  }
} finally {
  await repo.cleanup();
}
