/**
 * Are planted regressions caught, and are two builds of one commit left alone?
 * (issue 22: caught 10 times in 10; 0 false regressions in 20 side by side.)
 *
 *   bun bench/measure-regressions.ts [--sessions 10] [--same-sessions 2×sessions] [--runs 6] [--only NAME]
 *
 * Builds, with the real CLI and a fresh key, a tiny service (a /health route
 * for readiness, a / route that busies the CPU 1 ms per request) and three
 * planted variants of it, each its own commit:
 *   sleep  waits 300 ms before listening          → coldStartP95Ms
 *   alloc  holds 200 MB, touched, from start-up   → rssMb
 *   route  busies 3 ms per request instead of 1   → latencyP95Ms
 * and the base commit a second time into another out folder (a second build of
 * the same commit). Then runs `bunseal measure SUBJECT --against BASE --runs R`
 * as separate sessions, one after another: a plant is caught when that
 * session reports a BUDGET_REGRESSION on the plant's figure; the same-commit
 * pair raises a false alarm when a session reports any BUDGET_REGRESSION.
 * Exit 1 on any miss or false alarm.
 */
import { join } from "node:path";
import { gitRepo, type GitRepo } from "../test/helpers/git.ts";
import { makeTempDir } from "../test/helpers/testdir.ts";
import { BUNSEAL } from "./lib.ts";

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const whole = (name: string, fallback: number, least = 1) => {
  const value = Number(option(name) ?? fallback);
  if (!Number.isInteger(value) || value < least) throw new Error(`${name}: expected a whole number ≥ ${least}, got ${option(name)}`);
  return value;
};
const sessions = whole("--sessions", 10);
const sameSessions = whole("--same-sessions", 2 * sessions, 0);
/** `--only route`: the plants whose name contains it */
const only = option("--only");
const runs = whole("--runs", 6);

const RUN = { command: ["bun", "index.js"], ready: { http: "/health" }, port: "PORT" };
const LOAD = { path: "/", requests: 200, concurrency: 4 };

/** The service, with `before` run at start-up and `workMs` of CPU per request to /. */
function service(before: string, workMs: number) {
  return {
    "package.json": JSON.stringify({ name: "tiny" }),
    "bunseal.json": JSON.stringify({ service: "tiny", entrypoints: ["src/index.ts"], build: { target: "bun" }, run: RUN, load: LOAD }),
    "src/index.ts": [
      before,
      "function busy(ms: number) { const end = performance.now() + ms; let n = 0; while (performance.now() < end) n++; return n; }",
      `Bun.serve({ port: Number(process.env.PORT), fetch(req) { if (new URL(req.url).pathname === "/health") return new Response("ok"); busy(${workMs}); return new Response("hello"); } });`,
      "",
    ].join("\n"),
  };
}

const PLANTS = [
  { name: "300 ms sleep before listening", figure: "coldStartP95Ms", files: service("await Bun.sleep(300);", 5) },
  // filled, so the pages are resident, and kept reachable
  { name: "200 MB allocated at start-up", figure: "rssMb", files: service("(globalThis as any).held = new Uint8Array(200 * 1024 * 1024).fill(1);", 5) },
  // 5 ms of work against 15: with 1 against 3 the fixed cost of a request (HTTP, the prober) diluted "3×" to 1.5× end to end
  { name: "route 3× slower (15 ms of CPU, not 5)", figure: "latencyP95Ms", files: service("", 15) },
] as const;

