/**
 * What one run of an artifact shows (src/measure/run-artifact.ts), on
 * planted differences: a sleep before listening is in the cold start, an
 * allocation at start-up in the memory at ready, a slower route in the
 * latencies. The machine is small and shared, so each test asserts what must
 * hold however noisy it is (a 300 ms sleep adds at least 300 ms; 200 MB
 * resident is at least 200 MB), never a tight absolute figure.
 */
import { describe, expect, test } from "bun:test";
import { runOnce } from "../../src/measure/run-artifact.ts";
import { httpService, median, service, target } from "./run-helpers.ts";

const MB = 1024 * 1024;

describe("runOnce measures a start from outside", () => {
  test("a 300 ms sleep before listening is seen in coldStartMs", async () => {
    await using fast = await httpService("");
    await using slow = await httpService("await Bun.sleep(300);");
    const quick: number[] = [];
    const late: number[] = [];
    // alternately, as measure runs two artifacts side by side
    for (let i = 0; i < 3; i++) {
      quick.push((await runOnce(target(fast.path, { ready: { http: "/health" } }))).coldStartMs!);
      late.push((await runOnce(target(slow.path, { ready: { http: "/health" } }))).coldStartMs!);
    }
    for (const ms of late) expect(ms).toBeGreaterThanOrEqual(300);
    expect(median(late) - median(quick)).toBeGreaterThan(200);
  }, 60_000);

  test("a 200 MB allocation at start-up is seen in rssAtReadyBytes, and the peak is at least that", async () => {
    await using plain = await httpService("");
    // touched, so that it is resident and not only reserved
    await using heavy = await httpService("globalThis.kept = Buffer.alloc(200 * 1024 * 1024, 1);");
    const small = await runOnce(target(plain.path, { ready: { http: "/health" } }));
    const big = await runOnce(target(heavy.path, { ready: { http: "/health" } }));
    expect(small.rssAtReadyBytes!).toBeGreaterThan(5 * MB);
    expect(big.rssAtReadyBytes!).toBeGreaterThanOrEqual(200 * MB);
    expect(big.rssAtReadyBytes! - small.rssAtReadyBytes!).toBeGreaterThan(150 * MB);
    expect(big.peakRssBytes!).toBeGreaterThanOrEqual(big.rssAtReadyBytes!);
  }, 60_000);

  test("memory is the sum over the artifact's processes: a child it starts is counted", async () => {
    const child = "globalThis.kept = Buffer.alloc(120 * 1024 * 1024, 1); await Bun.sleep(60_000);";
    await using alone = await httpService("");
    await using parent = await httpService(
      `import { writeFileSync } from "node:fs";
writeFileSync("/tmp/child.js", ${JSON.stringify(child)});
Bun.spawn([process.execPath, "/tmp/child.js"], { stdio: ["ignore", "inherit", "inherit"] });
await Bun.sleep(1500);`,
    );
    const one = await runOnce(target(alone.path, { ready: { http: "/health" } }));
    const two = await runOnce(target(parent.path, { ready: { http: "/health" } }));
    expect(two.rssAtReadyBytes! - one.rssAtReadyBytes!).toBeGreaterThan(100 * MB);
  }, 60_000);

  test("a route 3x slower is seen in the latencies under load", async () => {
    await using dir = await httpService("", `if (path === "/fast") { await Bun.sleep(5); return new Response("fast"); }
    if (path === "/slow") { await Bun.sleep(15); return new Response("slow"); }`);
    const load = { requests: 200, concurrency: 4 };
    const fast = await runOnce(target(dir.path, { ready: { http: "/health" } }, { load: { ...load, path: "/fast" } }));
    const slow = await runOnce(target(dir.path, { ready: { http: "/health" } }, { load: { ...load, path: "/slow" } }));
    for (const run of [fast, slow]) {
      expect(run.requests).toBe(200);
      expect(run.failedRequests).toBe(0);
      expect(run.latenciesMs).toHaveLength(200);
      expect(run.crashed).toBe(false);
    }
    expect(median(fast.latenciesMs)).toBeGreaterThanOrEqual(5);
    expect(median(slow.latenciesMs)).toBeGreaterThanOrEqual(15);
    expect(median(slow.latenciesMs) / median(fast.latenciesMs)).toBeGreaterThan(2);
  }, 60_000);

  test("every latency of a large load is reported (the prober's report is one long line)", async () => {
    await using dir = await httpService("");
    const run = await runOnce(target(dir.path, { ready: { http: "/health" } }, { load: { requests: 6000, concurrency: 16 } }));
    expect(run.problem).toBeUndefined();
    expect(run.requests).toBe(6000);
    expect(run.failedRequests).toBe(0);
    expect(run.latenciesMs).toHaveLength(6000);
  }, 60_000);

  test("answers that are not 2xx are failed requests, with their latency kept", async () => {
    await using dir = await httpService("let n = 0;", `if (path === "/flaky") return new Response("no", { status: ++n % 4 === 0 ? 500 : 200 });`);
    const run = await runOnce(target(dir.path, { ready: { http: "/health" } }, { load: { path: "/flaky", requests: 100, concurrency: 1, method: "POST" } }));
    expect(run.requests).toBe(100);
    expect(run.failedRequests).toBe(25);
    expect(run.latenciesMs).toHaveLength(100);
  }, 60_000);

  test("stdout readiness: ready when a line matches, and the load is served after it", async () => {
    await using dir = await service(`await Bun.sleep(200);
Bun.serve({ port: Number(process.env.PORT), fetch: () => new Response("hi") });
console.log("starting up");
console.log("listening on " + process.env.PORT);
`);
    const run = await runOnce(target(dir.path, { ready: { stdout: "^listening on \\d+$" } }, { load: { requests: 50 } }));
    expect(run.coldStartMs!).toBeGreaterThanOrEqual(200);
    expect(run.neverReady).toBe(false);
    expect(run.requests).toBe(50);
    expect(run.failedRequests).toBe(0);
  }, 60_000);

  test("exit readiness: a job is ready when it ends with 0, cold start is spawn to exit", async () => {
    await using dir = await service(`await Bun.sleep(250); console.log("done");`);
    const run = await runOnce(target(dir.path, { ready: { exit: 0 } }, { load: { requests: 10 } }));
    expect(run.coldStartMs!).toBeGreaterThanOrEqual(250);
    expect(run.crashed).toBe(false);
    expect(run.neverReady).toBe(false);
    expect(run.rssAtReadyBytes!).toBeGreaterThan(0);
    // a job serves no load
    expect(run.requests).toBe(0);
  }, 60_000);

  test("exit readiness: a job that ends with another status is a crash, with its status and last stderr line", async () => {
    await using dir = await service(`console.error("reading input"); console.error("error: input.csv not found"); process.exit(3);`);
    const run = await runOnce(target(dir.path, { ready: { exit: 0 } }));
    expect(run.crashed).toBe(true);
    expect(run.coldStartMs).toBeNull();
    expect(run.problem).toBe("exited with status 3: error: input.csv not found");
  }, 60_000);
});
