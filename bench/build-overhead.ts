/**
 * bunseal's cost over a bare `bun build` with the same options.
 *
 *   bun bench/build-overhead.ts [--runs 9] [--only large|fixture] [--modules 10000] [--baseline DIR] [--cli PATH]
 *
 * For the example service and a generated project of 10,000 modules (`--modules`
 * makes it smaller, to try the bench; the targets are for 10,000), runs in
 * turn (alternating, so drift in machine load hits every variant alike):
 *   bare      bun build <entry> --outdir … with the project's options (the
 *             floor: Bun alone, nothing of bunseal's; test/bench/floors.test.ts)
 *   no-sign   bunseal build --no-sign
 *   signed    bunseal build --key …
 * `--cli PATH` times another bunseal (the bundled dist/entry.js) as no-sign
 * and signed.
 * With --baseline DIR (another checkout of bunseal, e.g. a worktree of the
 * previous main, its packages installed), a fourth variant `baseline` runs
 * that checkout's `build --key` in the same rotation, so a change's cost is
 * measured against the code before it under the same machine load.
 * It prints the median wall time and peak memory (max RSS of the largest
 * process in the tree, the sandboxed worker included: three runs of their own,
 * polling /proc) of each, and the ratios to bare.
 * Targets on the large project (issues #2 and #23): wall ≤ 1.20× bare, peak
 * memory ≤ 1.10× bare, for both bunseal variants.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exampleServiceRepo } from "../test/helpers/example-service.ts";
import { against, BUNSEAL, bareBuildCommand, cliUnderTest, header, median, option, timed, type Sample } from "./lib.ts";

const args = process.argv.slice(2);
const runs = option(args, "--runs", 9);
const modules = option(args, "--modules", 10_000);
const cli = cliUnderTest(args);
const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined;
const baseline = args.includes("--baseline") ? args[args.indexOf("--baseline") + 1] : undefined;
const root = join(import.meta.dir, "..");
const scratch = mkdtempSync(join(tmpdir(), "bunseal-bench-"));

/** `targets`: print the large project's targets, with a note when it is not the 10,000 modules they are set for. */
async function measure(name: string, dir: string, key: string, targets?: { note: string }): Promise<void> {
  const config = await Bun.file(join(dir, "bunseal.json")).json();
  const out = join(scratch, `${name}-out`);
  const variants: Record<string, string[]> = {
    bare: bareBuildCommand(config, join(out, "bare")),
    "no-sign": [...cli.argv, "build", dir, "--no-sign", "--out", join(out, "nosign")],
    signed: [...cli.argv, "build", dir, "--key", key, "--out", join(out, "signed")],
    ...(baseline ? { baseline: [BUNSEAL[0]!, ...BUNSEAL.slice(1, -1), join(baseline, "bin", "bunseal"), "build", dir, "--key", key, "--out", join(out, "baseline")] } : {}),
  };
  const samples: Record<string, Sample[]> = Object.fromEntries(Object.keys(variants).map((v) => [v, []]));
  // one warm-up round, not counted: fills the page cache and Bun's transpiler cache alike for all
  for (const cmd of Object.values(variants)) await timed(cmd, dir);
  for (let i = 0; i < runs; i++) {
    for (const [variant, cmd] of Object.entries(variants)) samples[variant]!.push(await timed(cmd, dir));
  }
  // memory in runs of its own: polling /proc for the sandboxed worker's peak would slow the timed runs
  const memory: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((v) => [v, []]));
  for (let i = 0; i < 3; i++) for (const [variant, cmd] of Object.entries(variants)) memory[variant]!.push((await timed(cmd, dir, { memory: true })).maxRssKb);
  const bareWall = median(samples.bare!.map((s) => s.wallMs));
  const bareRss = median(memory.bare!);
  console.log(`\n${name}: median of ${runs} alternating runs`);
  console.log(`  ${"variant".padEnd(8)}  ${"wall ms".padStart(8)}  ${"ratio".padStart(6)}  ${"peak MiB".padStart(8)}  ${"ratio".padStart(6)}`);
  if (baseline) console.log(`  signed / baseline: ${(median(samples.signed!.map((s) => s.wallMs)) / median(samples.baseline!.map((s) => s.wallMs))).toFixed(3)}× (target ≤ 1.05×)`);
  for (const [variant, list] of Object.entries(samples)) {
    const wall = median(list.map((s) => s.wallMs));
    const rss = median(memory[variant]!);
    console.log(`  ${variant.padEnd(8)}  ${wall.toFixed(0).padStart(8)}  ${(wall / bareWall).toFixed(2).padStart(5)}×  ${(rss / 1024).toFixed(0).padStart(8)}  ${(rss / bareRss).toFixed(2).padStart(5)}×`);
  }
  if (!targets) return;
  for (const variant of ["no-sign", "signed"]) {
    const wall = median(samples[variant]!.map((s) => s.wallMs)) / bareWall;
    const rss = median(memory[variant]!) / bareRss;
    console.log(`  ${variant}: wall ${against(wall, 1.2, "bare")}, peak memory ${against(rss, 1.1, "bare")}${targets.note}`);
  }
}

try {
  const keys = join(scratch, "keys");
  await timed([...BUNSEAL, "keygen", "--out", keys], root);
  const key = join(keys, "bunseal.key");
  console.log(header(cli));
  if (only !== "large") {
    const repo = await exampleServiceRepo();
    try {
      await measure("example-service (fixtures/)", repo.path, key);
    } finally {
      await repo.cleanup();
    }
  }
  if (only !== "fixture") {
    const large = join(scratch, "large-project");
    const gen = Bun.spawnSync([process.execPath, join(import.meta.dir, "gen-large-project.ts"), large, "--modules", String(modules)], { stdout: "ignore", stderr: "inherit" });
    if (gen.exitCode !== 0) throw new Error("generating the large project failed");
    await measure(`large-project (${modules.toLocaleString("en")} modules, minify, external sourcemap)`, large, key, { note: modules === 10_000 ? "" : " (the targets are for 10,000 modules)" });
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
