/**
 * Keyless everywhere, for rebuild: the nightly "does the release still
 * rebuild?" job trusts a keyless release by its workflow identity, as verify
 * does (--certificate-identity[-regexp] with --certificate-oidc-issuer,
 * --trusted-root, or --policy), and so does `rollback --rebuild`. Real keyless
 * bundles from @sigstore/mock's Fulcio and Rekor on loopback, real rebuilds.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { exampleServiceRepo } from "../helpers/example-service.ts";
import { measureEachAgainstEach } from "../helpers/measurements.ts";
import { gitCommitAll, type GitRepo } from "../helpers/git.ts";
import { startLocalSigstore, type LocalSigstore } from "../helpers/local-sigstore.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(180_000);

let sigstore: LocalSigstore;
let repo: GitRepo;
let work: TestDir;
let policy: string;
const built: { digest: string; bundle: string }[] = [];
const store = () => `sqlite:${join(work.path, "store.db")}`;
const key = () => join(work.path, "keys", "bunseal.key");

const root = () => ["--trusted-root", sigstore.trustedRootPath];
const rightIdentity = () => ["--certificate-identity", sigstore.identity, "--certificate-oidc-issuer", sigstore.issuer, ...root()];
const wrongIdentity = () => ["--certificate-identity-regexp", "https://github\\.com/attacker/.*", "--certificate-oidc-issuer", sigstore.issuer, ...root()];
const wrongIssuer = () => ["--certificate-identity", sigstore.identity, "--certificate-oidc-issuer", "https://accounts.google.com", ...root()];

beforeAll(async () => {
  [sigstore, repo, work] = await Promise.all([startLocalSigstore(), exampleServiceRepo(), makeTempDir("bunseal-keyless-rebuild-")]);
  await runCli(["keygen", "--out", join(work.path, "keys")]);
  policy = join(work.path, "policy.json");
  await Bun.write(policy, JSON.stringify({ signers: [{ identity: sigstore.identity, issuer: sigstore.issuer }] }));
  const env = { SIGSTORE_ID_TOKEN: sigstore.token(), ACTIONS_ID_TOKEN_REQUEST_URL: "", ACTIONS_ID_TOKEN_REQUEST_TOKEN: "" };
  for (const i of [0, 1]) {
    if (i > 0) {
      const config = await Bun.file(join(repo.path, "bunseal.json")).json();
      await Bun.write(join(repo.path, "bunseal.json"), JSON.stringify({ ...config, featureFlags: { ...config.featureFlags, release: i } }));
      await gitCommitAll(repo.path, `release ${i}`, 1_700_000_000 + i * 1000);
    }
    const out = await runCli(["build", repo.path, "--keyless", "--fulcio-url", sigstore.fulcioUrl, "--rekor-url", sigstore.rekorUrl, "--store", store(), ...root(), "--out", join(work.path, `out-${i}`), "--json"], { env });
    expect(out.exitCode, out.stdout + out.stderr).toBe(0);
    built.push({ digest: out.json().artifact.digest, bundle: out.json().bundle.path });
  }
  // the example service has run, so its pins and rollbacks are held to its budgets: both releases measured each
  // against the other, so the gate passes and what is tested is the rebuild's keyless trust
  await measureEachAgainstEach(store(), key(), "example-service", built.map((b, i) => ({ name: `release-${i}`, digest: b.digest.slice(7) })));
});
afterAll(async () => {
  await Promise.all([sigstore?.stop(), repo?.cleanup(), work?.cleanup()]);
});

const rebuild = (bundle: string, flags: string[]) => runCli(["rebuild", bundle, "--max-experiments", "0", ...flags, "--json"]);

describe("rebuild of a keyless bundle", () => {
  test("reproduces it, trusted by its identity and issuer", async () => {
    const out = await rebuild(built[0]!.bundle, rightIdentity());
    expect(out.exitCode, out.stdout + out.stderr).toBe(0);
    expect(out.json()).toMatchObject({ reproducible: true, artifact: { recorded: built[0]!.digest } });
  });

  test("reproduces it, trusted by a --policy naming its identity", async () => {
    const out = await rebuild(built[0]!.bundle, ["--policy", policy, ...root()]);
    expect(out.exitCode, out.stdout + out.stderr).toBe(0);
    expect(out.json().reproducible).toBe(true);
  });

  test("refuses to rebuild it under another identity, or another issuer: exit 1, VERIFY_FAILED naming the mismatch", async () => {
    for (const flags of [wrongIdentity(), wrongIssuer()]) {
      const out = await rebuild(built[0]!.bundle, flags);
      expect(out.exitCode).toBe(1);
      expect(out.json().error.code).toBe("VERIFY_FAILED");
      expect(out.json().error.message).toStartWith("the bundle does not verify, so there is nothing trustworthy to rebuild:\n  IDENTITY_MISMATCH: ");
    }
  });

  test("usage: an identity without an issuer, a public --key with an identity, or no trust at all exit 2", async () => {
    const noIssuer = await rebuild(built[0]!.bundle, ["--certificate-identity", sigstore.identity, ...root()]);
    expect(noIssuer.exitCode).toBe(2);
    expect(noIssuer.json().error).toMatchObject({ code: "USAGE", field: "--certificate-oidc-issuer" });
    const both = await rebuild(built[0]!.bundle, ["--key", join(work.path, "keys", "bunseal.pub"), ...rightIdentity()]);
    expect(both.exitCode).toBe(2);
    expect(both.json().error.message).toBe("expected either --key (key mode) or --certificate-identity (keyless), not both");
    const none = await rebuild(built[0]!.bundle, []);
    expect(none.exitCode).toBe(2);
    expect(none.json().error).toMatchObject({ code: "USAGE", field: "--key" });
    // a private --key signs the rebuild attestation; it is no trust anchor for the original
    const signerOnly = await rebuild(built[0]!.bundle, ["--key", key()]);
    expect(signerOnly.exitCode).toBe(2);
  });
});

describe("rollback --rebuild to a keyless artifact", () => {
  test("rebuilds the target under the identity given before pinning it; refuses under another", async () => {
    for (const b of built) {
      const out = await runCli(["pin", b.digest, "--env", "prod", "--key", key(), "--pins-dir", join(work.path, "pins"), "--store", store(), "--json"]);
      expect(out.exitCode, out.stdout + out.stderr).toBe(0);
    }
    const refused = await runCli(["rollback", "--env", "prod", "--rebuild", "--key", key(), "--pins-dir", join(work.path, "pins"), ...wrongIssuer(), "--store", store(), "--json"]);
    expect(refused.exitCode).toBe(1);
    expect(refused.json().error.code).toBe("VERIFY_FAILED");
    const out = await runCli(["rollback", "--env", "prod", "--rebuild", "--key", key(), "--pins-dir", join(work.path, "pins"), ...rightIdentity(), "--store", store(), "--json"]);
    expect(out.exitCode, out.stdout + out.stderr).toBe(0);
    expect(out.json()).toMatchObject({ rebuilt: true, applied: { sequence: 3, digest: built[0]!.digest.slice(7), rollbackOf: 2 } });
  });
});
