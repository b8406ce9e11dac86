/**
 * Issue 20, items 8, 9, 11 and 16 on pins: a rollback never goes back to what
 * was rolled back from, a pin row edited in the database steers nothing,
 * short digests are taken back, and the plan shows what the target ships.
 * The real CLI against both store backends.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { Database } from "bun:sqlite";
import { SQL } from "bun";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { exampleServiceRepo } from "../helpers/example-service.ts";
import { measureEachAgainstEach } from "../helpers/measurements.ts";
import { gitCommitAll, type GitRepo } from "../helpers/git.ts";
import { STORE_BACKENDS } from "../helpers/store-backends.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(120_000);

/** Runs one statement against the store's database directly, as someone with write access to it would. */
async function tamper(store: string, statement: string): Promise<void> {
  if (store.startsWith("sqlite:")) {
    const db = new Database(store.slice("sqlite:".length));
    try {
      db.run(statement);
    } finally {
      db.close();
    }
    return;
  }
  const sql = new SQL(store, { max: 1, connection: { search_path: "bunseal" } });
  try {
    await sql.unsafe(statement);
  } finally {
    await sql.close();
  }
}

describe.each(STORE_BACKENDS)("pin history on the %s store", (_name, makeStore) => {
  let work: TestDir;
  let repo: GitRepo;
  let store: string;
  const releases: { digest: string; hex: string; commit: string }[] = [];
  const key = () => join(work.path, "keys", "bunseal.key");
  const pub = () => join(work.path, "keys", "bunseal.pub");
  const pinsDir = () => join(work.path, "pins");
  const cli = (args: string[]) => runCli([...args, "--store", store, "--json"]);
  const history = async (env: string) => (await cli(["pins", "--env", env])).json().pins as { sequence: number; digest: string; rollbackOf: number | null }[];

  beforeAll(async () => {
    [work, repo] = await Promise.all([makeTempDir("bunseal-pin-history-"), exampleServiceRepo()]);
    store = await makeStore(work.path);
    await runCli(["keygen", "--out", join(work.path, "keys")]);
    const config = await Bun.file(join(repo.path, "bunseal.json")).json();
    for (const version of ["1.8", "1.9", "1.11"]) {
      await Bun.write(join(repo.path, "bunseal.json"), JSON.stringify({ ...config, featureFlags: { ...config.featureFlags, release: version } }));
      await gitCommitAll(repo.path, `release ${version}`, 1_700_000_000 + releases.length * 1000);
      const out = await runCli(["build", repo.path, "--key", key(), "--out", join(work.path, "out", version), "--store", store, "--json"]);
      expect(out.exitCode).toBe(0);
      const digest = out.json().artifact.digest as string;
      releases.push({ digest, hex: digest.slice(7), commit: (await Bun.$`git -C ${repo.path} rev-parse HEAD`.text()).trim() });
    }
    // the example service has run, so its pins are held to its budgets: every order of pins here finds its measurement
    await measureEachAgainstEach(store, key(), "example-service", releases.map((r) => ({ name: r.hex.slice(0, 12), digest: r.hex })));
  });
  afterAll(async () => {
    await Promise.all([repo?.cleanup(), work?.cleanup()]);
  });

  test("a second rollback does not pin again the release the first rolled back from (#3 1.11 -> #4 1.8 -> #5 not 1.11)", async () => {
    // #1 1.8, #2 1.9, #3 1.11; the first rollback goes to 1.8, as the responders chose
    for (const r of releases) expect((await cli(["pin", r.digest, "--env", "prod", "--key", key(), "--pins-dir", pinsDir()])).exitCode).toBe(0);
    const first = await cli(["rollback", "--env", "prod", "--to", releases[0]!.digest, "--key", key(), "--reason", "1.11 breaks checkout", "--pins-dir", pinsDir()]);
    expect(first.exitCode).toBe(0);
    expect(first.json().applied).toMatchObject({ sequence: 4, rollbackOf: 3, digest: releases[0]!.hex });
    // one step back from #4 (1.8) skips 1.11 (rolled back from by #4) and goes to 1.9
    const second = await cli(["rollback", "--env", "prod", "--key", key(), "--pins-dir", pinsDir()]);
    expect(second.exitCode).toBe(0);
    expect(second.json().plan.skipped).toEqual([{ digest: releases[2]!.hex, rolledBackBy: 4 }]);
    expect(second.json().applied).toMatchObject({ sequence: 5, rollbackOf: 4, digest: releases[1]!.hex });
    // 1.11 again, by rollback: only with --to and a reason of the caller's
    const back = await cli(["rollback", "--env", "prod", "--to", releases[2]!.digest, "--key", key(), "--pins-dir", pinsDir()]);
    expect(back.exitCode).toBe(1);
    expect(back.json().error).toMatchObject({ code: "ROLLBACK_REFUSED", field: "--reason" });
    expect(back.json().error.message).toContain(`sha256:${releases[2]!.hex.slice(0, 12)} was rolled back from (by #4)`);
    expect((await history("prod")).map((p) => p.sequence)).toEqual([1, 2, 3, 4, 5]);
  });

  test("rollback --to and pin take the short digest bunseal prints; an unknown one lists what was pinned", async () => {
    const refused = await cli(["rollback", "--env", "prod", "--to", `sha256:${"0".repeat(12)}`, "--dry-run", "--key", pub()]);
    expect(refused.exitCode).toBe(1);
    expect(refused.json().error.message).toContain(`sha256:${releases[0]!.hex.slice(0, 12)}`);
    // (1.8 was rolled back from by #5, so it takes a reason)
    const plan = await cli(["rollback", "--env", "prod", "--to", `sha256:${releases[0]!.hex.slice(0, 12)}`, "--reason", "1.8 after all", "--dry-run", "--key", pub()]);
    expect(plan.exitCode).toBe(0);
    expect(plan.json().plan.to.digest).toBe(releases[0]!.hex);
    const pinned = await cli(["pin", `sha256:${releases[1]!.hex.slice(0, 12)}`, "--env", "short", "--key", key(), "--pins-dir", pinsDir()]);
    expect(pinned.exitCode).toBe(0);
    expect(pinned.json().pin.digest).toBe(releases[1]!.hex);
    const tooShort = await cli(["pin", `sha256:${releases[1]!.hex.slice(0, 11)}`, "--env", "short", "--key", key(), "--pins-dir", pinsDir()]);
    expect(tooShort.exitCode).toBe(2);
    expect(tooShort.json().error).toMatchObject({ code: "USAGE", field: "DIGEST" });
  });

  test("pins and the rollback plan show the commit, and the plan the packages the target ships", async () => {
    const pins = (await cli(["pins", "--env", "prod"])).json().pins as { sequence: number; commit: string | null }[];
    expect(pins.map((p) => p.commit)).toEqual([0, 1, 2, 0, 1].map((i) => releases[i]!.commit));
    const text = await runCli(["pins", "--env", "prod", "--store", store]);
    expect(text.stdout).toContain(releases[2]!.commit.slice(0, 12));
    expect(text.stdout).toContain("who signed them is not checked without --key");
    const signed = await cli(["pins", "--env", "prod", "--key", pub()]);
    expect(signed.json().signaturesChecked).toBe(true);
    expect((await runCli(["pins", "--env", "prod", "--key", pub(), "--store", store])).stdout).toContain("signed by a key given");
    const plan = await cli(["rollback", "--env", "prod", "--to", releases[0]!.digest, "--reason", "1.8 after all", "--dry-run", "--key", pub()]);
    expect(plan.exitCode).toBe(0);
    expect(plan.json().plan.to.commit).toBe(releases[0]!.commit);
    expect(plan.json().plan.from.commit).toBe(releases[1]!.commit);
    expect(plan.json().plan.to.packages).toContainEqual(expect.objectContaining({ name: "hono", shipped: true }));
    const human = await runCli(["rollback", "--env", "prod", "--to", releases[0]!.digest, "--reason", "1.8 after all", "--dry-run", "--key", pub(), "--store", store]);
    expect(human.stdout).toContain(`commit ${releases[0]!.commit.slice(0, 12)}`);
    expect(human.stdout).toMatch(/ships .*hono@\d+\.\d+\.\d+/);
  });

  test("rejects a pin row whose digest was edited in the database: rollback appends nothing, pins refuses", async () => {
    // staging: #1 1.8, #2 1.9; then someone rewrites #1 to name 1.11, which never ran in staging
    for (const r of releases.slice(0, 2)) expect((await cli(["pin", r.digest, "--env", "staging", "--key", key(), "--pins-dir", pinsDir()])).exitCode).toBe(0);
    await tamper(store, `UPDATE pins SET digest = '${releases[2]!.hex}' WHERE env = 'staging' AND sequence = 1`);
    const rolled = await cli(["rollback", "--env", "staging", "--steps", "1", "--key", key(), "--pins-dir", pinsDir()]);
    expect(rolled.exitCode).toBe(1);
    expect(rolled.json().error.code).toBe("PIN_ROW_INVALID");
    expect(rolled.json().error.message).toContain("pin #1 of example-service in staging");
    expect(rolled.json().error.message).toContain(`the row says sha256:${releases[2]!.hex}, the signed pin says sha256:${releases[0]!.hex}`);
    expect((await runCli(["pins", "--env", "staging", "--store", store, "--json"])).exitCode).toBe(1);
    // a dry run without a key (as it ran before rows were checked) still holds each row to its signed pin
    const dry = await cli(["rollback", "--env", "staging", "--steps", "1", "--dry-run"]);
    expect(dry.exitCode).toBe(1);
    expect(dry.json().error.code).toBe("PIN_ROW_INVALID");
    // nor does a plain pin chain onto an edited newest row
    await tamper(store, `UPDATE pins SET digest = '${releases[2]!.hex}' WHERE env = 'staging' AND sequence = 2`);
    const chained = await cli(["pin", releases[0]!.digest, "--env", "staging", "--key", key(), "--pins-dir", pinsDir()]);
    expect(chained.exitCode).toBe(1);
    expect(chained.json().error.code).toBe("PIN_ROW_INVALID");
    await tamper(store, `UPDATE pins SET digest = '${releases[1]!.hex}' WHERE env = 'staging' AND sequence = 2`);
    const rows = await (async () => {
      await tamper(store, `UPDATE pins SET digest = '${releases[0]!.hex}' WHERE env = 'staging' AND sequence = 1`);
      return history("staging");
    })();
    expect(rows.map((p) => p.sequence)).toEqual([1, 2]);
  });

  test("rejects a pin history whose rows are signed by a key not given (rows forged whole, bundle and all)", async () => {
    const stranger = join(work.path, "stranger");
    await runCli(["keygen", "--out", stranger]);
    // whole pins, each row the one its bundle signs, but by a key the rollback was not given
    expect((await cli(["pin", releases[1]!.digest, "--env", "lab", "--key", join(stranger, "bunseal.key"), "--pins-dir", pinsDir()])).exitCode).toBe(0);
    expect((await cli(["pin", releases[0]!.digest, "--env", "lab", "--key", join(stranger, "bunseal.key"), "--pins-dir", pinsDir()])).exitCode).toBe(0);
    const out = await cli(["rollback", "--env", "lab", "--dry-run", "--key", pub()]);
    expect(out.exitCode).toBe(1);
    expect(out.json().error.code).toBe("PIN_ROW_INVALID");
    expect(out.json().error.message).toContain("not signed by a key given");
    expect((await cli(["rollback", "--env", "lab", "--dry-run", "--key", join(stranger, "bunseal.pub")])).exitCode).toBe(0);
    // without --key a dry run still plans (a public contract), and says whose signatures it did not check
    const unkeyed = await runCli(["rollback", "--env", "lab", "--dry-run", "--store", store]);
    expect(unkeyed.exitCode).toBe(0);
    expect(unkeyed.stderr).toContain("whose signatures they carry is not checked without --key");
  });
});
