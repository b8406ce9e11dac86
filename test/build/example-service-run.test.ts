/**
 * The example service runs as its bunseal.json's `run` says (issue 22): its
 * artifact unpacked, `run.command` started in that folder with a free port in
 * `run.port`, ready when `run.ready.http` answers 2xx, serving `load.path`;
 * and it reports its budgets at boot beside its commit (the build-info module).
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdir } from "node:fs/promises";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { readTarFiles } from "../../src/artifact/tar-read.ts";
import { loadConfig } from "../../src/config/load.ts";
import { runCli } from "../helpers/cli.ts";
import { EXAMPLE_SERVICE_DIR, exampleServiceRepo } from "../helpers/example-service.ts";
import type { GitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(120_000);

let repo: GitRepo;
let unpacked: TestDir;

beforeAll(async () => {
  [repo, unpacked] = await Promise.all([exampleServiceRepo(), makeTempDir("bunseal-example-run-")]);
});
afterAll(async () => {
  await Promise.all([repo?.cleanup(), unpacked?.cleanup()]);
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

test("the example service's artifact starts with run.command, gets ready on run.ready.http, serves load.path and logs its budgets", async () => {
  const { config } = await loadConfig(EXAMPLE_SERVICE_DIR);
  expect(config.run).toEqual({ command: ["bun", "index.js"], ready: { http: "/health" }, port: "PORT", env: {} });
  expect(config.load).toMatchObject({ path: "/", method: "GET" });
  const out = await runCli(["build", repo.path, "--no-sign", "--json"]);
  expect(out.exitCode).toBe(0);
  for (const [path, bytes] of await readTarFiles(out.json().artifact.path)) {
    await mkdir(dirname(join(unpacked.path, path)), { recursive: true });
    await Bun.write(join(unpacked.path, path), bytes);
  }
  const port = await freePort();
  const child = Bun.spawn(config.run!.command, { cwd: unpacked.path, env: { PATH: process.env.PATH ?? "", [config.run!.port!]: String(port) }, stdout: "pipe", stderr: "pipe" });
  try {
    const ready = config.run!.ready as { http: string };
    let status = 0;
    for (const deadline = Date.now() + 20_000; Date.now() < deadline && status !== 200; await Bun.sleep(50)) {
      status = await fetch(`http://127.0.0.1:${port}${ready.http}`).then((r) => r.status, () => 0);
    }
    expect(status).toBe(200);
    const served = await fetch(`http://127.0.0.1:${port}${config.load!.path}`, { method: config.load!.method });
    expect(served.status).toBe(200);
  } finally {
    child.kill();
    await child.exited;
  }
  const boot = (await new Response(child.stdout).text()).split("\n").find((line) => line.includes('"boot"'));
  expect(boot).toBeDefined();
  const { build } = JSON.parse(boot!);
  expect(build.commit).toBe(repo.commit);
  expect(build.budgets).toEqual(config.budgets);
});
