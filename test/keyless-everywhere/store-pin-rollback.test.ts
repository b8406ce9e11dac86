/**
 * Keyless everywhere (issue 11, item 3): what CI produces — a keyless bundle,
 * signed against Fulcio and Rekor (here @sigstore/mock's, on loopback) — can be
 * stored, pinned, checked as a pin and rolled back to, each trusting it through
 * verify's own flags (--certificate-identity[-regexp], --certificate-oidc-issuer,
 * --trusted-root, --policy). The real CLI against both store backends.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { runCli, type CliResult } from "../helpers/cli.ts";
import { exampleServiceRepo } from "../helpers/example-service.ts";
import { measureEachAgainstEach } from "../helpers/measurements.ts";
import { gitCommitAll, type GitRepo } from "../helpers/git.ts";
import { startLocalSigstore, type LocalSigstore } from "../helpers/local-sigstore.ts";
import { STORE_BACKENDS } from "../helpers/store-backends.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(120_000);

let sigstore: LocalSigstore;
beforeAll(async () => {
  sigstore = await startLocalSigstore();
});
afterAll(async () => {
  await sigstore?.stop();
});

/** No token source leaks in from the machine running the tests (a CI job may have its own). */
const tokenEnv = () => ({ SIGSTORE_ID_TOKEN: sigstore.token(), ACTIONS_ID_TOKEN_REQUEST_URL: "", ACTIONS_ID_TOKEN_REQUEST_TOKEN: "" });
const services = () => ["--keyless", "--fulcio-url", sigstore.fulcioUrl, "--rekor-url", sigstore.rekorUrl];
const root = () => ["--trusted-root", sigstore.trustedRootPath];
const rightIdentity = () => ["--certificate-identity", sigstore.identity, "--certificate-oidc-issuer", sigstore.issuer, ...root()];
const wrongIdentity = () => ["--certificate-identity", "https://github.com/attacker/fork/.github/workflows/release.yml@refs/heads/main", "--certificate-oidc-issuer", sigstore.issuer, ...root()];
const wrongIssuer = () => ["--certificate-identity", sigstore.identity, "--certificate-oidc-issuer", "https://accounts.google.com", ...root()];
const identityWithoutIssuer = () => ["--certificate-identity", sigstore.identity, ...root()];
const keyless = () => ({ kind: "keyless", identity: sigstore.identity, issuer: sigstore.issuer });

function codes(out: CliResult): string {
  return out.stdout + out.stderr;
}

