/**
 * Pins from many processes at once, and pins killed half-way: nothing lost,
 * nothing half-written, on both store backends.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { readPinFile } from "../../src/pin/pin-file.ts";
import { cliCommand, runCli } from "../helpers/cli.ts";
import { plantedRepo } from "../helpers/fixture-repo.ts";
import type { GitRepo } from "../helpers/git.ts";
import { STORE_BACKENDS } from "../helpers/store-backends.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(120_000);


describe.each(STORE_BACKENDS)("pins on the %s store", (_name, makeStore) => {
  let work: TestDir;
  let repo: GitRepo;
  let store: string;
  let digest: string;
  const key = () => join(work.path, "keys", "bunseal.key");
  const pinsDir = () => join(work.path, "pins");
  const pinCommand = (env: string, reason: string) => cliCommand(["pin", digest, "--env", env, "--key", key(), "--reason", reason, "--pins-dir", pinsDir(), "--store", store, "--json"]);

  beforeAll(async () => {
    work = await makeTempDir("bunseal-durable-");
    store = await makeStore(work.path);
    repo = await plantedRepo("control");
    await runCli(["keygen", "--out", join(work.path, "keys")]);
    const built = await runCli(["build", repo.path, "--key", key(), "--store", store, "--json"]);
    expect(built.exitCode).toBe(0);
    digest = built.json().artifact.digest;
  });
  afterAll(async () => {
    await Promise.all([repo?.cleanup(), work?.cleanup()]);
  });

  async function history(env: string) {
    const out = await runCli(["pins", "--env", env, "--store", store, "--json"]);
    return out.json().pins as { sequence: number; digest: string; previousDigest: string | null; reason: string }[];
  }

  test("eight processes pinning at once lose nothing: a gapless, chained history and the newest pin file", async () => {
    const procs = Array.from({ length: 8 }, (_, i) => Bun.spawn(pinCommand("busy", `writer ${i}`), { stdout: "pipe", stderr: "pipe" }));
    const codes = await Promise.all(procs.map((p) => p.exited));
    for (const [i, p] of procs.entries()) if (codes[i] !== 0) throw new Error(`pin ${i} failed: ${await new Response(p.stderr).text()}`);
    const pins = await history("busy");
    expect(pins.map((p) => p.sequence)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(new Set(pins.map((p) => p.reason)).size).toBe(8);
    pins.forEach((p, i) => expect(p.previousDigest).toBe(i === 0 ? null : digest.slice(7)));
    expect((await readPinFile(join(pinsDir(), "control@busy.json"))).sequence).toBe(8);
  });

  test("a pin killed at any moment leaves no half-written pin file and no half-written row", async () => {
    let completed = 0;
    for (let round = 0; round < 12; round++) {
      const proc = Bun.spawn(pinCommand("killed", `round ${round}`), { stdout: "ignore", stderr: "ignore" });
      await Bun.sleep(40 + round * 15);
      proc.kill("SIGKILL");
      if ((await proc.exited) === 0) completed++;
      // whatever happened, what is there is whole
      const pins = await history("killed");
      expect(pins.map((p) => p.sequence)).toEqual(pins.map((_, i) => i + 1));
      const files = await readdir(pinsDir());
      if (files.includes("control@killed.json")) {
        const file = await readPinFile(join(pinsDir(), "control@killed.json"));
        expect(file.sequence).toBeLessThanOrEqual(pins.length);
      }
    }
    // and the next pin goes through, after whatever the killed ones left behind
    const after = Bun.spawn(pinCommand("killed", "after"), { stdout: "ignore", stderr: "pipe" });
    expect(await after.exited).toBe(0);
    const pins = await history("killed");
    expect(pins.at(-1)!.reason).toBe("after");
    expect((await readPinFile(join(pinsDir(), "control@killed.json"))).sequence).toBe(pins.length);
    expect(completed).toBeLessThan(12);
    // and what the killed writers staged is gone: each one's pid is dead
    expect((await readdir(pinsDir())).filter((f) => f.endsWith(".tmp") || f.startsWith(".bunseal-probe."))).toEqual([]);
  });
});
