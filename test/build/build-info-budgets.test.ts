/**
 * The build-info module carries the config's budgets (issue 22 item 7): a
 * service built by bunseal prints them at boot beside its commit and lockfile
 * digest. A config no bunseal before issue 22 could have taken (run, load or
 * a runtime budget) is what adds them, so an artifact an older bunseal made,
 * build budgets and all, rebuilds to the same bytes.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { readTarFiles } from "../../src/artifact/tar-read.ts";
import { runCli } from "../helpers/cli.ts";
import { gitRepo, type GitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(120_000);

const BUDGETS = { coldStartP95Ms: 250, rssMb: 128, latencyP95Ms: 20, errorRate: 0.01, regressionPct: 10, maxArtifactBytes: 5_000_000 };

const files = (budgets: Record<string, number> | undefined) => ({
  "package.json": JSON.stringify({ name: "boot", private: true }),
  "bunseal.json": JSON.stringify({ service: "boot", entrypoints: ["src/index.ts"], build: { target: "bun" }, ...(budgets ? { budgets } : {}) }),
  "src/index.ts": 'import info from "bunseal:build-info";\nconsole.log(JSON.stringify({ commit: info.commit, lockfileDigest: info.lockfileDigest, budgets: info.budgets ?? null }));\n',
});

let withBudgets: GitRepo;
let without: GitRepo;
let buildOnly: GitRepo;
let scratch: TestDir;

beforeAll(async () => {
  [withBudgets, without, buildOnly, scratch] = await Promise.all([gitRepo(files(BUDGETS)), gitRepo(files(undefined)), gitRepo(files({ maxArtifactBytes: 5_000_000, maxBuildMs: 60_000 })), makeTempDir("bunseal-build-info-")]);
});
afterAll(async () => {
  await Promise.all([withBudgets?.cleanup(), without?.cleanup(), buildOnly?.cleanup(), scratch?.cleanup()]);
});

/** Builds the repository, unpacks index.js and runs it with Bun: what the service prints at boot. */
async function boot(repo: GitRepo, name: string): Promise<{ commit: string; budgets: unknown; lockfileDigest: unknown }> {
  const out = await runCli(["build", repo.path, "--no-sign", "--json"]);
  expect(out.stderr).not.toContain("error:");
  expect(out.exitCode).toBe(0);
  const tar = await readTarFiles(out.json().artifact.path);
  const script = join(scratch.path, `${name}.js`);
  await Bun.write(script, tar.get("index.js")!);
  const run = Bun.spawnSync(["bun", script], { stdout: "pipe", stderr: "pipe" });
  expect(run.stderr.toString()).toBe("");
  return JSON.parse(run.stdout.toString());
}

test("a built service prints the config's budgets beside its commit", async () => {
  const printed = await boot(withBudgets, "with");
  expect(printed.commit).toBe(withBudgets.commit);
  expect(printed.budgets).toEqual(BUDGETS);
});

test("a config without budgets, or with only the build's (as before issue 22), gives a build-info module without them", async () => {
  const printed = await boot(without, "without");
  expect(printed.commit).toBe(without.commit);
  expect(printed.budgets).toBeNull();
  expect((await boot(buildOnly, "build-only")).budgets).toBeNull();
});
