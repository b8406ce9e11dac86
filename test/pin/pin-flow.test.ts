/**
 * trace, pin, pins verify and rollback through the real CLI, against both
 * store backends: the same behaviour from SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { copyFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { plantedRepo } from "../helpers/fixture-repo.ts";
import { gitCommitAll, type GitRepo } from "../helpers/git.ts";
import { STORE_BACKENDS } from "../helpers/store-backends.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(60_000);


describe.each(STORE_BACKENDS)("with the %s store", (_name, makeStore) => {
  let work: TestDir;
  let repo: GitRepo;
  let store: string;
  const builds: { digest: string; bundle: string; artifact: string; files: { path: string; digest: string }[] }[] = [];
  const key = () => join(work.path, "keys", "bunseal.key");
  const pub = () => join(work.path, "keys", "bunseal.pub");
  const pinsDir = () => join(work.path, "pins");
  const cli = (args: string[]) => runCli([...args, "--store", store, "--json"]);

  beforeAll(async () => {
    work = await makeTempDir("bunseal-pins-");
    store = await makeStore(work.path);
    repo = await plantedRepo("control");
    await runCli(["keygen", "--out", join(work.path, "keys")]);
    // three releases; the third changes the schema contract
    for (const [i, schemaVersion] of ["1", "1", "2"].entries()) {
      const config = { service: "control", entrypoints: ["src/index.ts", "src/worker.ts"], build: { minify: true, sourcemap: "external", splitting: true }, contracts: { schemaVersion, telemetryContract: "otel-v1" }, featureFlags: { release: i } };
      await Bun.write(join(repo.path, "bunseal.json"), JSON.stringify(config));
      await gitCommitAll(repo.path, `release ${i}`, 1_700_000_000 + i * 1000);
      const out = await runCli(["build", repo.path, "--key", key(), "--store", store, "--json"]);
      expect(out.exitCode).toBe(0);
      const result = out.json();
      builds.push({ digest: result.artifact.digest, bundle: result.bundle.path, artifact: result.artifact.path, files: result.files });
    }
  });
  afterAll(async () => {
    await Promise.all([repo?.cleanup(), work?.cleanup()]);
  });

  test("trace finds an artifact by digest, by its tar, and by one file from inside it", async () => {
    const byDigest = await cli(["trace", builds[1]!.digest]);
    expect(byDigest.exitCode).toBe(0);
    expect(byDigest.json().target.kind).toBe("artifact");
    const match = byDigest.json().matches[0];
    expect(match.artifact).toMatchObject({ service: "control", schemaVersion: "1", featureFlags: { release: 1 }, bunVersion: Bun.version });
    expect(match.verifies).toBe(true);
    expect((await cli(["trace", builds[1]!.artifact])).json().matches[0].artifact.digest).toBe(builds[1]!.digest.slice(7));
    const file = builds[2]!.files.find((f) => f.path.endsWith(".js"))!;
    const extracted = join(work.path, "host-copy.js");
    const tar = await import("../../src/artifact/tar-read.ts");
    await Bun.write(extracted, (await tar.readTarFiles(builds[2]!.artifact)).get(file.path)!);
    const byFile = await cli(["trace", extracted]);
    expect(byFile.json().target.kind).toBe("file");
    expect(byFile.json().matches[0].file).toBe(file.path);
  });

  test("an unknown digest exits 1 with NOT_FOUND", async () => {
    const out = await cli(["trace", `sha256:${"0".repeat(64)}`]);
    expect(out.exitCode).toBe(1);
    expect(out.json().error.code).toBe("NOT_FOUND");
  });

  test("a malformed digest is a usage error naming what was expected, not a file that cannot be read", async () => {
    for (const target of ["sha256:zz", `SHA256:${"0".repeat(11)}`]) {
      const out = await cli(["trace", target]);
      expect(out.exitCode).toBe(2);
      expect(out.json().error).toMatchObject({ code: "USAGE", field: "TARGET", expected: "sha256:<64 hex> or a unique prefix of 12+ hex", found: target });
    }
    // 12 to 63 hex is a short digest since issue 20: looked up, and here unknown
    expect((await cli(["trace", `SHA256:${"0".repeat(63)}`])).json().error.code).toBe("NOT_FOUND");
  });

  test("trace --package lists the artifacts that shipped it", async () => {
    // the control has no npm packages; the example bundles below do not either, so nothing is found
    const out = await cli(["trace", "--package", "left-pad"]);
    expect(out.exitCode).toBe(0);
    expect(out.json().matches).toEqual([]);
  });

  test("pins append with growing sequences, chain the previous digest, and export the pin file", async () => {
    for (const [i, b] of builds.entries()) {
      const out = await cli(["pin", b.digest, "--env", "prod", "--key", key(), "--reason", `release ${i}`, "--pins-dir", pinsDir()]);
      expect(out.exitCode).toBe(0);
      expect(out.json().pin).toMatchObject({ sequence: i + 1, previousDigest: i === 0 ? null : builds[i - 1]!.digest.slice(7) });
    }
    const file = await Bun.file(join(pinsDir(), "control@prod.json")).json();
    expect(file).toMatchObject({ service: "control", env: "prod", sequence: 3, digest: builds[2]!.digest.slice(7) });
    const history = (await cli(["pins", "--env", "prod"])).json().pins;
    expect(history.map((p: { sequence: number }) => p.sequence)).toEqual([1, 2, 3]);
    const traced = (await cli(["trace", builds[2]!.digest])).json().matches[0].pins;
    expect(traced).toEqual([expect.objectContaining({ env: "prod", sequence: 3, current: true })]);
  });

  test("an artifact the store does not know cannot be pinned", async () => {
    const out = await cli(["pin", `sha256:${"1".repeat(64)}`, "--env", "prod", "--key", key(), "--pins-dir", pinsDir()]);
    expect(out.exitCode).toBe(1);
    expect(out.json().error.code).toBe("NOT_FOUND");
  });

  test("pins verify accepts the current pin file and rejects a pin file replayed after a newer pin", async () => {
    const current = join(pinsDir(), "control@prod.json");
    const old = join(work.path, "old-pin.json");
    await copyFile(current, old);
    expect((await cli(["pins", "verify", current, "--key", pub()])).exitCode).toBe(0);
    const newer = await cli(["pin", builds[1]!.digest, "--env", "prod", "--key", key(), "--reason", "newer", "--pins-dir", pinsDir()]);
    expect(newer.exitCode).toBe(0);
    const replay = await cli(["pins", "verify", old, "--key", pub()]);
    expect(replay.exitCode).toBe(1);
    expect(replay.json().failures.map((f: { code: string }) => f.code)).toContain("PIN_DOWNGRADE");
  });

  test("pins verify rejects a pin file whose digest was edited after signing", async () => {
    const current = join(pinsDir(), "control@prod.json");
    const forged = await Bun.file(current).json();
    forged.digest = builds[0]!.digest.slice(7);
    const path = join(work.path, "forged-pin.json");
    await Bun.write(path, JSON.stringify(forged));
    const out = await cli(["pins", "verify", path, "--key", pub()]);
    expect(out.exitCode).toBe(1);
    expect(out.json().failures.map((f: { code: string }) => f.code)).toContain("STATEMENT_INVALID");
  });

  test("rollback plans with --dry-run, refuses a contract change, and appends a rollback pin", async () => {
    // history now: 1 (r0), 2 (r1), 3 (r2, schema 2), 4 (r1)
    const toFirst = await cli(["rollback", "--env", "prod", "--to", builds[2]!.digest, "--key", key(), "--pins-dir", pinsDir()]);
    expect(toFirst.exitCode).toBe(1);
    expect(toFirst.json().error.code).toBe("ROLLBACK_REFUSED");
    expect(toFirst.json().error.message).toContain("from 1 to 2");
    // one step back from #4 (r1) is r2, across the contract change: refused, then planned with the flag
    expect((await cli(["rollback", "--env", "prod", "--dry-run", "--key", pub()])).json().error.code).toBe("ROLLBACK_REFUSED");
    const plan = await cli(["rollback", "--env", "prod", "--dry-run", "--allow-contract-change", "--key", pub()]);
    expect(plan.exitCode).toBe(0);
    expect(plan.json().plan).toMatchObject({ from: { sequence: 4 }, to: { digest: builds[2]!.digest.slice(7) }, nextSequence: 5, contractChange: true });
    expect((await cli(["pins", "--env", "prod"])).json().pins).toHaveLength(4);
    const applied = await cli(["rollback", "--env", "prod", "--to", builds[0]!.digest, "--rebuild", "--key", key(), "--reason", "bad deploy", "--pins-dir", pinsDir()]);
    expect(applied.exitCode).toBe(0);
    expect(applied.json().applied).toMatchObject({ sequence: 5, rollbackOf: 4, digest: builds[0]!.digest.slice(7), reason: "bad deploy" });
    expect(applied.json().rebuilt).toBe(true);
    expect((await Bun.file(join(pinsDir(), "control@prod.json")).json()).sequence).toBe(5);
    // nothing was rewritten
    const history = (await cli(["pins", "--env", "prod"])).json().pins;
    expect(history.map((p: { digest: string }) => p.digest)).toEqual([builds[0], builds[1], builds[2], builds[1], builds[0]].map((b) => b!.digest.slice(7)));
    expect(await readdir(pinsDir())).toEqual(["control@prod.json"]);
  });

  test("rollback to an artifact never pinned in that env is refused", async () => {
    const out = await cli(["rollback", "--env", "staging", "--service", "control", "--key", key(), "--pins-dir", pinsDir()]);
    expect(out.exitCode).toBe(1);
    expect(out.json().error.code).toBe("ROLLBACK_REFUSED");
  });

  test("store import indexes bundles made elsewhere, verifying each first", async () => {
    const other = await makeStore(join(work.path, "other"));
    const out = await runCli(["store", "import", ...builds.map((b) => b.bundle), "--key", pub(), "--store", other, "--json"]);
    expect(out.exitCode).toBe(0);
    expect(out.json().results.every((r: { imported: boolean }) => r.imported)).toBe(true);
    expect((await runCli(["trace", builds[0]!.digest, "--store", other, "--json"])).exitCode).toBe(0);
    const stranger = await makeTempDir("bunseal-stranger-");
    await runCli(["keygen", "--out", stranger.path]);
    const refused = await runCli(["store", "import", builds[0]!.bundle, "--key", join(stranger.path, "bunseal.pub"), "--store", other, "--json"]);
    expect(refused.exitCode).toBe(1);
    expect(refused.json().results[0].imported).toBe(false);
    await stranger.cleanup();
  });
});
