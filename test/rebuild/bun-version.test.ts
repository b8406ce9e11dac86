/**
 * A build made with another Bun release: rebuild fetches that exact release
 * from the npm registry and reproduces; forced onto the running Bun instead,
 * it names the Bun version as the cause.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { fetchBun } from "../../src/runtime/fetch-bun.ts";
import { runCli } from "../helpers/cli.ts";
import { bunCacheDir, plantedRepo } from "../helpers/fixture-repo.ts";
import type { GitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(120_000);
const OTHER_BUN = "1.4.4";

let work: TestDir;
let repo: GitRepo;
let cache: string;
let built: { artifact: { digest: string }; bundle: { path: string } };

beforeAll(async () => {
  work = await makeTempDir("bunseal-bun-version-");
  cache = bunCacheDir(join(work.path, "bun-cache"));
  const other = await fetchBun(OTHER_BUN, { cacheDir: cache });
  repo = await plantedRepo("bun-version");
  await runCli(["keygen", "--out", join(work.path, "keys")]);
  // bunseal itself runs on the other release, so its build worker does too
  const proc = Bun.spawn([other.path, join(import.meta.dir, "..", "..", "bin", "bunseal"), "build", repo.path, "--key", join(work.path, "keys", "bunseal.key"), "--json"], { stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`build under Bun ${OTHER_BUN} failed:\n${stderr}`);
  built = JSON.parse(stdout);
});
afterAll(async () => {
  await Promise.all([repo?.cleanup(), work?.cleanup()]);
});

test(`the statement records Bun ${OTHER_BUN}, and rebuild fetches exactly that release to reproduce it`, async () => {
  const out = await runCli(["rebuild", built.bundle.path, "--key", join(work.path, "keys", "bunseal.pub"), "--json"], { env: { BUNSEAL_CACHE: cache } });
  expect(out.exitCode).toBe(0);
  const report = out.json();
  expect(report.bun).toMatchObject({ recorded: OTHER_BUN, used: OTHER_BUN });
  expect(report.reproducible).toBe(true);
});

test("forced onto the running Bun with --bun, rebuild names bun-version as the cause", async () => {
  const out = await runCli(["rebuild", built.bundle.path, "--key", join(work.path, "keys", "bunseal.pub"), "--bun", process.execPath, "--json"], { env: { BUNSEAL_CACHE: cache } });
  expect(out.exitCode).toBe(1);
  const report = out.json();
  expect(report.bun).toMatchObject({ recorded: OTHER_BUN, used: Bun.version });
  const cause = report.causes.find((c: { kind: string }) => c.kind === "bun-version");
  expect(cause.evidence).toContain(OTHER_BUN);
  expect(cause.evidence).toContain(Bun.version);
  // confirmed by going back: built with the recorded Bun, the file comes out as the original's
  expect(cause.confirmed).toBe(true);
  expect(cause.experiment).toContain(`recorded Bun ${OTHER_BUN}`);
  expect(report.experiments[0].name).toBe("recorded-bun");
});