describe.each(STORE_BACKENDS)("keyless bundles with the %s store", (_name, makeStore) => {
  let work: TestDir;
  let repo: GitRepo;
  let store: string;
  let policy: string;
  let otherPolicy: string;
  const builds: { digest: string; bundle: string; json: any }[] = [];
  const key = () => join(work.path, "keys", "bunseal.key");
  const pub = () => join(work.path, "keys", "bunseal.pub");
  const pinsDir = () => join(work.path, "pins");
  const cli = (args: string[], into = store) => runCli([...args, "--store", into, "--json"]);

  beforeAll(async () => {
    [work, repo] = await Promise.all([makeTempDir("bunseal-keyless-"), exampleServiceRepo()]);
    store = await makeStore(join(work.path, "main"));
    await runCli(["keygen", "--out", join(work.path, "keys")]);
    policy = join(work.path, "policy.json");
    await Bun.write(policy, JSON.stringify({ signers: [{ identityRegexp: "https://github\\.com/bunseal/example-service/.*", issuer: sigstore.issuer }] }));
    otherPolicy = join(work.path, "other-policy.json");
    await Bun.write(otherPolicy, JSON.stringify({ signers: [{ identity: sigstore.identity, issuer: "https://gitlab.com" }] }));
    // two releases, each built keyless and recorded by build --store: the first as signed (no identity named),
    // the second against the identity it must carry
    for (const [i, trust] of [root(), rightIdentity()].entries()) {
      if (i > 0) {
        const config = await Bun.file(join(repo.path, "bunseal.json")).json();
        await Bun.write(join(repo.path, "bunseal.json"), JSON.stringify({ ...config, featureFlags: { ...config.featureFlags, release: i } }));
        await gitCommitAll(repo.path, `release ${i}`, 1_700_000_000 + i * 1000);
      }
      const out = await runCli(["build", repo.path, ...services(), "--store", store, ...trust, "--out", join(work.path, `out-${i}`), "--json"], { env: tokenEnv() });
      expect(out.exitCode, codes(out)).toBe(0);
      builds.push({ digest: out.json().artifact.digest, bundle: out.json().bundle.path, json: out.json() });
    }
    expect(builds[0]!.digest).not.toBe(builds[1]!.digest);
    // the example service has run, so its pins and rollbacks are held to its budgets: each release is measured
    // (key-signed, as measure --store signs) against each other one, so the gate passes and the keyless trust is what is tested
    await measureEachAgainstEach(store, key(), "example-service", builds.map((b, i) => ({ name: `release-${i}`, digest: b.digest.slice(7) })));
  });
  afterAll(async () => {
    await Promise.all([repo?.cleanup(), work?.cleanup()]);
  });

  test("build --keyless --store records the signer identity, and trace shows it (JSON and human)", async () => {
    for (const b of builds) expect(b.json.store).toMatchObject({ signer: keyless() });
    const traced = await cli(["trace", builds[0]!.digest]);
    expect(traced.exitCode, codes(traced)).toBe(0);
    const match = traced.json().matches[0];
    expect(match.artifact.signer).toEqual(keyless());
    expect(match.artifact.signerKeyId).toBeNull();
    // verified again from the store alone: the recorded identity, under the recorded trusted root
    expect(match.verifies).toBe(true);
    expect(match.verifyFailures).toEqual([]);
    const human = await runCli(["trace", builds[1]!.digest, "--store", store]);
    expect(human.exitCode).toBe(0);
    expect(human.stdout).toContain(`signed by    ${sigstore.identity} (keyless, issuer ${sigstore.issuer})`);
    expect(human.stdout).toContain("verifies     yes");
  });

  test("build --keyless --store refuses to record a bundle that does not carry the named identity, and keeps nothing", async () => {
    const out = await runCli(["build", repo.path, ...services(), "--store", store, ...wrongIdentity(), "--out", join(work.path, "out-wrong"), "--json"], { env: tokenEnv() });
    expect(out.exitCode).toBe(1);
    expect(out.json().error.code).toBe("VERIFY_FAILED");
    expect(out.json().error.message).toContain("IDENTITY_MISMATCH");
    expect([...new Bun.Glob("*").scanSync(join(work.path, "out-wrong"))]).toEqual([]);
  });

  test("build: an identity without an issuer, or trust flags without --store, are usage errors before anything is built", async () => {
    const noIssuer = await runCli(["build", repo.path, ...services(), "--store", store, ...identityWithoutIssuer(), "--out", join(work.path, "out-usage"), "--json"], { env: tokenEnv() });
    expect(noIssuer.exitCode).toBe(2);
    expect(noIssuer.json().error).toMatchObject({ code: "USAGE", field: "--certificate-oidc-issuer" });
    const noStore = await runCli(["build", repo.path, ...services(), ...rightIdentity(), "--out", join(work.path, "out-usage"), "--json"], { env: tokenEnv() });
    expect(noStore.exitCode).toBe(2);
    expect(noStore.json().error).toMatchObject({ code: "USAGE", field: "--certificate-identity" });
    const withKey = await runCli(["build", repo.path, "--key", key(), "--store", store, ...rightIdentity(), "--out", join(work.path, "out-usage"), "--json"]);
    expect(withKey.exitCode).toBe(2);
    expect(withKey.json().error).toMatchObject({ code: "USAGE", message: "--certificate-identity applies to keyless signing only; expected --keyless with it" });
    expect(existsSync(join(work.path, "out-usage"))).toBe(false);
  });

  describe("store import", () => {
    let into: string;
    beforeAll(async () => {
      into = await makeStore(join(work.path, "import"));
    });

    test("refuses a keyless bundle signed by another identity, or vouched for by another issuer (exit 1), storing nothing", async () => {
      for (const flags of [wrongIdentity(), wrongIssuer()]) {
        const out = await cli(["store", "import", builds[0]!.bundle, ...flags], into);
        expect(out.exitCode).toBe(1);
        expect(out.json().results).toMatchObject([{ bundle: builds[0]!.bundle, imported: false }]);
        expect(out.json().results[0].failures.join("\n")).toContain("IDENTITY_MISMATCH");
      }
      const human = await runCli(["store", "import", builds[0]!.bundle, ...wrongIssuer(), "--store", into]);
      expect(human.stdout).toStartWith(`REFUSED ${builds[0]!.bundle}: IDENTITY_MISMATCH`);
      expect((await cli(["trace", builds[0]!.digest], into)).json().error.code).toBe("NOT_FOUND");
    });

    test("usage: an identity without an issuer, an issuer alone, or --policy with an identity exit 2", async () => {
      const noIssuer = await cli(["store", "import", builds[0]!.bundle, ...identityWithoutIssuer()], into);
      expect(noIssuer.exitCode).toBe(2);
      expect(noIssuer.json().error).toEqual({ code: "USAGE", message: "keyless verification needs --certificate-oidc-issuer URL: an identity is only as good as the issuer that vouched for it", field: "--certificate-oidc-issuer", expected: "an OIDC issuer URL" });
      const issuerAlone = await cli(["store", "import", builds[0]!.bundle, "--certificate-oidc-issuer", sigstore.issuer], into);
      expect(issuerAlone.exitCode).toBe(2);
      expect(issuerAlone.json().error.message).toBe("--certificate-oidc-issuer applies to keyless verification; expected --certificate-identity (or -regexp) with it");
      const both = await cli(["store", "import", builds[0]!.bundle, "--policy", policy, ...rightIdentity()], into);
      expect(both.exitCode).toBe(2);
      expect(both.json().error.message).toBe("--policy names the trusted signers; expected no --key or --certificate-identity with it");
      const nothing = await cli(["store", "import", builds[0]!.bundle], into);
      expect(nothing.exitCode).toBe(2);
      expect(nothing.json().error.code).toBe("USAGE");
    });

    test("accepts a keyless bundle with the right identity and issuer, and records who signed it", async () => {
      const out = await cli(["store", "import", builds[0]!.bundle, ...rightIdentity()], into);
      expect(out.exitCode, codes(out)).toBe(0);
      expect(out.json().results).toMatchObject([{ imported: true, digest: builds[0]!.digest.slice(7), signer: keyless() }]);
      const traced = (await cli(["trace", builds[0]!.digest], into)).json().matches[0];
      expect(traced.artifact.signer).toEqual(keyless());
      expect(traced.verifies).toBe(true);
    });

    test("accepts a keyless bundle under a --policy naming its identity, and refuses one naming another issuer", async () => {
      const refused = await cli(["store", "import", builds[1]!.bundle, "--policy", otherPolicy, ...root()], into);
      expect(refused.exitCode).toBe(1);
      expect(refused.json().results[0].imported).toBe(false);
      const out = await cli(["store", "import", builds[1]!.bundle, "--policy", policy, ...root()], into);
      expect(out.exitCode, codes(out)).toBe(0);
      expect(out.json().results).toMatchObject([{ imported: true, signer: keyless() }]);
      expect((await cli(["trace", builds[1]!.digest], into)).json().matches[0]).toMatchObject({ verifies: true, artifact: { signer: keyless() } });
    });
  });

  describe("pin, pins verify, rollback", () => {
    const pinFile = () => join(pinsDir(), "example-service@prod.json");
    const pinCount = async () => (await cli(["pins", "--env", "prod"])).json().pins.length;

    test("pin refuses a keyless artifact under another identity or issuer (exit 1, PIN_REFUSED naming the mismatch), adding no pin", async () => {
      for (const flags of [wrongIdentity(), wrongIssuer()]) {
        const out = await cli(["pin", builds[0]!.digest, "--env", "prod", "--key", key(), "--pins-dir", pinsDir(), ...flags]);
        expect(out.exitCode).toBe(1);
        expect(out.json().error.code).toBe("PIN_REFUSED");
        expect(out.json().error.message).toContain("IDENTITY_MISMATCH");
      }
      const policyRefused = await cli(["pin", builds[0]!.digest, "--env", "prod", "--key", key(), "--pins-dir", pinsDir(), "--policy", otherPolicy, ...root()]);
      expect(policyRefused.exitCode).toBe(1);
      expect(policyRefused.json().error.code).toBe("PIN_REFUSED");
      expect(await pinCount()).toBe(0);
    });

    test("pin: usage errors exit 2 before anything is pinned", async () => {
      const noIssuer = await cli(["pin", builds[0]!.digest, "--env", "prod", "--key", key(), "--pins-dir", pinsDir(), ...identityWithoutIssuer()]);
      expect(noIssuer.exitCode).toBe(2);
      expect(noIssuer.json().error).toMatchObject({ code: "USAGE", field: "--certificate-oidc-issuer" });
      // a public --key and an identity: two kinds of trust anchor for one attestation
      const both = await cli(["pin", builds[0]!.digest, "--env", "prod", "--key", key(), "--key", pub(), "--pins-dir", pinsDir(), ...rightIdentity()]);
      expect(both.exitCode).toBe(2);
      expect(both.json().error.message).toBe("expected either --key (key mode) or --certificate-identity (keyless), not both");
      const rootAlone = await cli(["pin", builds[0]!.digest, "--env", "prod", "--key", key(), "--pins-dir", pinsDir(), ...root()]);
      expect(rootAlone.exitCode).toBe(2);
      expect(rootAlone.json().error.field).toBe("--trusted-root");
      expect(await pinCount()).toBe(0);
    });

    test("pin accepts a keyless artifact with the right identity and issuer, and with a --policy; the pin itself is key-signed", async () => {
      const first = await cli(["pin", builds[0]!.digest, "--env", "prod", "--key", key(), "--reason", "release 0", "--pins-dir", pinsDir(), ...rightIdentity()]);
      expect(first.exitCode, codes(first)).toBe(0);
      expect(first.json().pin).toMatchObject({ sequence: 1, digest: builds[0]!.digest.slice(7) });
      const second = await cli(["pin", builds[1]!.digest, "--env", "prod", "--key", key(), "--reason", "release 1", "--pins-dir", pinsDir(), "--policy", policy, ...root()]);
      expect(second.exitCode, codes(second)).toBe(0);
      expect(second.json().pin).toMatchObject({ sequence: 2, previousDigest: builds[0]!.digest.slice(7) });
      // with no trust flags, the signer the store recorded (its identity, under its trusted root)
      const staging = await cli(["pin", builds[1]!.digest, "--env", "staging", "--key", key(), "--pins-dir", pinsDir()]);
      expect(staging.exitCode, codes(staging)).toBe(0);
      const traced = (await cli(["trace", builds[1]!.digest])).json().matches[0];
      expect(traced.pins.map((p: { env: string }) => p.env).sort()).toEqual(["prod", "staging"]);
    });

    test("pins verify checks the pinned keyless artifact against the identity, issuer or policy given", async () => {
      const ok = await cli(["pins", "verify", pinFile(), "--key", pub(), ...rightIdentity()]);
      expect(ok.exitCode, codes(ok)).toBe(0);
      expect(ok.json()).toMatchObject({ verified: true, failures: [] });
      const byPolicy = await cli(["pins", "verify", pinFile(), "--key", pub(), "--policy", policy, ...root()]);
      expect(byPolicy.exitCode, codes(byPolicy)).toBe(0);
      const recorded = await cli(["pins", "verify", pinFile(), "--key", pub()]);
      expect(recorded.exitCode, codes(recorded)).toBe(0);
      for (const flags of [wrongIdentity(), wrongIssuer()]) {
        const out = await cli(["pins", "verify", pinFile(), "--key", pub(), ...flags]);
        expect(out.exitCode).toBe(1);
        expect(out.json().verified).toBe(false);
        expect(out.json().failures).toMatchObject([{ code: "IDENTITY_MISMATCH" }]);
        expect(out.json().failures[0].message).toStartWith("the pinned artifact's attestation: ");
      }
      const human = await runCli(["pins", "verify", pinFile(), "--key", pub(), ...wrongIssuer(), "--store", store]);
      expect(human.exitCode).toBe(1);
      expect(human.stdout).toContain("IDENTITY_MISMATCH: the pinned artifact's attestation");
      const noIssuer = await cli(["pins", "verify", pinFile(), "--key", pub(), ...identityWithoutIssuer()]);
      expect(noIssuer.exitCode).toBe(2);
      expect(noIssuer.json().error).toMatchObject({ code: "USAGE", field: "--certificate-oidc-issuer" });
    });

    test("rollback to a keyless artifact: refused under another identity or issuer (exit 1, no pin added), accepted with the right one and with a --policy", async () => {
      for (const flags of [wrongIdentity(), wrongIssuer()]) {
        const out = await cli(["rollback", "--env", "prod", "--key", key(), "--pins-dir", pinsDir(), ...flags]);
        expect(out.exitCode).toBe(1);
        expect(out.json().error.code).toBe("PIN_REFUSED");
        expect(out.json().error.message).toContain("IDENTITY_MISMATCH");
      }
      expect(await pinCount()).toBe(2);
      const noIssuer = await cli(["rollback", "--env", "prod", "--key", key(), "--pins-dir", pinsDir(), ...identityWithoutIssuer()]);
      expect(noIssuer.exitCode).toBe(2);
      expect(noIssuer.json().error).toMatchObject({ code: "USAGE", field: "--certificate-oidc-issuer" });

      const back = await cli(["rollback", "--env", "prod", "--key", key(), "--pins-dir", pinsDir(), ...rightIdentity()]);
      expect(back.exitCode, codes(back)).toBe(0);
      expect(back.json().applied).toMatchObject({ sequence: 3, digest: builds[0]!.digest.slice(7), rollbackOf: 2 });
      // builds[1] was rolled back from (by #3): a rollback pins it again only when told to, and why
      const unasked = await cli(["rollback", "--env", "prod", "--key", key(), "--pins-dir", pinsDir(), "--policy", policy, ...root()]);
      expect(unasked.json().error.code).toBe("ROLLBACK_REFUSED");
      const forth = await cli(["rollback", "--env", "prod", "--to", builds[1]!.digest, "--reason", "fixed upstream", "--key", key(), "--pins-dir", pinsDir(), "--policy", policy, ...root()]);
      expect(forth.exitCode, codes(forth)).toBe(0);
      expect(forth.json().applied).toMatchObject({ sequence: 4, digest: builds[1]!.digest.slice(7), rollbackOf: 3 });
      const refused = await cli(["rollback", "--env", "prod", "--to", builds[0]!.digest, "--reason", "again", "--key", key(), "--pins-dir", pinsDir(), "--policy", otherPolicy, ...root()]);
      expect(refused.exitCode).toBe(1);
      expect(await pinCount()).toBe(4);
    });
  });
});
