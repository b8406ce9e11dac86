/**
 * Issue 8, attacks 6 and 7 on `pin`: a name that is a path escapes nothing,
 * and a pin whose file cannot be written leaves no pin in the store, so a
 * retry never adds a second one. On both store backends.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { pinArtifact } from "../../src/pin/pin.ts";
import { exportPinFile, pinFilePath } from "../../src/pin/pin-file.ts";
import { loadPrivateKey } from "../../src/sign/keys.ts";
import { keySigner } from "../../src/sign/signer.ts";
import { signStatement } from "../../src/sign/sign-statement.ts";
import { openStore } from "../../src/store/open-store.ts";
import { canonicalJson } from "../../src/util/canonical-json.ts";
import { canMount, makeFull, makeReadOnly, unmountAll } from "../cli-io/mounts.ts";
import { runCli } from "../helpers/cli.ts";
import { rejection } from "../helpers/expect-error.ts";
import { plantedRepo } from "../helpers/fixture-repo.ts";
import type { GitRepo } from "../helpers/git.ts";
import { STORE_BACKENDS } from "../helpers/store-backends.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(60_000);

describe.each(STORE_BACKENDS)("pin safety on the %s store", (_name, makeStore) => {
  let work: TestDir;
  let repo: GitRepo;
  let store: string;
  let digest: string;
  let bundlePath: string;
  const key = () => join(work.path, "keys", "bunseal.key");
  const pub = () => join(work.path, "keys", "bunseal.pub");
  const cli = (args: string[]) => runCli([...args, "--store", store, "--json"]);
  const history = async (env: string) => (await cli(["pins", "--env", env])).json().pins as { sequence: number; digest: string }[];

  beforeAll(async () => {
    [work, repo] = await Promise.all([makeTempDir("bunseal-pin-safety-"), plantedRepo("control")]);
    store = await makeStore(work.path);
    await runCli(["keygen", "--out", join(work.path, "keys")]);
    const built = await runCli(["build", repo.path, "--key", key(), "--out", join(work.path, "out"), "--store", store, "--json"]);
    expect(built.exitCode).toBe(0);
    digest = built.json().artifact.digest;
    bundlePath = built.json().bundle.path;
  });
  afterAll(async () => {
    unmountAll();
    await Promise.all([repo?.cleanup(), work?.cleanup()]);
  });

  test("rejects pin --env \"/../../../x\" (a path out of the pins folder) with NAME_INVALID, writing nothing", async () => {
    const pinsDir = join(work.path, "deep", "a", "b", "pins");
    const out = await cli(["pin", digest, "--env", "/../../../x", "--key", key(), "--pins-dir", pinsDir]);
    expect(out.stderr).not.toContain("internal error");
    expect(out.exitCode).toBe(2);
    expect(out.json().error).toMatchObject({ code: "NAME_INVALID", field: "--env" });
    expect(out.json().error.message).toContain("[A-Za-z0-9]");
    const everywhere = (await readdir(work.path, { recursive: true })).map(String);
    expect(everywhere.filter((f) => f.endsWith("x.json"))).toEqual([]);
    expect((await cli(["pins"])).json().pins.filter((p: { env: string }) => p.env.includes("x"))).toEqual([]);
  });

  test("rejects a path as --env or --service in rollback and pins too", async () => {
    const rollback = await cli(["rollback", "--env", "../prod", "--service", "control", "--dry-run"]);
    expect(rollback.exitCode).toBe(2);
    expect(rollback.json().error).toMatchObject({ code: "NAME_INVALID", field: "--env" });
    const service = await cli(["rollback", "--env", "prod", "--service", "../../svc", "--dry-run"]);
    expect(service.json().error).toMatchObject({ code: "NAME_INVALID", field: "--service" });
    expect((await cli(["pins", "--env", "a/b"])).json().error).toMatchObject({ code: "NAME_INVALID", field: "--env" });
  });

  test("refuses to import a key-signed statement whose service is ../../svc (NAME_INVALID, exit 2), storing nothing", async () => {
    const bundle = await Bun.file(bundlePath).json();
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, "base64").toString("utf8"));
    statement.predicate.buildDefinition.externalParameters.service = "../../svc";
    // a different artifact digest, so this is not the one already stored
    statement.subject[0].digest.sha256 = "ab".repeat(32);
    const forged = await signStatement(new TextEncoder().encode(canonicalJson(statement)), keySigner(await loadPrivateKey(key())));
    const path = join(work.path, "traversal.sigstore.json");
    await Bun.write(path, JSON.stringify(forged));
    const out = await cli(["store", "import", path, "--key", pub()]);
    expect(out.stderr).not.toContain("internal error");
    expect(out.exitCode).toBe(2);
    expect(out.json().error).toMatchObject({ code: "NAME_INVALID", field: "service", file: path });
    expect((await cli(["trace", `sha256:${"ab".repeat(32)}`])).json().error.code).toBe("NOT_FOUND");
  });

  test("a pin file path is built only from valid names and stays inside the pins folder", async () => {
    const pins = join(work.path, "lib-pins");
    expect(pinFilePath(pins, "control", "prod")).toBe(join(pins, "control@prod.json"));
    for (const [service, env] of [["../../svc", "prod"], ["control", "/../../../x"], ["control", ".."], ["a/b", "prod"], ["control", ""]] as const) {
      const error = await rejection(Promise.resolve().then(() => pinFilePath(pins, service, env)));
      expect(error.code).toBe("NAME_INVALID");
    }
    const pin = { service: "../../svc", env: "prod", sequence: 1, digest: "ab".repeat(32), previousDigest: null, actor: "t", reason: "", pinnedAt: new Date().toISOString(), rollbackOf: null, bundle: "{}" };
    expect((await rejection(exportPinFile(pins, pin))).code).toBe("NAME_INVALID");
  });

  test.if(canMount())("a pins folder that cannot be written fails with IO_FAILED (exit 3) before the store records a pin; retries add none", async () => {
    const pinsDir = await makeReadOnly(join(work.path, "ro-pins"));
    for (let attempt = 0; attempt < 2; attempt++) {
      const out = await cli(["pin", digest, "--env", "ro", "--key", key(), "--pins-dir", pinsDir]);
      expect(out.stderr).not.toContain("internal error");
      expect(out.exitCode).toBe(3);
      expect(out.json().error.code).toBe("IO_FAILED");
      expect(out.json().error.message).toContain(pinsDir);
    }
    expect(await history("ro")).toEqual([]);
    const ok = await cli(["pin", digest, "--env", "ro", "--key", key(), "--pins-dir", join(work.path, "pins")]);
    expect(ok.exitCode).toBe(0);
    expect((await history("ro")).map((p) => p.sequence)).toEqual([1]);
  });

  test.if(canMount())("a full disk under the pins folder fails with IO_FAILED (exit 3) and records no pin", async () => {
    const pinsDir = await makeFull(join(work.path, "full-pins"));
    for (let attempt = 0; attempt < 2; attempt++) {
      const out = await cli(["pin", digest, "--env", "full", "--key", key(), "--pins-dir", pinsDir]);
      expect(out.stderr).not.toContain("internal error");
      expect(out.exitCode).toBe(3);
      expect(out.json().error.code).toBe("IO_FAILED");
    }
    expect(await history("full")).toEqual([]);
    expect((await readdir(pinsDir)).filter((f) => !f.startsWith("filler-"))).toEqual([]);
  });

  test("a retry of a pin recorded in the store but whose file was never written re-writes the file and adds no second pin", async () => {
    // the row committed, then the process died before the pin file went into place
    const opened = await openStore(store);
    try {
      await pinArtifact(opened, { digest, env: "retry", reason: "release", actor: "ci", signer: keySigner(await loadPrivateKey(key())), pinsDir: null });
    } finally {
      await opened.close();
    }
    const pinsDir = join(work.path, "retry-pins");
    const out = await cli(["pin", digest, "--env", "retry", "--key", key(), "--reason", "release", "--actor", "ci", "--pins-dir", pinsDir]);
    expect(out.exitCode).toBe(0);
    expect(out.json().pin.sequence).toBe(1);
    expect(out.json().repeated).toBe(true);
    expect((await history("retry")).map((p) => p.sequence)).toEqual([1]);
    expect((await Bun.file(join(pinsDir, "control@retry.json")).json()).sequence).toBe(1);
    expect((await cli(["pins", "verify", join(pinsDir, "control@retry.json"), "--key", pub()])).exitCode).toBe(0);
    // a new decision (another reason) is a new pin
    const next = await cli(["pin", digest, "--env", "retry", "--key", key(), "--reason", "again", "--actor", "ci", "--pins-dir", pinsDir]);
    expect(next.json().pin.sequence).toBe(2);
    expect(next.json().repeated).toBe(false);
  });
});
