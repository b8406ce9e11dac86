/**
 * What one build costs on a small project, whatever its size: the fixed part of
 * bunseal's overhead, and where it goes (issue #19: "today 0.3–0.6 s, 8–13× a
 * tiny bare build").
 *
 *   bun bench/fixed-cost.ts [--runs 9]
 *
 * For a one-module project and the example service, runs in turn (alternating):
 *   bare      bun build <entry> --outdir … with the project's options
 *   version   bunseal --version (a Bun start and bunseal's own loading)
 *   no-sign   bunseal build --no-sign --json
 *   signed    bunseal build --key … --json (the key held by a first process, src/sign/key-holder.ts)
 * and prints each one's median wall time, then the median of each stage as the
 * signed build's `--json` `timings` report it, and what lies outside the stages
 * (process starts, loading, the key holder): wall − timings.total.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exampleServiceRepo } from "../test/helpers/example-service.ts";
import { gitRepo } from "../test/helpers/git.ts";
import { BUNSEAL, bareBuildCommand, median } from "./lib.ts";

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf("--runs") + 1] ?? 9) || 9;
const scratch = mkdtempSync(join(tmpdir(), "bunseal-fixed-"));

interface Run {
  wallMs: number;
  timings?: Record<string, number>;
}

async function run(cmd: string[], cwd: string, json: boolean): Promise<Run> {
  const started = performance.now();
  const proc = Bun.spawn(cmd, { cwd, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [code, stdout, stderr] = await Promise.all([proc.exited, new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  const wallMs = performance.now() - started;
  if (code !== 0) throw new Error(`${cmd.join(" ")} exited ${code}:\n${stderr}`);
  return { wallMs, timings: json ? (JSON.parse(stdout) as { timings: Record<string, number> }).timings : undefined };
}

async function measure(name: string, dir: string, key: string): Promise<void> {
  const config = await Bun.file(join(dir, "bunseal.json")).json();
  const out = join(scratch, `${name.replace(/\W+/g, "-")}-out`);
  const variants: Record<string, { cmd: string[]; json: boolean }> = {
    bare: { cmd: bareBuildCommand(config, join(out, "bare")), json: false },
    version: { cmd: [...BUNSEAL, "--version"], json: false },
    "no-sign": { cmd: [...BUNSEAL, "build", dir, "--no-sign", "--out", join(out, "nosign"), "--json"], json: true },
    signed: { cmd: [...BUNSEAL, "build", dir, "--key", key, "--out", join(out, "signed"), "--json"], json: true },
  };
  const samples: Record<string, Run[]> = Object.fromEntries(Object.keys(variants).map((v) => [v, []]));
  for (const v of Object.values(variants)) await run(v.cmd, dir, v.json); // warm-up, not counted
  for (let i = 0; i < runs; i++) for (const [variant, v] of Object.entries(variants)) samples[variant]!.push(await run(v.cmd, dir, v.json));
  const wall = (variant: string) => median(samples[variant]!.map((s) => s.wallMs));
  console.log(`\n${name}: median of ${runs} alternating runs`);
  for (const variant of Object.keys(variants)) console.log(`  ${variant.padEnd(8)} ${wall(variant).toFixed(0).padStart(6)} ms  ${(wall(variant) / wall("bare")).toFixed(1).padStart(5)}× bare`);
  const signed = samples.signed!;
  const stages = Object.keys(signed[0]!.timings!).filter((s) => s !== "total" && s !== "bun");
  console.log(`  where a signed build's ${wall("signed").toFixed(0)} ms go (medians of --json timings):`);
  for (const stage of stages) console.log(`    ${stage.padEnd(10)} ${median(signed.map((s) => s.timings![stage]!)).toFixed(0).padStart(6)} ms`);
  console.log(`    ${"(bun)".padEnd(10)} ${median(signed.map((s) => s.timings!.bun!)).toFixed(0).padStart(6)} ms  the worker, from its start to its sandbox gone (inside "build")`);
  console.log(`    ${"outside".padEnd(10)} ${median(signed.map((s) => s.wallMs - s.timings!.total!)).toFixed(0).padStart(6)} ms  process starts, loading, the key holder (wall − timings.total)`);
}

try {
  const keys = join(scratch, "keys");
  await run([...BUNSEAL, "keygen", "--out", keys], scratch, false);
  const key = join(keys, "bunseal.key");
  console.log(`Bun ${Bun.version}, ${navigator.hardwareConcurrency} cores`);
  const tiny = await gitRepo({
    "package.json": JSON.stringify({ name: "tiny", version: "1.0.0" }),
    "bunseal.json": JSON.stringify({ service: "tiny", entrypoints: ["index.ts"], build: { target: "bun" } }),
    ".gitignore": ".bunseal/\n",
    "index.ts": "console.log('hello');\n",
  });
  try {
    await measure("tiny (one module)", tiny.path, key);
  } finally {
    await tiny.cleanup();
  }
  const example = await exampleServiceRepo();
  try {
    await measure("example-service (fixtures/)", example.path, key);
  } finally {
    await example.cleanup();
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
