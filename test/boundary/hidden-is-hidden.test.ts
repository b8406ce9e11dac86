/**
 * Hidden is hidden (issue #18, Why 8): git lists ignored files for the top
 * repository only, so a submodule's `lib/.env` was shown to the build; and a
 * committed `.env` that is a symbolic link was not masked, so Bun's bundler
 * loaded its target's values into what macros see as process.env.
 */
import { expect, test } from "bun:test";
import { symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { git, gitCommitAll, gitRepo } from "../helpers/git.ts";
import { hostileRepo } from "./hostile-repo.ts";
import { probed, probeMacro, PROBE_ENTRY } from "./probe.ts";

test("a submodule's git-ignored .env is masked like the top repository's", async () => {
  await using library = await gitRepo({ ".gitignore": ".env\n", "index.ts": "export const library = 1;\n" });
  await using repo = await hostileRepo({
    "src/macro.ts": probeMacro(`  found.dotenv = attempt(() => fs.readFileSync("lib/.env", "utf8"));\n  found.env = process.env.SUBMODULE_TOKEN ?? "unset";`),
    "src/index.ts": PROBE_ENTRY,
  });
  await git(repo.path, ["-c", "protocol.file.allow=always", "submodule", "--quiet", "add", library.path, "lib"]);
  await gitCommitAll(repo.path, "the library as a submodule");
  writeFileSync(join(repo.path, "lib/.env"), "SUBMODULE_TOKEN=submodule-dotenv-secret-91ac\n");

  const built = await runCli(["build", ".", "--no-sign", "--json"], { cwd: repo.path });
  expect(built.exitCode).toBe(0);
  const found = await probed(built.json().artifact.path);
  expect(JSON.stringify(found)).not.toContain("submodule-dotenv-secret-91ac");
  expect(found.env).toBe("unset");
});

test("a committed .env that is a symbolic link is masked, and its values do not reach macros", async () => {
  await using repo = await hostileRepo({
    "config/app.env": "LINKED_TOKEN=linked-dotenv-secret-3e7b\n",
    "src/macro.ts": probeMacro(`  found.env = process.env.LINKED_TOKEN ?? "unset";\n  found.dotenv = attempt(() => fs.readFileSync(".env", "utf8"));`),
    "src/index.ts": PROBE_ENTRY,
  });
  symlinkSync("config/app.env", join(repo.path, ".env"));
  await gitCommitAll(repo.path, "a .env that points at the config");

  const built = await runCli(["build", ".", "--no-sign", "--json"], { cwd: repo.path });
  expect(built.exitCode).toBe(0);
  const found = await probed(built.json().artifact.path);
  expect(found.env).toBe("unset");
  expect(JSON.stringify(found)).not.toContain("linked-dotenv-secret-3e7b");
});

test("check's filesystem variation, which shows the project's own folder, does not show its .git", async () => {
  await using repo = await hostileRepo({
    // a tool that reads the repository's own files (tailwind reads .git/info/exclude) sees the same in every build
    "src/macro.ts": probeMacro(`  found.git = attempt(() => fs.readFileSync(".git/HEAD", "utf8"));`),
    "src/index.ts": PROBE_ENTRY,
  });
  const checked = await runCli(["check", ".", "--vary", "filesystem", "--json"], { cwd: repo.path });
  expect(checked.exitCode, checked.stdout).toBe(0);
  expect(checked.json().reproducible).toBe(true);
}, 120_000);

test("a copy of a file the sandbox hides (a git-ignored secret) is refused: packed masked, recorded by the host's digest", async () => {
  await using repo = await hostileRepo({ "src/index.ts": "console.log(1);\n" }, { ignore: ["secret.txt"], config: { copy: [{ from: "secret.txt", to: "secret.txt" }] } });
  writeFileSync(join(repo.path, "secret.txt"), "host-secret-5be1\n");
  const built = await runCli(["build", ".", "--no-sign", "--json"], { cwd: repo.path });
  expect(built.exitCode).toBe(2);
  expect(built.json().error).toMatchObject({ code: "CONFIG_INVALID", field: "copy[0].from" });
  expect(built.json().error.message).toContain("secret.txt is a file the build cannot see");
});
