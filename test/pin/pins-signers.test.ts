/**
 * Issue 20, What 5, for pins: `pins --key PUB… --signers FILE` names the key
 * whose signature each row carries, and only a signature it checked: without
 * --key there is none to name (USAGE), and a key the file does not name is
 * shown by its id alone. And verify's GitHub job summary names the signer
 * with --signers, as its text does. The real CLI, real keys, a real SQLite store.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { exampleServiceRepo } from "../helpers/example-service.ts";
import { measureEachAgainstEach } from "../helpers/measurements.ts";
import type { GitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(120_000);

let work: TestDir;
let repo: GitRepo;
let store: string;
let signers: string;
let artifactPath: string;
const keys: Record<"release" | "oncall", { dir: string; keyId: string }> = {} as never;
const key = (who: keyof typeof keys) => join(keys[who].dir, "bunseal.key");
const pub = (who: keyof typeof keys) => join(keys[who].dir, "bunseal.pub");

beforeAll(async () => {
  [work, repo] = await Promise.all([makeTempDir("bunseal-pins-signers-"), exampleServiceRepo()]);
  store = `sqlite:${join(work.path, "store.db")}`;
  for (const who of ["release", "oncall"] as const) {
    const dir = join(work.path, who);
    const made = await runCli(["keygen", "--out", dir, "--json"]);
    expect(made.exitCode).toBe(0);
    keys[who] = { dir, keyId: made.json().keyId };
  }
  const built = await runCli(["build", repo.path, "--key", key("release"), "--out", join(work.path, "out"), "--store", store, "--json"]);
  expect(built.exitCode).toBe(0);
  const digest = built.json().artifact.digest as string;
  artifactPath = built.json().artifact.path;
  // the example service has run, so its pins are held to its budgets: measured first, as measure --store would
  await measureEachAgainstEach(store, key("release"), "example-service", [{ name: "example", digest: digest.slice(7) }]);
  // prod pinned by the release key, staging by on-call's
  for (const [env, who] of [["prod", "release"], ["staging", "oncall"]] as const) {
    expect((await runCli(["pin", digest, "--env", env, "--key", key(who), "--pins-dir", join(work.path, "pins"), "--store", store])).exitCode).toBe(0);
  }
  signers = join(work.path, "signers.json");
  // only the release key is named: on-call's is shown by its id
  await Bun.write(signers, JSON.stringify({ signers: [{ name: "Release CI", keyId: keys.release.keyId }] }));
});
afterAll(async () => {
  await Promise.all([repo?.cleanup(), work?.cleanup()]);
});

test("pins --key --signers names the key that signed each row (--json signerKeyId and signerName, and text)", async () => {
  const out = await runCli(["pins", "--key", pub("release"), "--key", pub("oncall"), "--signers", signers, "--store", store, "--json"]);
  expect(out.exitCode).toBe(0);
  const byEnv = new Map((out.json().pins as { env: string }[]).map((p) => [p.env, p]));
  expect(byEnv.get("prod")).toMatchObject({ signerKeyId: keys.release.keyId, signerName: "Release CI" });
  expect(byEnv.get("staging")).toMatchObject({ signerKeyId: keys.oncall.keyId, signerName: null });
  const text = await runCli(["pins", "--key", pub("release"), "--key", pub("oncall"), "--signers", signers, "--store", store]);
  expect(text.exitCode).toBe(0);
  expect(text.stdout).toMatch(new RegExp(`prod .*signed by Release CI: key ${keys.release.keyId.slice(0, 12)}`));
  expect(text.stdout).toMatch(new RegExp(`staging .*signed by key ${keys.oncall.keyId.slice(0, 12)}`));
});

test("pins --signers without --key is refused: no signature was checked, so there is no signer to name", async () => {
  const out = await runCli(["pins", "--signers", signers, "--store", store, "--json"]);
  expect(out.exitCode).toBe(2);
  expect(out.json().error).toMatchObject({ code: "USAGE", field: "--signers" });
  expect(out.json().error.message).toContain("expected --key PUB too");
  // without --signers, no key: rows are listed and say no signer (null), as before
  const plain = await runCli(["pins", "--store", store, "--json"]);
  expect(plain.exitCode).toBe(0);
  expect((plain.json().pins as { signerKeyId: string | null }[]).map((p) => p.signerKeyId)).toEqual([null, null]);
  expect(plain.json().pins[0]).not.toHaveProperty("signerName");
});

test("pins --signers with a broken signers file is CONFIG_INVALID, exit 2", async () => {
  const broken = join(work.path, "broken.json");
  await Bun.write(broken, JSON.stringify({ signers: [{ name: "", keyId: keys.release.keyId }] }));
  const out = await runCli(["pins", "--key", pub("release"), "--key", pub("oncall"), "--signers", broken, "--store", store, "--json"]);
  expect(out.exitCode).toBe(2);
  expect(out.json().error.code).toBe("CONFIG_INVALID");
});

test("verify --signers on GitHub Actions names the verified signer in the job summary; unnamed or failed, no name", async () => {
  const summary = join(work.path, "verify-summary.md");
  writeFileSync(summary, "");
  const env = { GITHUB_ACTIONS: "true", GITHUB_STEP_SUMMARY: summary, GITHUB_OUTPUT: join(work.path, "github-output") };
  const ok = await runCli(["verify", artifactPath, "--key", pub("release"), "--signers", signers], { env });
  expect(ok.exitCode).toBe(0);
  expect(readFileSync(summary, "utf8")).toContain("verified<br>signed by: Release CI");
  writeFileSync(summary, "");
  // the file names the release key, but the bundle does not verify under on-call's: nothing is named
  const failed = await runCli(["verify", artifactPath, "--key", pub("oncall"), "--signers", signers], { env });
  expect(failed.exitCode).toBe(1);
  expect(readFileSync(summary, "utf8")).toContain("SIGNATURE_INVALID");
  expect(readFileSync(summary, "utf8")).not.toContain("Release CI");
});
