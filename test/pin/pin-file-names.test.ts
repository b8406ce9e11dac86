/**
 * Issue 20, items 10 and 16 on pin files: two (service, env) pairs never share
 * a file, a pin file is bound to the pair it is verified for, old-named files
 * are still read and followed, and the temporary files of a writer killed
 * mid-pin go on the next pin. Real builds, keys and CLI; SQLite.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { copyFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readPinFile } from "../../src/pin/pin-file.ts";
import { runCli } from "../helpers/cli.ts";
import { plantedRepo } from "../helpers/fixture-repo.ts";
import { gitCommitAll, type GitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(120_000);

describe("pin file names", () => {
  let work: TestDir;
  let repo: GitRepo;
  let store: string;
  const digests = new Map<string, string>();
  const key = () => join(work.path, "keys", "bunseal.key");
  const pub = () => join(work.path, "keys", "bunseal.pub");
  const pinsDir = () => join(work.path, "pins");
  const cli = (args: string[]) => runCli([...args, "--store", store, "--json"]);
  const pin = (service: string, env: string, reason: string) => cli(["pin", digests.get(service)!, "--env", env, "--key", key(), "--reason", reason, "--pins-dir", pinsDir()]);

  beforeAll(async () => {
    [work, repo] = await Promise.all([makeTempDir("bunseal-pin-names-"), plantedRepo("control")]);
    store = `sqlite:${join(work.path, "store.db")}`;
    await runCli(["keygen", "--out", join(work.path, "keys")]);
    const config = await Bun.file(join(repo.path, "bunseal.json")).json();
    for (const [i, service] of ["web", "web.prod"].entries()) {
      await Bun.write(join(repo.path, "bunseal.json"), JSON.stringify({ ...config, service }));
      await gitCommitAll(repo.path, service, 1_700_000_000 + i * 1000);
      const out = await runCli(["build", repo.path, "--key", key(), "--out", join(work.path, "out", service), "--store", store, "--json"]);
      expect(out.exitCode).toBe(0);
      digests.set(service, out.json().artifact.digest);
    }
  });
  afterAll(async () => {
    await Promise.all([repo?.cleanup(), work?.cleanup()]);
  });

  test("(web, prod.eu) and (web.prod, eu) never share a pin file: each pin lands in its own pair's file", async () => {
    for (const round of [1, 2]) {
      expect((await pin("web", "prod.eu", `web ${round}`)).json().file).toBe(join(pinsDir(), "web@prod.eu.json"));
      expect((await pin("web.prod", "eu", `web.prod ${round}`)).json().file).toBe(join(pinsDir(), "web.prod@eu.json"));
    }
    expect((await readdir(pinsDir())).sort()).toEqual(["web.prod@eu.json", "web@prod.eu.json"]);
    expect(await readPinFile(join(pinsDir(), "web@prod.eu.json"))).toMatchObject({ service: "web", env: "prod.eu", sequence: 2, reason: "web 2" });
    expect(await readPinFile(join(pinsDir(), "web.prod@eu.json"))).toMatchObject({ service: "web.prod", env: "eu", sequence: 2, reason: "web.prod 2" });
  });

  test("rejects prod's pin file renamed to staging's name when verified for staging", async () => {
    expect((await pin("web", "staging", "staging")).exitCode).toBe(0);
    const verify = (path: string, env: string) => cli(["pins", "verify", path, "--key", pub(), "--env", env, "--service", "web"]);
    const prod = join(pinsDir(), "web@prod.eu.json");
    expect((await verify(prod, "prod.eu")).exitCode).toBe(0);
    const swapped = join(work.path, "swapped", "web@staging.json");
    await Bun.write(swapped, await Bun.file(prod).text());
    const out = await verify(swapped, "staging");
    expect(out.exitCode).toBe(1);
    expect(out.json().failures).toContainEqual(expect.objectContaining({ code: "EXPECTATION_FAILED", expected: "staging", found: "prod.eu" }));
    // and the right pin under another pair's name is bound by its name
    const misnamed = join(work.path, "swapped", "web@prod.json");
    await copyFile(join(pinsDir(), "web@staging.json"), misnamed);
    const named = await verify(misnamed, "staging");
    expect(named.exitCode).toBe(1);
    expect(named.json().failures).toEqual([expect.objectContaining({ code: "EXPECTATION_FAILED", expected: "web@staging.json", found: "web@prod.json" })]);
  });

  test("a pin file under the old name is still read, verified, and followed by its own pair's pins only", async () => {
    // an older bunseal wrote web.prod.eu.json for (web, prod.eu); its name is also (web.prod, eu)'s old one
    const legacy = join(pinsDir(), "web.prod.eu.json");
    await copyFile(join(pinsDir(), "web@prod.eu.json"), legacy);
    expect((await cli(["pins", "verify", legacy, "--key", pub(), "--env", "prod.eu", "--service", "web"])).exitCode).toBe(0);
    expect((await pin("web.prod", "eu", "web.prod 3")).exitCode).toBe(0);
    expect(await readPinFile(legacy)).toMatchObject({ service: "web", env: "prod.eu", sequence: 2 });
    expect((await pin("web", "prod.eu", "web 3")).exitCode).toBe(0);
    expect(await readPinFile(legacy)).toMatchObject({ service: "web", env: "prod.eu", sequence: 3, reason: "web 3" });
  });

  test("the temporary files of a pin writer that died are removed by the next pin; a live writer's stay", async () => {
    const dead = Bun.spawn(["true"]);
    await dead.exited;
    const live = Bun.spawn(["sleep", "60"]);
    try {
      const leftovers = [`.web@prod.eu.json.${dead.pid}.0badc0de.tmp`, `.bunseal-probe.${dead.pid}.0badc0de`];
      const inFlight = `.web@prod.eu.json.${live.pid}.0badc0de.tmp`;
      for (const name of [...leftovers, inFlight]) await writeFile(join(pinsDir(), name), "{");
      expect((await pin("web", "prod.eu", "after a kill")).exitCode).toBe(0);
      const files = await readdir(pinsDir());
      for (const name of leftovers) expect(files).not.toContain(name);
      expect(files).toContain(inFlight);
    } finally {
      live.kill();
    }
  });
});
