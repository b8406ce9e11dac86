/**
 * A compiled executable (`build.compile: true`) measured as a service: the
 * run command is the executable inside the unpacked artifact, started in the
 * sandbox without the `bun` that built it.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { gitRepo, type GitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

let work: TestDir;
let repo: GitRepo;
let artifact: string;

beforeAll(async () => {
  work = await makeTempDir("bunseal-measure-compiled-");
  repo = await gitRepo({
    "package.json": JSON.stringify({ name: "tiny" }),
    "bunseal.json": JSON.stringify({ service: "tiny", entrypoints: ["src/index.ts"], build: { compile: true }, run: { command: ["./index"], ready: { http: "/health" }, port: "PORT" }, load: { requests: 100, concurrency: 2 } }),
    "src/index.ts": 'Bun.serve({ port: Number(process.env.PORT), fetch(req) { return new Response(new URL(req.url).pathname === "/health" ? "ok" : "hello"); } });\n',
  });
  expect((await runCli(["keygen", "--out", join(work.path, "keys")])).exitCode).toBe(0);
  const built = await runCli(["build", repo.path, "--key", join(work.path, "keys", "bunseal.key"), "--out", join(work.path, "out"), "--json"]);
  expect(built.exitCode, built.stderr).toBe(0);
  artifact = built.json().artifact.path;
}, 120_000);
afterAll(async () => {
  await Promise.all([work?.cleanup(), repo?.cleanup()]);
});

test("a compiled executable starts, serves its load and is measured (its size is the executable's)", async () => {
  const out = await runCli(["measure", artifact, "--key", join(work.path, "keys", "bunseal.pub"), "--runs", "2", "--json"]);
  expect(out.exitCode, out.stdout + out.stderr).toBe(0);
  const report = out.json();
  expect(report.passed).toBe(true);
  expect(report.figures.coldStartMs.p95).toBeGreaterThan(0);
  expect(report.figures.requests).toBe(200);
  expect(report.figures.errorRate).toBe(0);
  // a Bun executable carries the runtime: tens of MB, where the bundle alone is a few hundred bytes
  expect(report.figures.artifactBytes).toBeGreaterThan(10_000_000);
}, 60_000);
