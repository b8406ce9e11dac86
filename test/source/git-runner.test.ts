/**
 * The one git runner (src/source/git-runner.ts): what configuration a git
 * process bunseal starts can see, asked of git itself.
 */
import { expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gitOutput, hardenedGitEnv, makeGitHome, runGit } from "../../src/source/git-runner.ts";
import { gitRepo } from "../helpers/git.ts";
import { makeTempDir } from "../helpers/testdir.ts";

test("git sees only the repository's own config and bunseal's command-line settings, never a hostile HOME's or the environment's", async () => {
  await using repo = await gitRepo({ "a.ts": "1" });
  await using home = await makeTempDir("bunseal-hostile-home-");
  mkdirSync(join(home.path, ".config", "git"), { recursive: true });
  writeFileSync(join(home.path, ".gitconfig"), "[core]\n\tfsmonitor = /tmp/monitor\n[alias]\n\tx = !touch /tmp/x\n");
  writeFileSync(join(home.path, ".config", "git", "ignore"), "a.ts\n");
  const host = { PATH: process.env.PATH, HOME: home.path, XDG_CONFIG_HOME: join(home.path, ".config"), GIT_DIR: "/nonexistent", GIT_CONFIG_PARAMETERS: "'core.hooksPath'='/tmp/hooks'", GIT_CONFIG_COUNT: "1", GIT_CONFIG_KEY_0: "core.fsmonitor", GIT_CONFIG_VALUE_0: "/tmp/monitor" };

  const gitHome = makeGitHome();
  const env = hardenedGitEnv(host, gitHome.path);
  expect(Object.keys(env).filter((name) => name.startsWith("GIT_")).sort()).toEqual(["GIT_ATTR_NOSYSTEM", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM", "GIT_GRAFT_FILE", "GIT_NO_LAZY_FETCH", "GIT_NO_REPLACE_OBJECTS", "GIT_OPTIONAL_LOCKS", "GIT_PAGER", "GIT_TERMINAL_PROMPT"]);
  expect(env.HOME).toBe(gitHome.path);
  expect(env.XDG_CONFIG_HOME).toBe(gitHome.path);
  expect(readdirSync(gitHome.path)).toEqual([]);
  gitHome.remove();
  expect(existsSync(gitHome.path)).toBe(false);

  const origins = (await gitOutput(repo.path, ["config", "--list", "--show-origin", "--show-scope"], { host })).trim().split("\n");
  const scopes = new Set(origins.map((line) => line.split("\t")[0]));
  expect([...scopes].sort()).toEqual(["command", "local"]);
  const effective = await gitOutput(repo.path, ["config", "--get", "core.fsmonitor"], { host });
  expect(effective.trim()).toBe("");
  expect((await gitOutput(repo.path, ["config", "--get", "core.hooksPath"], { host })).trim()).toBe("/dev/null");
  // a hostile XDG git/ignore would hide a.ts from the untracked listing; git never reads it
  const ignored = await runGit(repo.path, ["check-ignore", "--no-index", "a.ts"], { host });
  expect(ignored.exitCode).toBe(1);
});
