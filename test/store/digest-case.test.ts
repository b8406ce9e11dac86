/**
 * Issue 8, attack 10: a statement whose subject digest is written in upper
 * case verifies (hex is hex), so the store must not keep it as written and
 * then miss it when asked in lower case. Digests are lower-case hex
 * everywhere in the store: on the way in and on every lookup.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { loadPrivateKey } from "../../src/sign/keys.ts";
import { keySigner } from "../../src/sign/signer.ts";
import { signStatement } from "../../src/sign/sign-statement.ts";
import { openStore } from "../../src/store/open-store.ts";
import { canonicalJson } from "../../src/util/canonical-json.ts";
import { runCli } from "../helpers/cli.ts";
import { plantedRepo } from "../helpers/fixture-repo.ts";
import type { GitRepo } from "../helpers/git.ts";
import { STORE_BACKENDS } from "../helpers/store-backends.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";
import { artifact } from "./records.ts";

setDefaultTimeout(60_000);

describe.each(STORE_BACKENDS)("digest case on the %s store", (_name, makeStore) => {
  let work: TestDir;
  let repo: GitRepo;
  let store: string;
  let lower: string;
  let upperBundle: string;
  const key = () => join(work.path, "keys", "bunseal.key");
  const cli = (args: string[]) => runCli([...args, "--store", store, "--json"]);

  beforeAll(async () => {
    [work, repo] = await Promise.all([makeTempDir("bunseal-digest-case-"), plantedRepo("control")]);
    store = await makeStore(work.path);
    await runCli(["keygen", "--out", join(work.path, "keys")]);
    const built = await runCli(["build", repo.path, "--key", key(), "--out", join(work.path, "out"), "--json"]);
    expect(built.exitCode).toBe(0);
    lower = built.json().artifact.digest.slice("sha256:".length);
    // the same statement, its subject digests in upper case, signed with the real key
    const bundle = await Bun.file(built.json().bundle.path).json();
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, "base64").toString("utf8"));
    for (const subject of statement.subject) subject.digest.sha256 = subject.digest.sha256.toUpperCase();
    const signed = await signStatement(new TextEncoder().encode(canonicalJson(statement)), keySigner(await loadPrivateKey(key())));
    upperBundle = join(work.path, "upper.sigstore.json");
    await Bun.write(upperBundle, JSON.stringify(signed));
  });
  afterAll(async () => {
    await Promise.all([repo?.cleanup(), work?.cleanup()]);
  });

  test("an upper-case subject digest imported is found by trace and pin in either case", async () => {
    const imported = await cli(["store", "import", upperBundle, "--key", join(work.path, "keys", "bunseal.pub")]);
    expect(imported.exitCode).toBe(0);
    expect(imported.json().results[0]).toMatchObject({ imported: true, digest: lower });
    for (const asked of [lower, lower.toUpperCase()]) {
      const traced = await cli(["trace", `sha256:${asked}`]);
      expect(traced.exitCode).toBe(0);
      expect(traced.json().target.digest).toBe(lower);
      expect(traced.json().matches[0].artifact.digest).toBe(lower);
    }
    const pinned = await cli(["pin", `sha256:${lower.toUpperCase()}`, "--env", "prod", "--key", key(), "--pins-dir", join(work.path, "pins")]);
    expect(pinned.exitCode).toBe(0);
    expect(pinned.json().pin.digest).toBe(lower);
    const again = await cli(["pin", `sha256:${lower}`, "--env", "staging", "--key", key(), "--pins-dir", join(work.path, "pins")]);
    expect(again.exitCode).toBe(0);
    const traced = await cli(["trace", lower.toUpperCase()]);
    expect(traced.json().matches[0].pins.map((p: { env: string }) => p.env).sort()).toEqual(["prod", "staging"]);
  });

  test("the store keeps lower-case hex whatever case a record or a lookup uses", async () => {
    const opened = await openStore(await makeStore(join(work.path, "lib")));
    try {
      const record = artifact("shouting");
      const shouted = { ...record, digest: record.digest.toUpperCase(), files: record.files.map((f) => ({ ...f, digest: f.digest.toUpperCase() })) };
      await opened.putArtifact(shouted);
      expect((await opened.getArtifact(record.digest))?.digest).toBe(record.digest);
      expect((await opened.getArtifact(record.digest.toUpperCase()))?.files).toEqual(record.files);
      expect((await opened.findByFileDigest(record.files[0]!.digest)).map((a) => a.digest)).toEqual([record.digest]);
      expect((await opened.findByFileDigest(`sha256:${record.files[0]!.digest.toUpperCase()}`)).map((a) => a.digest)).toEqual([record.digest]);
      const pin = { service: "api", env: "prod", sequence: 1, digest: record.digest.toUpperCase(), previousDigest: null, actor: "t", reason: "", pinnedAt: "2026-03-01T12:00:00.000Z", rollbackOf: null, bundle: "{}" };
      await opened.appendPin(pin);
      expect((await opened.pins({ digest: record.digest.toUpperCase() })).map((p) => p.digest)).toEqual([record.digest]);
      expect((await opened.latestPin("api", "prod"))?.digest).toBe(record.digest);
      // the next pin names the previous one in either case and still follows it
      await opened.appendPin({ ...pin, sequence: 2, previousDigest: record.digest.toUpperCase() });
      expect((await opened.pins({ digest: record.digest })).map((p) => p.sequence)).toEqual([1, 2]);
    } finally {
      await opened.close();
    }
  });
});
