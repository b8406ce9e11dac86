/**
 * A row whose columns were edited behind bunseal's back, its bundle left as
 * signed. Seen: `trace` showed "verifies yes" beside a forged commit, service
 * and Bun version, because the signature was checked but the facts shown were
 * the columns; `pin` would sign a pin for the forged service; and `rollback`
 * judged the schema contract by a column, so one edit let it cross a contract.
 * Every fact a command shows or acts on must be the signed statement's.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { Database } from "bun:sqlite";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { gitCommitAll, gitRepo, type GitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(180_000);

let repo: GitRepo;
let work: TestDir;
let pristine: string;
const digests: string[] = [];
const key = () => join(work.path, "bunseal.key");

beforeAll(async () => {
  [repo, work] = await Promise.all([
    gitRepo({ ".gitignore": ".bunseal/\n", "package.json": JSON.stringify({ name: "columns", private: true }), "bunseal.json": "{}", "src/index.ts": "console.log('v1');\n" }),
    makeTempDir("bunseal-trace-columns-"),
  ]);
  pristine = join(work.path, "pristine.db");
  await runCli(["keygen", "--out", work.path]);
  // two releases of one service under two schema contracts, the first pinned, then the second
  for (const [i, schemaVersion] of ["1", "2"].entries()) {
    await Bun.write(join(repo.path, "bunseal.json"), JSON.stringify({ service: "columns", entrypoints: ["src/index.ts"], contracts: { schemaVersion, telemetryContract: "t1" }, featureFlags: { release: i } }));
    await Bun.write(join(repo.path, "src", "index.ts"), `console.log('v${i}');\n`);
    await gitCommitAll(repo.path, `release ${i}`, 1_700_000_000 + i);
    const built = await runCli(["build", repo.path, "--key", key(), "--store", pristine, "--json"]);
    expect(built.exitCode).toBe(0);
    digests.push(built.json().artifact.digest.slice(7));
    const pinned = await runCli(["pin", `sha256:${digests[i]}`, "--env", "prod", "--key", key(), "--pins-dir", join(work.path, "pins"), "--store", pristine]);
    expect(pinned.exitCode).toBe(0);
  }
});
afterAll(async () => {
  await Promise.all([repo?.cleanup(), work?.cleanup()]);
});

/** A copy of the store with one edit made by hand. */
function tampered(name: string, sql: string, ...params: (string | number)[]): string {
  const path = join(work.path, `${name}.db`);
  copyFileSync(pristine, path);
  const db = new Database(path);
  db.query(sql).run(...params);
  db.close();
  return path;
}

describe("columns edited behind bunseal's back", () => {
  test("untouched, the record verifies", async () => {
    const traced = await runCli(["trace", `sha256:${digests[0]}`, "--store", pristine, "--json"]);
    expect(traced.json().matches[0].verifies).toBe(true);
  });

  for (const [column, value, field] of [
    ["source_commit", "deadbeef".repeat(5), "commit"],
    ["service", "forged", "service"],
    ["bun_version", "0.0.1", "bunVersion"],
    ["schema_version", "9", "schemaVersion"],
    ["feature_flags", JSON.stringify({ release: 99 }), "featureFlags"],
    ["built_at", "2020-01-01T00:00:00.000Z", "builtAt"],
  ] as const) {
    test(`${column}: trace says it does not verify, and which fact the store changed`, async () => {
      const store = tampered(column, `UPDATE artifacts SET ${column} = ? WHERE digest = ?`, value, digests[0]!);
      const traced = await runCli(["trace", `sha256:${digests[0]}`, "--store", store, "--json"]);
      expect(traced.exitCode).toBe(0);
      const match = traced.json().matches[0];
      expect(match.verifies).toBe(false);
      expect(match.verifyFailures.join("\n")).toContain(`STORE_RECORD_MISMATCH: ${field}`);
      const human = await runCli(["trace", `sha256:${digests[0]}`, "--store", store]);
      expect(human.stdout).toMatch(/verifies {5}NO \(under the signer the store recorded\): STORE_RECORD_MISMATCH/);
    });
  }

  test("a file row pointed at another digest: trace by that digest finds the record, not verifying", async () => {
    const forged = "ab".repeat(32);
    const store = tampered("file", "UPDATE artifact_files SET file_digest = ? WHERE artifact_digest = ?", forged, digests[0]!);
    const traced = await runCli(["trace", `sha256:${forged}`, "--store", store, "--json"]);
    expect(traced.exitCode).toBe(0);
    expect(traced.json().matches[0].verifies).toBe(false);
    expect(traced.json().matches[0].verifyFailures.join("\n")).toContain("STORE_RECORD_MISMATCH: files");
  });

  test("pin refuses a record whose service column was changed (it would sign a pin for the wrong service)", async () => {
    const store = tampered("pin-service", "UPDATE artifacts SET service = ? WHERE digest = ?", "payments", digests[0]!);
    const pinned = await runCli(["pin", `sha256:${digests[0]}`, "--env", "staging", "--key", key(), "--pins-dir", join(work.path, "pins-pin"), "--store", store]);
    expect(pinned.exitCode).toBe(1);
    expect(pinned.stderr).toContain("STORE_RECORD_MISMATCH");
  });

  test("rollback does not cross a schema contract because a column says it would not", async () => {
    // honestly: rolling back from contract 2 to contract 1 is refused
    const honest = await runCli(["rollback", "--env", "prod", "--key", key(), "--pins-dir", join(work.path, "pins-honest"), "--store", pristine, "--json"]);
    expect(honest.json().error.code).toBe("ROLLBACK_REFUSED");
    // with the target's column edited to match the current contract, it must still not go through
    const store = tampered("rollback", "UPDATE artifacts SET schema_version = ? WHERE digest = ?", "2", digests[0]!);
    const forged = await runCli(["rollback", "--env", "prod", "--key", key(), "--pins-dir", join(work.path, "pins-forged"), "--store", store, "--json"]);
    expect(forged.exitCode).not.toBe(0);
    expect(JSON.stringify(forged.json())).toContain("STORE_RECORD_MISMATCH");
    // nor with the current one's edited instead, even for a plan only (--dry-run)
    const current = tampered("rollback-current", "UPDATE artifacts SET schema_version = ? WHERE digest = ?", "1", digests[1]!);
    const dry = await runCli(["rollback", "--env", "prod", "--dry-run", "--key", key(), "--store", current, "--json"]);
    expect(dry.exitCode).toBe(1);
    expect(dry.json().error.code).toBe("ROLLBACK_REFUSED");
    expect(dry.json().error.message).toContain("STORE_RECORD_MISMATCH: schemaVersion");
  });

  test("the signer's key id column: trace says the row names another key than the one that signed", async () => {
    const store = tampered("signer", "UPDATE artifacts SET signer_key_id = ? WHERE digest = ?", "0".repeat(64), digests[0]!);
    const traced = await runCli(["trace", `sha256:${digests[0]}`, "--store", store, "--json"]);
    expect(traced.json().matches[0].verifies).toBe(false);
    expect(traced.json().matches[0].verifyFailures.join("\n")).toContain("STORE_RECORD_MISMATCH: signer");
  });
});

