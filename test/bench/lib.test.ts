/**
 * bench/lib.ts's `--cli PATH`, which every timing bench takes so it can time a
 * bunseal other than this checkout's bin/bunseal (the bundled dist/entry.js).
 */
import { expect, test } from "bun:test";
import { chmodSync } from "node:fs";
import { join } from "node:path";
import { BUNSEAL, cliUnderTest, option } from "../../bench/lib.ts";
import { makeTempDir } from "../helpers/testdir.ts";

test("without --cli a bench times this checkout's bin/bunseal, as an installed bunseal starts", () => {
  expect(cliUnderTest(["--runs", "3"])).toEqual({ label: "bin/bunseal", argv: BUNSEAL });
});

test("--cli runs an executable as itself, and any other file as a script of this Bun with bin/bunseal's flags", async () => {
  await using dir = await makeTempDir("bunseal-bench-cli-");
  const script = join(dir.path, "bunseal.js");
  await Bun.write(script, `console.log("bundled", process.argv.slice(2).join(" "));\n`);
  const asScript = cliUnderTest(["--cli", script]);
  expect(asScript.argv).toEqual([process.execPath, "--no-env-file", "--config=/dev/null", script]);
  const exe = join(dir.path, "bunseal");
  await Bun.write(exe, `#!/bin/sh\necho wrapped "$@"\n`);
  chmodSync(exe, 0o755);
  expect(cliUnderTest(["--cli", exe]).argv).toEqual([exe]);
  // both start and are given the command's arguments
  for (const [cli, said] of [[asScript, "bundled --version"], [cliUnderTest(["--cli", exe]), "wrapped --version"]] as const) {
    const run = Bun.spawnSync([...cli.argv, "--version"]);
    expect(run.stdout.toString().trim()).toBe(said);
  }
});

test("--cli without a path, or with one that is not a file, stops the bench with the reason", async () => {
  await using dir = await makeTempDir("bunseal-bench-cli-");
  expect(() => cliUnderTest(["--cli"])).toThrow("--cli: expected the path of a bunseal to time, got nothing");
  expect(() => cliUnderTest(["--cli", "--runs", "3"])).toThrow("--cli: expected the path of a bunseal to time, got nothing");
  expect(() => cliUnderTest(["--cli", join(dir.path, "missing")])).toThrow(`--cli: expected a file, got ${join(dir.path, "missing")}`);
  expect(() => cliUnderTest(["--cli", dir.path])).toThrow(`--cli: expected a file, got ${dir.path}`);
});

test("a numeric option is its value, its default when absent, and an error when it is not a positive number", () => {
  expect(option(["--runs", "3"], "--runs", 21)).toBe(3);
  expect(option([], "--runs", 21)).toBe(21);
  expect(() => option(["--runs"], "--runs", 21)).toThrow("--runs: expected a positive number, got nothing");
  expect(() => option(["--runs", "0"], "--runs", 21)).toThrow("--runs: expected a positive number, got 0");
});
