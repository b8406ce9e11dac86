/** "Are we running the vulnerable version anywhere?": trace --package from a real build. */
import { expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { exampleServiceRepo } from "../helpers/example-service.ts";
import { makeTempDir } from "../helpers/testdir.ts";

setDefaultTimeout(60_000);

test("trace --package finds the artifacts that shipped hono, with where each runs", async () => {
  await using repo = await exampleServiceRepo();
  await using work = await makeTempDir("bunseal-trace-pkg-");
  const store = `sqlite:${join(work.path, "store.db")}`;
  await runCli(["keygen", "--out", work.path]);
  const built = await runCli(["build", repo.path, "--key", join(work.path, "bunseal.key"), "--store", store, "--json"]);
  expect(built.exitCode).toBe(0);
  const digest = built.json().artifact.digest;
  expect((await runCli(["pin", digest, "--env", "prod", "--key", join(work.path, "bunseal.key"), "--pins-dir", join(work.path, "pins"), "--store", store])).exitCode).toBe(0);
  const hit = await runCli(["trace", "--package", "hono@4.13.19", "--store", store, "--json"]);
  expect(hit.exitCode).toBe(0);
  expect(hit.json().matches).toEqual([expect.objectContaining({ packageVersion: "4.13.19", artifact: expect.objectContaining({ digest: digest.slice(7) }), pins: [expect.objectContaining({ env: "prod", current: true })] })]);
  expect((await runCli(["trace", "--package", "hono", "--store", store, "--json"])).json().matches).toHaveLength(1);
  expect((await runCli(["trace", "--package", "hono@3.0.0", "--store", store, "--json"])).json().matches).toEqual([]);
  const human = await runCli(["trace", "--package", "hono", "--store", store]);
  expect(human.stdout).toContain("running in prod");
});
