/**
 * A keyless identity vouches for any predicate it signs: the CI identity that
 * signs a build's provenance can also sign a verification summary (VSA) about
 * the same artifact. Put such a bundle in place of a stored record's bundle,
 * and before this test the row "still verified": the signature, the subject and
 * the identity all hold. A record must rest on its build provenance.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { exampleServiceRepo } from "../helpers/example-service.ts";
import type { GitRepo } from "../helpers/git.ts";
import { startLocalSigstore, type LocalSigstore } from "../helpers/local-sigstore.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(120_000);

let sigstore: LocalSigstore;
let work: TestDir;
let repo: GitRepo;
beforeAll(async () => {
  [sigstore, work, repo] = await Promise.all([startLocalSigstore(), makeTempDir("bunseal-swapped-"), exampleServiceRepo()]);
});
afterAll(async () => {
  await Promise.all([sigstore?.stop(), work?.cleanup(), repo?.cleanup()]);
});

test("a record whose bundle was swapped for the same identity's signed summary does not verify", async () => {
  const env = { SIGSTORE_ID_TOKEN: sigstore.token(), ACTIONS_ID_TOKEN_REQUEST_URL: "", ACTIONS_ID_TOKEN_REQUEST_TOKEN: "" };
  const identity = ["--certificate-identity", sigstore.identity, "--certificate-oidc-issuer", sigstore.issuer, "--trusted-root", sigstore.trustedRootPath];
  const store = join(work.path, "store.db");
  const built = await runCli(["build", repo.path, "--keyless", "--fulcio-url", sigstore.fulcioUrl, "--rekor-url", sigstore.rekorUrl, "--store", store, ...identity, "--out", join(work.path, "out"), "--json"], { env });
  expect(built.exitCode, built.stderr).toBe(0);
  const digest = built.json().artifact.digest.slice(7);
  // the same identity signs a verification summary of that artifact
  const vsa = join(work.path, "summary.sigstore.json");
  const summarised = await runCli(["verify", built.json().artifact.path, ...identity, "--vsa", vsa, "--vsa-keyless", "--fulcio-url", sigstore.fulcioUrl, "--rekor-url", sigstore.rekorUrl, "--json"], { env });
  expect(summarised.exitCode, summarised.stderr).toBe(0);
  expect((await runCli(["trace", `sha256:${digest}`, "--store", store, "--json"])).json().matches[0].verifies).toBe(true);

  const db = new Database(store);
  db.query("UPDATE artifact_bundles SET bundle = ? WHERE digest = ?").run(await Bun.file(vsa).text(), digest);
  db.close();
  const traced = await runCli(["trace", `sha256:${digest}`, "--store", store, "--json"]);
  expect(traced.exitCode).toBe(0);
  const match = traced.json().matches[0];
  expect(match.verifies).toBe(false);
  expect(match.verifyFailures.join("\n")).toContain("STORE_RECORD_MISMATCH");
  expect(match.verifyFailures.join("\n")).toContain("no build provenance");
});
