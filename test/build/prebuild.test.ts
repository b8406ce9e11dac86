/**
 * Issue #19, item 6: the config's `prebuild` commands (code generation) run
 * inside the build's sandbox before the bundle, in order, in the project
 * folder, with the build's environment and the Bun that builds; the first
 * that fails fails the build (PREBUILD_FAILED, exit 1) naming the command,
 * its status and the end of its output. Until the sandbox's writable layer
 * lands, the project is read-only there: these commands write only to the
 * sandbox's own /tmp. test/kinds/codegen-prebuild.test.ts is the whole
 * codegen project.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { ConfigSchema } from "../../src/config/schema.ts";
import { planBuild } from "../../src/build/plan.ts";
import { prebuildEnv, prebuildFailureMessage, runPrebuild, tail } from "../../src/build/prebuild.ts";
import { workerMessageProblem } from "../../src/build/worker-protocol.ts";
import { runCli } from "../helpers/cli.ts";
import { DEFAULT_COMMIT_TIME, gitRepo } from "../helpers/git.ts";
import { testdir } from "../helpers/testdir.ts";

setDefaultTimeout(60_000);

const configWith = (prebuild: unknown) => ConfigSchema.safeParse({ service: "x", entrypoints: ["src/index.ts"], prebuild });
const plan = (config: ReturnType<typeof ConfigSchema.parse>) => planBuild({ projectDir: "/p", stagingName: "s", outDir: "/p/out", config, commit: "0".repeat(40), commitTime: 0, lockfileDigest: null, bunVersion: "1.4.5", hostEnv: {} });

describe("the prebuild option", () => {
  test("is a list of commands, at the top level, carried into the plan in order", () => {
    const parsed = configWith(["bun run generate", "echo done"]);
    expect(parsed.success).toBe(true);
    expect(plan(parsed.data!).prebuild).toEqual(["bun run generate", "echo done"]);
  });

  test("absent, the plan has none (and a config without it keeps its shape and digest)", () => {
    const config = ConfigSchema.parse({ service: "x", entrypoints: ["src/index.ts"] });
    expect("prebuild" in config).toBe(false);
    expect("prebuild" in plan(config)).toBe(false);
  });

  test.each([
    ["an empty list", []],
    ["an empty command", [""]],
    ["a command of spaces", ["  "]],
    ["one string, not a list", "bun run generate"],
  ])("refuses %s", (_, value) => {
    const parsed = configWith(value);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]!.path[0]).toBe("prebuild");
  });

  test("is refused inside a build's options (it runs once for every build)", () => {
    const parsed = ConfigSchema.safeParse({ service: "x", entrypoints: ["src/index.ts"], build: { prebuild: ["x"] } });
    expect(parsed.success).toBe(false);
  });
});

describe("the worker's message of a failed prebuild", () => {
  const failed = (prebuild: unknown) => workerMessageProblem({ kind: "failed", durationMs: 1, logs: [], prebuild });

  test("is accepted with its command, status and output", () => {
    expect(failed({ index: 0, command: "x", status: 3, output: "" })).toBeUndefined();
    expect(failed({ index: 1, command: "x", status: null, signal: "SIGKILL", output: "o" })).toBeUndefined();
  });

  test("a malformed one is a message that is not bunseal's", () => {
    expect(failed({ index: "0", command: "x", status: 3, output: "" })).toContain("prebuild");
    expect(failed({ index: 0, command: "x", status: "3", output: "" })).toContain("prebuild");
    expect(failed("x")).toContain("prebuild");
  });

  test("its message names the command, how it ended, and its output's end", () => {
    expect(prebuildFailureMessage({ index: 1, command: "bun run generate", status: 2, output: "a\nb" })).toBe("prebuild[1] `bun run generate` exited with status 2; expected status 0 before the bundle is built. Its output (the end):\n    a\n    b");
    expect(prebuildFailureMessage({ index: 0, command: "x", status: null, signal: "SIGTERM", output: "" })).toContain("`x` was killed by SIGTERM; expected status 0 before the bundle is built. Its output (the end):\n(it printed nothing)");
  });

  test("the output kept is its last 20 lines", () => {
    const lines = Array.from({ length: 50 }, (_, i) => `line ${i}`);
    expect(tail(`${lines.join("\n")}\n`)).toBe(lines.slice(30).join("\n"));
  });
});

describe("runPrebuild (outside the sandbox, as `--no-sandbox` runs it)", () => {
  test("runs the commands in order in the folder given, stops at the first failure, and puts the worker's Bun first on PATH", async () => {
    await using dir = await testdir({});
    const failure = await runPrebuild(["echo one > order", "echo two >> order; bun --version >> order", "cat order; echo oops >&2; exit 3", "echo never >> order"], dir.path, { PATH: "/usr/bin:/bin" });
    expect(failure).toEqual({ index: 2, command: "cat order; echo oops >&2; exit 3", status: 3, output: `one\ntwo\n${Bun.version}\noops` });
    expect(readFileSync(`${dir.path}/order`, "utf8")).toBe(`one\ntwo\n${Bun.version}\n`);
  });

  test("the environment is the build's, with only PATH widened", () => {
    expect(prebuildEnv({ PATH: "/usr/bin", TZ: "UTC" }, "/tmp/b")).toEqual({ PATH: "/tmp/b:/usr/bin", TZ: "UTC" });
  });
});

describe("prebuild in the sandbox, through the CLI", () => {
  const project = (prebuild: string[], extra: Record<string, string> = {}) =>
    gitRepo({
      ".gitignore": "secret.txt\n",
      "secret.txt": "host-only\n",
      "src/index.ts": 'console.log("hi");\n',
      "package.json": JSON.stringify({ name: "pb", scripts: { generate: "echo generating with $(bun --version)" } }),
      "bunseal.json": JSON.stringify({ service: "pb", entrypoints: ["src/index.ts"], env: [{ name: "SHOWN", optional: true }], prebuild }),
      ...extra,
    });

  test("a command that fails is PREBUILD_FAILED, exit 1, naming it, its status and its output; the commands before it ran in order, in the project, with the build's env", async () => {
    await using repo = await project(["echo one > /tmp/order", "echo two >> /tmp/order", 'cat /tmp/order; echo "pwd=$(pwd) tz=$TZ epoch=$SOURCE_DATE_EPOCH shown=$SHOWN hidden=${HIDDEN-unset} home=${HOME-unset}"; echo "bun=$(command -v bun)"; bun run generate; exit 7', "echo never"]);
    const out = await runCli(["build", repo.path, "--no-sign", "--json"], { env: { SHOWN: "yes", HIDDEN: "host-secret" } });
    expect(out.exitCode).toBe(1);
    const { error } = out.json();
    expect(error.code).toBe("PREBUILD_FAILED");
    expect(error.field).toBe("prebuild[2]");
    expect(error.found).toBe("exit status 7");
    expect(error.message).toContain("prebuild[2] `cat /tmp/order; echo");
    expect(error.message).toContain("exited with status 7; expected status 0 before the bundle is built");
    expect(error.message).toContain(`    one\n    two\n    pwd=${repo.path} tz=UTC epoch=${DEFAULT_COMMIT_TIME} shown=yes hidden=unset home=unset\n`);
    // `bun run` works, and `bun` is the Bun that runs the worker (a link in the sandbox's /tmp), not whichever PATH finds first
    expect(error.message).toMatch(/\n {4}bun=\/tmp\/bunseal-prebuild-[^/\n]+\/bun\n/);
    expect(error.message).toContain(`generating with ${Bun.version}`);
  });

  test("what the sandbox hides stays hidden from a prebuild command (a git-ignored file reads empty)", async () => {
    await using repo = await project(['echo "secret=[$(cat secret.txt)]"; exit 1']);
    const { error } = (await runCli(["build", repo.path, "--no-sign", "--json"])).json();
    expect(error.code).toBe("PREBUILD_FAILED");
    expect(error.message).toContain("secret=[]");
    expect(error.message).not.toContain("host-only");
  });

  test("commands that succeed are followed by the bundle, and the statement records them", async () => {
    await using repo = await project(["bun run generate", "true"]);
    const out = await runCli(["build", repo.path, "--no-sign", "--json"]);
    expect(out.exitCode).toBe(0);
    const statement = JSON.parse(readFileSync(out.json().statement.path, "utf8"));
    expect(statement.predicate.buildDefinition.externalParameters.prebuild).toEqual(["bun run generate", "true"]);
  });

  test("a command that hangs is stopped by --timeout with the rest of the build (TIMED_OUT, exit 3)", async () => {
    await using repo = await project(["sleep 60"]);
    const started = performance.now();
    const out = await runCli(["build", repo.path, "--no-sign", "--json", "--timeout", "2"]);
    expect(out.json().error.code).toBe("TIMED_OUT");
    expect(out.exitCode).toBe(3);
    expect(performance.now() - started).toBeLessThan(20_000);
  });

  test("a command over the build budget is stopped (BUDGET_EXCEEDED, exit 1)", async () => {
    await using repo = await project(["sleep 60"], { "bunseal.json": JSON.stringify({ service: "pb", entrypoints: ["src/index.ts"], prebuild: ["sleep 60"], budgets: { maxBuildMs: 1500 } }) });
    const out = await runCli(["build", repo.path, "--no-sign", "--json"]);
    expect(out.json().error.code).toBe("BUDGET_EXCEEDED");
    expect(out.exitCode).toBe(1);
  });
});

describe("rebuild and check run the recorded prebuild too", () => {
  // until the sandbox's writable layer lands the commands can write only the sandbox's /tmp: the
  // project whose generated module the bundle imports is test/kinds/codegen-prebuild.test.ts
  test("a rebuild runs them (one that fails in the rebuild's environment fails it) and reproduces the bytes", async () => {
    await using work = await testdir({});
    await runCli(["keygen", "--out", work.path]);
    await using repo = await gitRepo({
      "src/index.ts": 'console.log("hi");\n',
      "bunseal.json": JSON.stringify({ service: "pb-rebuild", entrypoints: ["src/index.ts"], env: [{ name: "MODE", optional: true }], prebuild: ['echo "mode=${MODE-unset}" > /tmp/mode', '[ "$(cat /tmp/mode)" != mode=refuse ]'] }),
    });
    const built = await runCli(["build", repo.path, "--key", `${work.path}/bunseal.key`, "--out", `${work.path}/out`, "--json"]);
    expect(built.exitCode, built.stdout).toBe(0);
    const bundle = built.json().bundle.path;

    const rebuilt = await runCli(["rebuild", bundle, "--key", `${work.path}/bunseal.pub`, "--json"]);
    expect(rebuilt.exitCode, rebuilt.stdout).toBe(0);
    expect(rebuilt.json().reproducible).toBe(true);

    const refused = await runCli(["rebuild", bundle, "--key", `${work.path}/bunseal.pub`, "--json"], { env: { MODE: "refuse" } });
    expect(refused.exitCode).toBe(1);
    expect(refused.json().error.code).toBe("PREBUILD_FAILED");
    expect(refused.json().error.message).toContain('prebuild[1] `[ "$(cat /tmp/mode)" != mode=refuse ]` exited with status 1');
  });

  test("check runs them in each of its builds, and is quiet when they are deterministic", async () => {
    await using repo = await gitRepo({
      "src/index.ts": 'console.log("hi");\n',
      "bunseal.json": JSON.stringify({ service: "pb-check", entrypoints: ["src/index.ts"], prebuild: ["bun --version > /tmp/v"] }),
    });
    const checked = await runCli(["check", repo.path, "--runs", "2", "--json"]);
    expect(checked.exitCode, checked.stdout).toBe(0);
    await using failing = await gitRepo({
      "src/index.ts": 'console.log("hi");\n',
      "bunseal.json": JSON.stringify({ service: "pb-check-fails", entrypoints: ["src/index.ts"], prebuild: ["exit 5"] }),
    });
    const refused = await runCli(["check", failing.path, "--json"]);
    expect(refused.json().error.code).toBe("PREBUILD_FAILED");
    expect(refused.exitCode).toBe(1);
  });
});
