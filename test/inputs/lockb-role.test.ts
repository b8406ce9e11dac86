/**
 * Issue #19, item 9: a project locked by bun.lockb records it among the
 * inputs with role `lockfile`, as bun.lock is, with the digest the statement
 * gives as lockfileDigest; beside a bun.lock (which Bun installs from) it is
 * not what locked the build and is not said to be.
 */
import { expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { gitCommitAll } from "../helpers/git.ts";
import { lockedRepo, MS_SERVICE } from "../workspace/projects.ts";

setDefaultTimeout(60_000);

type Dependency = { name?: string; digest?: { sha256?: string }; annotations?: { role?: string } };

async function lockfileInputs(dir: string): Promise<{ inputs: Dependency[]; lockfileDigest: string }> {
  const out = await runCli(["build", dir, "--no-sign", "--json"]);
  expect(out.exitCode).toBe(0);
  const statement = JSON.parse(await Bun.file(out.json().statement.path).text());
  const definition = statement.predicate.buildDefinition;
  return { inputs: (definition.resolvedDependencies as Dependency[]).filter((d) => d.annotations?.role === "lockfile"), lockfileDigest: definition.internalParameters.lockfileDigest };
}

test("bun.lockb is recorded with role lockfile, its digest the statement's lockfileDigest", async () => {
  await using repo = await lockedRepo(MS_SERVICE, { binary: true });
  const { inputs, lockfileDigest } = await lockfileInputs(repo.path);
  expect(inputs.map((d) => d.name)).toEqual(["bun.lockb"]);
  expect(`sha256:${inputs[0]!.digest!.sha256}`).toBe(lockfileDigest);
});

test("beside a bun.lock, which Bun installs from, bun.lockb is not recorded as the lockfile", async () => {
  await using repo = await lockedRepo(MS_SERVICE);
  await using binary = await lockedRepo(MS_SERVICE, { binary: true });
  await Bun.write(join(repo.path, "bun.lockb"), Bun.file(join(binary.path, "bun.lockb")));
  await gitCommitAll(repo.path, "both lockfiles");
  const { inputs, lockfileDigest } = await lockfileInputs(repo.path);
  expect(inputs.map((d) => d.name)).toEqual(["bun.lock"]);
  expect(`sha256:${inputs[0]!.digest!.sha256}`).toBe(lockfileDigest);
});
