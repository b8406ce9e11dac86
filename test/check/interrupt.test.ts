/**
 * Scratch folders are removed on every way out (issue #10): an interrupted
 * check leaves no copy of the project behind, and a clone that fails leaves
 * no empty checkout.
 */
import { expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { cliCommand, runCli } from "../helpers/cli.ts";
import { gitRepo } from "../helpers/git.ts";
import { makeTempDir } from "../helpers/testdir.ts";

const SLOW = {
  ".gitignore": ".bunseal/\n",
  "package.json": JSON.stringify({ name: "slow", private: true }),
  "bunseal.json": JSON.stringify({ service: "slow", entrypoints: ["src/index.ts"] }),
  "src/macro.ts": "export function probe(): string { const end = Date.now() + 20_000; while (Date.now() < end) {} return 'done'; }\n",
  "src/index.ts": 'import { probe } from "./macro.ts" with { type: "macro" };\nconsole.log(probe());\n',
};

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  test(`a check stopped by ${signal} removes its copies of the project`, async () => {
    await using repo = await gitRepo(SLOW);
    await using scratch = await makeTempDir("bunseal-scratch-");
    const proc = Bun.spawn(cliCommand(["check", repo.path]), { env: { ...process.env, BUNSEAL_TMPDIR: scratch.path }, stdout: "ignore", stderr: "pipe" });
    // wait until the check has made its copy and is building
    for (let i = 0; i < 100 && readdirSync(scratch.path).length === 0; i++) await Bun.sleep(50);
    expect(readdirSync(scratch.path).length).toBeGreaterThan(0);
    await Bun.sleep(500);
    proc.kill(signal);
    const code = await proc.exited;
    expect(code).toBe(128 + (signal === "SIGTERM" ? 15 : 2));
    expect(readdirSync(scratch.path)).toEqual([]);
  });
}

test("a rebuild whose clone fails leaves no checkout behind", async () => {
  await using scratch = await makeTempDir("bunseal-scratch-");
  await using keys = await makeTempDir("bunseal-keys-");
  await using repo = await gitRepo({ ...SLOW, "src/macro.ts": "export function probe(): string { return 'fast'; }\n" });
  expect((await runCli(["keygen", "--out", keys.path])).exitCode).toBe(0);
  const built = await runCli(["build", repo.path, "--key", join(keys.path, "bunseal.key"), "--json"]);
  expect(built.exitCode).toBe(0);
  const rebuilt = await runCli(["rebuild", built.json().bundle.path, "--key", join(keys.path, "bunseal.pub"), "--source", "https://127.0.0.1:9/none.git", "--json"], { env: { BUNSEAL_TMPDIR: scratch.path } });
  expect(rebuilt.exitCode).toBe(3);
  expect(rebuilt.json().error.code).toBe("CLONE_FAILED");
  await Bun.sleep(300); // the removal runs in its own process
  expect(readdirSync(scratch.path)).toEqual([]);
});