async function cli(argv: string[]): Promise<{ exitCode: number; json: any; stderr: string }> {
  const child = Bun.spawn([...BUNSEAL, ...argv], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  let json: any;
  try {
    json = JSON.parse(stdout);
  } catch {
    json = undefined;
  }
  return { exitCode, json, stderr };
}

const work = await makeTempDir("bunseal-bench-regressions-");
const repos: GitRepo[] = [];
try {
  const keys = join(work.path, "keys");
  if ((await cli(["keygen", "--out", keys])).exitCode !== 0) throw new Error("keygen failed");
  const build = async (files: Record<string, string>, out: string, repo?: GitRepo) => {
    const source = repo ?? (await gitRepo(files, { message: out }));
    if (!repo) repos.push(source);
    const built = await cli(["build", source.path, "--key", join(keys, "bunseal.key"), "--out", join(work.path, out), "--json"]);
    if (built.exitCode !== 0 || !built.json) throw new Error(`build of ${out} failed: ${built.stderr}`);
    return { path: built.json.artifact.path as string, digest: built.json.artifact.digest as string, repo: source };
  };
  const base = await build(service("", 5), "base");
  // the same commit, built again
  const again = await build({}, "again", base.repo);
  const plants = [];
  for (const [i, plant] of PLANTS.entries()) if (!only || plant.name.includes(only)) plants.push({ ...plant, built: await build(plant.files, `plant-${i}`) });

  const measure = async (subject: string) => {
    const started = performance.now();
    const out = await cli(["measure", subject, "--key", join(keys, "bunseal.pub"), "--against", base.path, "--runs", String(runs), "--json", "--quiet"]);
    if (!out.json?.findings) throw new Error(`measure ${subject} failed (exit ${out.exitCode}): ${out.stderr}`);
    const regressions: { figure: string; ratio: number; low: number; high: number }[] = out.json.ratios.filter((r: { regression: boolean }) => r.regression);
    return { regressions, seconds: (performance.now() - started) / 1000 };
  };

  console.log(`Bun ${Bun.version}, ${navigator.hardwareConcurrency} cores; bunseal measure --against the base build, --runs ${runs}, one session at a time`);
  console.log(`same commit built twice: ${again.digest === base.digest ? "identical bytes" : "different bytes"} (${base.digest.slice(0, 19)}…, ${again.digest.slice(0, 19)}…)\n`);
  let failed = false;
  for (const plant of plants) {
    let caught = 0;
    const seconds: number[] = [];
    const low: number[] = [];
    for (let s = 1; s <= sessions; s++) {
      const { regressions, seconds: took } = await measure(plant.built.path);
      seconds.push(took);
      const hit = regressions.find((r) => r.figure === plant.figure);
      if (hit) caught++;
      low.push(hit?.low ?? Number.NaN);
      console.error(`  ${plant.name}, session ${s}/${sessions}: ${hit ? `caught, ${plant.figure} ${hit.ratio.toFixed(2)}× (95 % ${hit.low.toFixed(2)}–${hit.high.toFixed(2)})` : "MISSED"} in ${took.toFixed(1)} s`);
    }
    if (caught < sessions) failed = true;
    const lows = low.filter((v) => !Number.isNaN(v));
    console.log(`${plant.name.padEnd(38)} caught ${caught}/${sessions} (${plant.figure}; lowest interval bound ${lows.length ? Math.min(...lows).toFixed(2) : "–"}×), ${mean(seconds).toFixed(1)} s a session`);
  }
  let falseAlarms = 0;
  const seconds: number[] = [];
  for (let s = 1; s <= sameSessions; s++) {
    const { regressions, seconds: took } = await measure(again.path);
    seconds.push(took);
    if (regressions.length > 0) falseAlarms++;
    console.error(`  same commit, session ${s}/${sameSessions}: ${regressions.length ? `FALSE ALARM ${regressions.map((r) => `${r.figure} ${r.ratio.toFixed(2)}× (95 % ${r.low.toFixed(2)}–${r.high.toFixed(2)})`).join(", ")}` : "no regression"} in ${took.toFixed(1)} s`);
  }
  if (falseAlarms > 0) failed = true;
  console.log(`${"same commit, two builds".padEnd(38)} false regressions ${falseAlarms}/${sameSessions}, ${mean(seconds).toFixed(1)} s a session`);
  process.exitCode = failed ? 1 : 0;
} finally {
  await Promise.all(repos.map((r) => r.cleanup()));
  await work.cleanup();
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
}
