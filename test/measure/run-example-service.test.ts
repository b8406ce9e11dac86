/**
 * The runner on a real artifact: the example service (Hono, zod, a macro,
 * the build-info module) built by bunseal, unpacked from its tar and started
 * in its sandbox, ready on its health route and serving load there.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { runOnce, unpackArtifact } from "../../src/measure/run-artifact.ts";
import { runCli } from "../helpers/cli.ts";
import { exampleServiceRepo } from "../helpers/example-service.ts";

describe("the example service, as bunseal built it", () => {
  test("starts from its unpacked artifact, gets ready on its health route and serves its routes", async () => {
    await using repo = await exampleServiceRepo();
    const built = await runCli(["build", repo.path, "--no-sign", "--out", join(repo.path, ".out"), "--json"], { cwd: repo.path });
    expect(built.exitCode, built.stderr).toBe(0);
    const unpacked = await unpackArtifact(built.json().artifact.path);
    try {
      const lines: string[] = [];
      const run = await runOnce(
        {
          dir: unpacked.dir,
          run: { command: ["bun", "index.js"], ready: { http: "/healthz" }, port: "PORT", env: { LOG_LEVEL: "warn" } },
          load: { path: "/search?q=shoe", method: "GET", requests: 300, concurrency: 8 },
          bunPath: process.execPath,
          timeoutMs: 10_000,
        },
        (line) => lines.push(line),
      );
      expect(run).toMatchObject({ crashed: false, neverReady: false, requests: 300, failedRequests: 0 });
      expect(run.coldStartMs!).toBeGreaterThan(0);
      expect(run.rssAtReadyBytes!).toBeGreaterThan(10 * 1024 * 1024);
      expect(run.latenciesMs).toHaveLength(300);
      expect(lines[0]).toBe("started");
      expect(lines[1]).toMatch(/^ready in \d+ ms$/);
      expect(lines[2]).toBe("served 300 requests, 0 failed");
    } finally {
      await unpacked.dispose();
    }
  }, 120_000);
});
