/** `bunseal serve` as a process: the URL first, exit 2 when it would expose the store, stopped by a signal. */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { cliCommand, REPO_ROOT, runCli } from "../helpers/cli.ts";
import { makeTempDir } from "../helpers/testdir.ts";
import { readFirstLine } from "../helpers/first-line.ts";

test("refuses to listen beyond loopback without --token: exit 2 before the store is opened", async () => {
  await using dir = await makeTempDir("bunseal-serve-cli-");
  const store = `sqlite:${join(dir.path, "never", "store.db")}`;
  const result = await runCli(["serve", "--listen", "0.0.0.0:0", "--store", store]);
  expect(result.exitCode).toBe(2);
  expect(result.stderr).toContain("bunseal: USAGE: --listen 0.0.0.0: expected a loopback address");
  expect(result.stdout).toBe("");
  expect(await Bun.file(join(dir.path, "never", "store.db")).exists()).toBe(false);
  const short = await runCli(["serve", "--listen", "0.0.0.0:0", "--token", "123", "--store", store]);
  expect(short.exitCode).toBe(2);
  expect(short.stderr).toContain("--token: expected at least 16 characters, got 3");
});

test("prints the URL as its first line, answers, and stops on SIGTERM", async () => {
  await using dir = await makeTempDir("bunseal-serve-cli-");
  const proc = Bun.spawn(cliCommand(["serve", "--listen", "127.0.0.1:0", "--store", `sqlite:${join(dir.path, "store.db")}`]), { cwd: REPO_ROOT, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
  const text = await readFirstLine(proc.stdout);
  const url = text.split("\n")[0]!;
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  const pins = await fetch(new URL("/api/pins", url));
  expect(pins.status).toBe(200);
  expect(await pins.json()).toEqual({ pins: [], signaturesChecked: false });
  proc.kill("SIGTERM");
  expect(await proc.exited).not.toBe(0); // a process stopped by a signal, as every bunseal command is (128 + 15)
  await expect(fetch(new URL("/api/pins", url))).rejects.toThrow();
});
