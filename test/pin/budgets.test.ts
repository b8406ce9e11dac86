/**
 * Pins and rollbacks that respect runtime budgets (issue 22 item 5), through
 * the real CLI: real builds signed with a real key into a SQLite store, and
 * measurements signed with real keys as `measure --store` stores them.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { Database } from "bun:sqlite";
import { basename, join } from "node:path";
import { loadPrivateKey } from "../../src/sign/keys.ts";
import { keySigner, type Signer } from "../../src/sign/signer.ts";
import { openStore } from "../../src/store/open-store.ts";
import type { MeasurementRecord } from "../../src/store/store.ts";
import { runCli } from "../helpers/cli.ts";
import { gitCommitAll, gitRepo, type GitRepo } from "../helpers/git.ts";
import { signedMeasurement, type MeasurementShape } from "../helpers/measurements.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(60_000);

let work: TestDir;
let repo: GitRepo;
let signer: Signer;
let stranger: Signer;
const builds: { digest: string; name: string }[] = [];
const storePath = () => join(work.path, "store.db");
const store = () => `sqlite:${storePath()}`;
const key = () => join(work.path, "keys", "bunseal.key");
const pub = () => join(work.path, "keys", "bunseal.pub");
const cli = (args: string[]) => runCli([...args, "--store", store(), "--pins-dir", join(work.path, "pins"), "--json"]);
const text = (args: string[]) => runCli([...args, "--store", store(), "--pins-dir", join(work.path, "pins")]);

async function record(subject: number, shape: Omit<MeasurementShape, "service" | "against"> & { against?: number }, by: Signer = signer): Promise<MeasurementRecord> {
  const against = shape.against === undefined ? undefined : { name: builds[shape.against]!.name, digest: builds[shape.against]!.digest, env: "prod" };
  const m = await signedMeasurement(builds[subject]!, { ...shape, service: "gated", against }, by);
  const opened = await openStore(store());
  try {
    await opened.recordMeasurement(m);
  } finally {
    await opened.close();
  }
  return m;
}

beforeAll(async () => {
  work = await makeTempDir("bunseal-budgets-");
  await runCli(["keygen", "--out", join(work.path, "keys")]);
  await runCli(["keygen", "--out", join(work.path, "other")]);
  signer = keySigner(await loadPrivateKey(key()));
  stranger = keySigner(await loadPrivateKey(join(work.path, "other", "bunseal.key")));
  const config = (release: number, telemetryContract: string) => JSON.stringify({ service: "gated", entrypoints: ["src/index.ts"], build: { target: "bun" }, contracts: { schemaVersion: "1", telemetryContract }, featureFlags: { release } });
  repo = await gitRepo({ "package.json": JSON.stringify({ name: "gated", private: true }), "bunseal.json": config(0, "otel-v1"), "src/index.ts": "console.log('up');\n" });
  // three releases; the third changes the telemetry contract
  for (const [i, telemetry] of ["otel-v1", "otel-v1", "otel-v2"].entries()) {
    if (i > 0) {
      await Bun.write(join(repo.path, "bunseal.json"), config(i, telemetry));
      await gitCommitAll(repo.path, `release ${i}`, 1_700_000_000 + i * 1000);
    }
    const out = await runCli(["build", repo.path, "--key", key(), "--store", store(), "--json"]);
    expect(out.exitCode).toBe(0);
    builds.push({ digest: out.json().artifact.digest.slice(7), name: basename(out.json().artifact.path) });
  }
}, 180_000);
afterAll(async () => {
  await Promise.all([repo?.cleanup(), work?.cleanup()]);
});

describe("pin, for a service held to runtime budgets", () => {
  test("a service never measured pins as before, and its pin records no measurement", async () => {
    const out = await cli(["pin", builds[0]!.digest, "--env", "prod", "--key", key()]);
    expect(out.exitCode).toBe(0);
    expect(out.json().measurement).toBeUndefined();
  });

  test("once measured, a pin needs a measurement against what the env runs now (MEASUREMENT_MISSING)", async () => {
    // measured, but against the wrong baseline: release 2, not release 0 that prod runs
    await record(1, { against: 2, measuredAt: "2026-03-02T10:00:00.000Z" });
    const out = await cli(["pin", builds[1]!.digest, "--env", "prod", "--key", key()]);
    expect(out.exitCode).toBe(1);
    expect(out.json().error.code).toBe("MEASUREMENT_MISSING");
    expect(out.json().error.message).toBe(
      `sha256:${builds[1]!.digest.slice(0, 12)} cannot be pinned in prod: gated has been measured before, so a pin needs a verified measurement of sha256:${builds[1]!.digest.slice(0, 12)} against sha256:${builds[0]!.digest.slice(0, 12)} (what prod runs now). Run bunseal measure ARTIFACT --env prod --store, then pin again, or pin again with --measure`,
    );
  });

  test("rejects a measurement signed by a key nobody trusts, and names it as not verified", async () => {
    await record(1, { against: 0, measuredAt: "2026-03-02T11:00:00.000Z" }, stranger);
    const out = await cli(["pin", builds[1]!.digest, "--env", "prod", "--key", key()]);
    expect(out.exitCode).toBe(1);
    expect(out.json().error.code).toBe("MEASUREMENT_MISSING");
    expect(out.json().error.message).toContain("1 stored measurement(s) of it did not verify and are not counted");
  });

  test("refuses a regression, naming the figure, the budget and what was measured", async () => {
    await record(1, { against: 0, passed: false, scale: 3, measuredAt: "2026-03-02T12:00:00.000Z" });
    const out = await cli(["pin", builds[1]!.digest, "--env", "prod", "--key", key()]);
    expect(out.exitCode).toBe(1);
    const error = out.json().error;
    expect(error.code).toBe("BUDGET_REGRESSION");
    expect(error.message).toContain(`its measurement against sha256:${builds[0]!.digest.slice(0, 12)} (2026-03-02T12:00:00.000Z) is over budget:\n  BUDGET_REGRESSION: coldStartP95Ms: budget a ratio within 1.10, measured 3.00 (2.85 to 3.15)`);
    expect(error.message).toContain("pass --allow-regression REASON");
    expect(error).toMatchObject({ field: "coldStartP95Ms", expected: "budget a ratio within 1.10", found: "3.00 (2.85 to 3.15)" });
  });

  test("rejects a measurement row edited to pass after it was signed", async () => {
    const db = new Database(storePath());
    try {
      const row = db.query("SELECT id, predicate FROM measurements ORDER BY id DESC LIMIT 1").get() as { id: number; predicate: string };
      const edited = JSON.parse(row.predicate);
      edited.verdict = { passed: true, findings: [] };
      db.run("UPDATE measurements SET passed = 1, predicate = ? WHERE id = ?", [JSON.stringify(edited), row.id]);
    } finally {
      db.close();
    }
    const out = await cli(["pin", builds[1]!.digest, "--env", "prod", "--key", key()]);
    expect(out.exitCode).toBe(1);
    expect(out.json().error.code).toBe("MEASUREMENT_MISSING");
    expect(out.json().error.message).toContain("2 stored measurement(s) of it did not verify");
  });

  test("--allow-regression pins it anyway, and the signed pin records the reason and the findings", async () => {
    await record(1, { against: 0, passed: false, scale: 3, measuredAt: "2026-03-02T13:00:00.000Z" });
    const out = await cli(["pin", builds[1]!.digest, "--env", "prod", "--key", key(), "--allow-regression", "hotfix: a slower start for the payments fix"]);
    expect(out.exitCode).toBe(0);
    const finding = { code: "BUDGET_REGRESSION", figure: "coldStartP95Ms", budget: "a ratio within 1.10", measured: "3.00 (2.85 to 3.15)" };
    const measurement = { measuredAt: "2026-03-02T13:00:00.000Z", against: builds[0]!.digest, passed: false, allowedRegression: { reason: "hotfix: a slower start for the payments fix", findings: [finding] } };
    expect(out.json().measurement).toEqual(measurement);
    // what was signed, read from the pin file's bundle
    const file = await Bun.file(out.json().file).json();
    const payload = JSON.parse(Buffer.from(file.bundle.dsseEnvelope.payload, "base64").toString("utf8"));
    expect(payload.predicate.measurement).toEqual(measurement);
    expect((await runCli(["pins", "verify", out.json().file, "--key", pub(), "--store", store()])).exitCode).toBe(0);
  });

  test("a passed measurement against what runs now lets the pin through", async () => {
    await record(2, { against: 1, scale: 1.02, measuredAt: "2026-03-02T14:00:00.000Z" });
    const out = await text(["pin", builds[2]!.digest, "--env", "prod", "--key", key()]);
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toContain(`measured 2026-03-02T14:00:00.000Z against sha256:${builds[1]!.digest.slice(0, 12)}: within budgets`);
  });
});

describe("rollback, for a service held to runtime budgets", () => {
  test("refuses a change of the telemetry contract as it refuses a schema one", async () => {
    const out = await cli(["rollback", "--env", "prod", "--key", key()]);
    expect(out.exitCode).toBe(1);
    expect(out.json().error).toMatchObject({ code: "ROLLBACK_REFUSED", field: "contracts.telemetryContract", expected: "otel-v2", found: "otel-v1" });
    expect(out.json().error.message).toContain("would change the telemetryContract contract from otel-v2 to otel-v1");
  });

  test("shows the target's figures beside the current one's, and 'not measured' for an artifact never measured", async () => {
    const plan = await cli(["rollback", "--env", "prod", "--key", key(), "--allow-contract-change", "--dry-run"]);
    expect(plan.exitCode).toBe(0);
    // now: release 2, measured at 1.02 against release 1; the target, release 1: its newest measurement that verifies (3x, failed)
    expect(plan.json().figures.from).toMatchObject({ measuredAt: "2026-03-02T14:00:00.000Z", passed: true, figures: { coldStartMs: { p95: 102 } } });
    expect(plan.json().figures.to).toMatchObject({ measuredAt: "2026-03-02T13:00:00.000Z", passed: false, figures: { coldStartMs: { p95: 300 }, rssMb: { peak: 180 } } });
    expect(plan.json().plan).toMatchObject({ contractChange: true, contractChanges: ["telemetryContract"] });
    const shown = await text(["rollback", "--env", "prod", "--key", key(), "--allow-contract-change", "--dry-run"]);
    expect(shown.stdout).toContain("    cold start p95 102 ms          300 ms\n");
    expect(shown.stdout).toContain("    peak memory    61.2 MiB        180.0 MiB\n");
    expect(shown.stdout).toContain("changing the telemetryContract contract (allowed)");
    const never = await text(["rollback", "--env", "prod", "--key", key(), "--to", builds[0]!.digest, "--allow-contract-change", "--dry-run"]);
    expect(never.exitCode).toBe(0);
    expect(never.stdout).toContain("    cold start p95 102 ms          not measured\n");
  });

  test("a rollback pin needs no measurement: it goes back to what ran here before", async () => {
    const out = await cli(["rollback", "--env", "prod", "--key", key(), "--allow-contract-change", "--reason", "payments incident"]);
    expect(out.exitCode).toBe(0);
    expect(out.json().applied).toMatchObject({ digest: builds[1]!.digest, sequence: 4, rollbackOf: 3 });
  });
});