describe("trace against the responder's own trust", () => {
  test("--key: the record verifies under the release key, and not under another", async () => {
    const ours = await runCli(["trace", `sha256:${digests[0]}`, "--key", join(work.path, "bunseal.pub"), "--store", pristine, "--json"]);
    expect(ours.exitCode).toBe(0);
    expect(ours.json().matches[0].verifies).toBe(true);
    expect(ours.json().trust).toBe("given");
    const other = await makeTempDir("bunseal-trace-other-key-");
    try {
      await runCli(["keygen", "--out", other.path]);
      const theirs = await runCli(["trace", `sha256:${digests[0]}`, "--key", join(other.path, "bunseal.pub"), "--store", pristine, "--json"]);
      expect(theirs.exitCode).toBe(0);
      expect(theirs.json().matches[0].verifies).toBe(false);
      expect(theirs.json().matches[0].verifyFailures.join("\n")).toContain("SIGNATURE_INVALID");
      const human = await runCli(["trace", `sha256:${digests[0]}`, "--key", join(other.path, "bunseal.pub"), "--store", pristine]);
      expect(human.stdout).toMatch(/verifies {5}NO \(under the given trust\): SIGNATURE_INVALID/);
    } finally {
      await other.cleanup();
    }
  });

  test("without trust flags, the store's own signer is what it verifies under, and it says so", async () => {
    const traced = await runCli(["trace", `sha256:${digests[0]}`, "--store", pristine, "--json"]);
    expect(traced.json().trust).toBe("stored-signer");
    const human = await runCli(["trace", `sha256:${digests[0]}`, "--store", pristine]);
    expect(human.stdout).toMatch(/verifies {5}yes \(under the signer the store recorded\)/);
  });

  test("the trust flags' usage rules are verify's", async () => {
    const issuerAlone = await runCli(["trace", `sha256:${digests[0]}`, "--certificate-oidc-issuer", "https://issuer.example", "--store", pristine, "--json"]);
    expect(issuerAlone.exitCode).toBe(2);
    expect(issuerAlone.json().error.code).toBe("USAGE");
  });
});

describe("a signer column that no longer parses", () => {
  test("trace still shows the record, not verifying, with the reason (it used to fail the whole trace)", async () => {
    const store = tampered("bad-key", "UPDATE artifacts SET signer_public_key = ? WHERE digest = ?", "not a PEM key", digests[0]!);
    const traced = await runCli(["trace", `sha256:${digests[0]}`, "--store", store, "--json"]);
    expect(traced.exitCode).toBe(0);
    expect(traced.json().matches[0].verifies).toBe(false);
    expect(traced.json().matches[0].verifyFailures.join("\n")).toContain("STORE_RECORD_MISMATCH: signer");
  });

  test("rollback refuses when the current record does not verify at all, rather than trust its contract column", async () => {
    // the current release's key column broken and its contract column edited to match the target's
    const store = tampered("rollback-unverifiable", "UPDATE artifacts SET signer_public_key = 'not a PEM key', schema_version = '1' WHERE digest = ?", digests[1]!);
    const dry = await runCli(["rollback", "--env", "prod", "--dry-run", "--key", key(), "--store", store, "--json"]);
    expect(dry.exitCode).toBe(1);
    expect(dry.json().error.code).toBe("ROLLBACK_REFUSED");
  });
});
