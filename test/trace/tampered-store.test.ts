/**
 * The store is a cache of verified facts, not a source of trust: a row edited
 * behind bunseal's back (a bundle that no longer parses, or one whose payload
 * was changed) must still be traceable, shown as not verifying with the reason,
 * and never pinned. Seen before: a malformed stored bundle made `trace` fail
 * with BUNDLE_INVALID (exit 2), so the responder saw no record at all.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { gitRepo, type GitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(120_000);

let repo: GitRepo;
let work: TestDir;
let store: string;
let digest: string;

beforeAll(async () => {
  [repo, work] = await Promise.all([
    gitRepo({ ".gitignore": ".bunseal/\n", "package.json": JSON.stringify({ name: "tampered", private: true }), "bunseal.json": JSON.stringify({ service: "tampered", entrypoints: ["src/index.ts"] }), "src/index.ts": "console.log('stored');\n" }),
    makeTempDir("bunseal-trace-tampered-"),
  ]);
  store = join(work.path, "store.db");
  await runCli(["keygen", "--out", work.path]);
  const built = await runCli(["build", repo.path, "--key", join(work.path, "bunseal.key"), "--store", store, "--json"]);
  expect(built.exitCode).toBe(0);
  digest = built.json().artifact.digest.slice(7);
});
afterAll(async () => {
  await Promise.all([repo?.cleanup(), work?.cleanup()]);
});

function setBundle(change: (bundle: string) => string): void {
  const db = new Database(store);
  const row = db.query("SELECT bundle FROM artifact_bundles WHERE digest = ?").get(digest) as { bundle: string };
  db.query("UPDATE artifact_bundles SET bundle = ? WHERE digest = ?").run(change(row.bundle), digest);
  db.close();
}

test("a stored bundle that no longer parses: trace shows the record, not verifying, with the reason; pin refuses it", async () => {
  setBundle((b) => b.slice(0, b.length / 2));
  const traced = await runCli(["trace", `sha256:${digest}`, "--store", store, "--json"]);
  expect(traced.exitCode).toBe(0);
  const match = traced.json().matches[0];
  expect(match.artifact.digest).toBe(digest);
  expect(match.verifies).toBe(false);
  expect(match.verifyFailures.join("\n")).toContain("BUNDLE_INVALID");
  const human = await runCli(["trace", `sha256:${digest}`, "--store", store]);
  expect(human.stdout).toMatch(/verifies {5}NO \(under the signer the store recorded\): BUNDLE_INVALID/);
  const pinned = await runCli(["pin", `sha256:${digest}`, "--env", "prod", "--key", join(work.path, "bunseal.key"), "--pins-dir", join(work.path, "pins"), "--store", store]);
  expect(pinned.exitCode).toBe(1);
  expect(pinned.stderr).toContain("BUNDLE_INVALID");
});
