/**
 * A bare repository (a mirror, a CI cache, the remote a local clone pushes
 * to) is a source rebuild can clone: it has no work tree, and was refused as
 * "a folder outside any git repository" (seen with a clone of a public
 * starter whose origin was a local mirror).
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { git, gitRepo } from "../helpers/git.ts";
import { makeTempDir } from "../helpers/testdir.ts";

test("rebuild clones the recorded source when it is a bare repository", async () => {
  await using keys = await makeTempDir("bunseal-keys-");
  await using mirror = await makeTempDir("bunseal-bare-");
  await using repo = await gitRepo({
    ".gitignore": ".bunseal/\n",
    "package.json": JSON.stringify({ name: "bare-source", private: true }),
    "bunseal.json": JSON.stringify({ service: "bare-source", entrypoints: ["src/index.ts"] }),
    "src/index.ts": "console.log('from a mirror');\n",
  });
  await git(mirror.path, ["init", "-q", "--bare", "-b", "main"]);
  await git(repo.path, ["remote", "add", "origin", mirror.path]);
  await git(repo.path, ["push", "-q", "origin", "main"]);
  expect((await runCli(["keygen", "--out", keys.path])).exitCode).toBe(0);
  const built = await runCli(["build", repo.path, "--key", join(keys.path, "bunseal.key"), "--json"]);
  expect(built.exitCode).toBe(0);
  const rebuilt = await runCli(["rebuild", built.json().bundle.path, "--key", join(keys.path, "bunseal.pub"), "--json"]);
  expect(rebuilt.exitCode).toBe(0);
  expect(rebuilt.json().reproducible).toBe(true);
  expect(rebuilt.json().source.clonedFrom).toBe(`file://${mirror.path}`);
});
