/**
 * What an artifact does wrong is a finding of its run, never a hang or an
 * error of bunseal's: a crash before ready, a start that never gets ready
 * (stopped at the timeout), a crash while it serves, a service that stops
 * answering. Each returns within its limits, with the sandbox gone.
 */
import { describe, expect, test } from "bun:test";
import { processTree } from "../../src/build/process-tree.ts";
import { runOnce } from "../../src/measure/run-artifact.ts";
import { httpService, service, target } from "./run-helpers.ts";

/** Nothing this process started is left running: the sandbox and the prober are gone with their trees. */
const noChildrenLeft = () => expect(processTree(process.pid).filter((p) => p.pid !== process.pid)).toEqual([]);

describe("a run that goes wrong is a finding, not a hang", () => {
  test("a crash at start-up is crashed, with its exit status and last stderr line, long before the timeout", async () => {
    await using dir = await service(`await Bun.sleep(100); console.error("connecting to the database"); console.error("fatal: DATABASE_URL is not set"); process.exit(2);`);
    const started = performance.now();
    const run = await runOnce(target(dir.path, { ready: { http: "/health" } }, { load: { requests: 50 }, timeoutMs: 20_000 }));
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(run).toMatchObject({ crashed: true, neverReady: false, coldStartMs: null, requests: 0, problem: "exited with status 2 before it was ready: fatal: DATABASE_URL is not set" });
    noChildrenLeft();
  }, 30_000);

  test("an uncaught exception at start-up is a crash naming it", async () => {
    await using dir = await service(`throw new Error("config.json: unexpected token");`);
    const run = await runOnce(target(dir.path, { ready: { stdout: "^listening" } }));
    expect(run.crashed).toBe(true);
    expect(run.problem).toBe("exited with status 1 before it was ready: error: config.json: unexpected token");
  }, 30_000);

  // The shape of Claudio-Lins/bun-auth started without its env: a validation library's error class whose
  // message is its issues as indented JSON, 27 lines, then Bun's banner. The problem was the banner.
  test("an error class with a long multi-line message is named, not Bun's banner after it", async () => {
    await using dir = await service(`class ZodError extends Error { name = "ZodError"; }
const issues = ["DATABASE_URL", "RESEND_API_KEY", "EMAIL_FROM"].map((name) => ({ expected: "string", code: "invalid_type", path: [name], message: "Invalid input: expected string, received undefined" }));
throw new ZodError(JSON.stringify(issues, null, 2));`);
    const run = await runOnce(target(dir.path, { ready: { http: "/health" } }));
    expect(run.crashed).toBe(true);
    expect(run.problem).toBe("exited with status 1 before it was ready: ZodError: [");
  }, 30_000);

  test("a service whose health route never answers 2xx is neverReady, stopped at the timeout", async () => {
    await using dir = await service(`Bun.serve({ port: Number(process.env.PORT), fetch: () => new Response("starting", { status: 503 }) });`);
    const started = performance.now();
    const run = await runOnce(target(dir.path, { ready: { http: "/health" } }, { load: { requests: 50 }, timeoutMs: 1500 }));
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(1500);
    expect(took).toBeLessThan(8000);
    expect(run).toMatchObject({ neverReady: true, crashed: false, coldStartMs: null, rssAtReadyBytes: null, requests: 0, problem: "not ready within 1500 ms" });
    // it ran, and its memory was seen while it tried
    expect(run.peakRssBytes!).toBeGreaterThan(0);
    noChildrenLeft();
  }, 30_000);

  test("a process that hangs without listening, and the children it forked, are stopped at the timeout", async () => {
    await using dir = await service(`Bun.spawn(["/bin/sleep", "600"]); Bun.spawn(["/bin/sh", "-c", "setsid /bin/sleep 600 &"]); await Bun.sleep(600_000);`);
    const run = await runOnce(target(dir.path, { ready: { http: "/health" } }, { timeoutMs: 1000 }));
    expect(run.neverReady).toBe(true);
    noChildrenLeft();
  }, 30_000);

  test("a stdout pattern never printed is neverReady", async () => {
    await using dir = await service(`console.log("listening, sort of"); await Bun.sleep(600_000);`);
    const run = await runOnce(target(dir.path, { ready: { stdout: "^ready$" } }, { timeoutMs: 1000 }));
    expect(run).toMatchObject({ neverReady: true, problem: "not ready within 1000 ms" });
  }, 30_000);

  test("a job that never exits is neverReady", async () => {
    await using dir = await service(`await Bun.sleep(600_000);`);
    const run = await runOnce(target(dir.path, { ready: { exit: 0 } }, { timeoutMs: 1000 }));
    expect(run).toMatchObject({ neverReady: true, crashed: false, coldStartMs: null, problem: "did not exit within 1000 ms" });
  }, 30_000);

  test("a crash while it serves is crashed, with what it served counted", async () => {
    await using dir = await httpService("let n = 0;", `if (++n === 40) { console.error("out of file descriptors"); setTimeout(() => process.exit(70), 0); }`);
    const run = await runOnce(target(dir.path, { ready: { http: "/health" } }, { load: { requests: 200, concurrency: 2 }, timeoutMs: 2000 }));
    expect(run.coldStartMs).not.toBeNull();
    expect(run.crashed).toBe(true);
    expect(run.problem).toMatch(/^exited with status 70 (under load|while it served): out of file descriptors$/);
    expect(run.failedRequests).toBeGreaterThan(0);
    noChildrenLeft();
  }, 30_000);

  test("a service that stops answering under load fails its requests at the timeout and does not hang", async () => {
    await using dir = await httpService("let n = 0;", `if (++n > 20) return new Promise(() => {});`);
    const started = performance.now();
    const run = await runOnce(target(dir.path, { ready: { http: "/health" } }, { load: { requests: 40, concurrency: 4 }, timeoutMs: 1000 }));
    // 20 requests that never answer, 4 at a time, each given up after 1 s
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(run.crashed).toBe(false);
    expect(run.requests).toBe(40);
    expect(run.failedRequests).toBe(20);
    expect(run.latenciesMs).toHaveLength(20);
    noChildrenLeft();
  }, 60_000);

  test("a service that floods stdout and stderr is drained, and gets ready", async () => {
    await using dir = await httpService(`const line = "x".repeat(1023) + "\\n";
for (let i = 0; i < 20_000; i++) { process.stdout.write(line); process.stderr.write(line); }
process.stdout.write("y".repeat(5_000_000));`);
    const run = await runOnce(target(dir.path, { ready: { http: "/health" } }, { load: { requests: 20 }, timeoutMs: 20_000 }));
    expect(run).toMatchObject({ crashed: false, neverReady: false, requests: 20, failedRequests: 0 });
  }, 60_000);
});
