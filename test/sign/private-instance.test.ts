/**
 * Signing and verifying as GitHub's actions/attest-build-provenance does for a
 * private repository: a Fulcio certificate and an RFC 3161 timestamp, and no
 * transparency-log entry, since a private instance has no Rekor (its trusted
 * root lists a CA and a TSA, no log). Whether a bundle may lack a log entry is
 * read from the trusted root the verifier is given, never from a flag the
 * bundle's bearer could pass.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { exampleServiceRepo } from "../helpers/example-service.ts";
import type { GitRepo } from "../helpers/git.ts";
import { startLocalSigstore, type LocalSigstore } from "../helpers/local-sigstore.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

let repo: GitRepo;
let sigstore: LocalSigstore;
let other: LocalSigstore;
let dir: TestDir;
let privateRoot: string;
let foreignTsaRoot: string;
let built: { artifact: string; bundle: string; json: Record<string, any> };

const env = () => ({ SIGSTORE_ID_TOKEN: sigstore.token(), ACTIONS_ID_TOKEN_REQUEST_URL: "", ACTIONS_ID_TOKEN_REQUEST_TOKEN: "" });

beforeAll(async () => {
  [repo, sigstore, other, dir] = await Promise.all([exampleServiceRepo(), startLocalSigstore(), startLocalSigstore(), makeTempDir("bunseal-private-root-")]);
  const root = sigstore.trustedRoot as { tlogs: unknown[]; timestampAuthorities: unknown[] };
  // a private instance's root: the same CA and TSA, no transparency log
  privateRoot = join(dir.path, "private.json");
  await Bun.write(privateRoot, JSON.stringify({ ...root, tlogs: [] }));
  // the same, but trusting another instance's TSA only
  foreignTsaRoot = join(dir.path, "foreign-tsa.json");
  await Bun.write(foreignTsaRoot, JSON.stringify({ ...root, tlogs: [], timestampAuthorities: (other.trustedRoot as typeof root).timestampAuthorities }));
  // No --rekor-url: the default is the public Rekor, unreachable here, so a call to it would fail the build (REKOR_FAILED).
  const out = await runCli(["build", repo.path, "--keyless", "--fulcio-url", sigstore.fulcioUrl, "--tsa-url", sigstore.tsaUrl, "--no-tlog", "--json"], { env: env() });
  expect(out.exitCode, out.stdout + out.stderr).toBe(0);
  built = { artifact: out.json().artifact.path, bundle: out.json().bundle.path, json: out.json() };
}, 60_000);
afterAll(async () => {
  await Promise.all([repo?.cleanup(), sigstore?.stop(), other?.stop(), dir?.cleanup()]);
});

const verify = (root: string) => runCli(["verify", built.artifact, "--bundle", built.bundle, "--trusted-root", root, "--certificate-identity", sigstore.identity, "--certificate-oidc-issuer", sigstore.issuer, "--json"]);

test("build --keyless --no-tlog signs with Fulcio and the TSA only: no log entry, one timestamp, no Rekor named", async () => {
  expect(built.json.keyless).toMatchObject({ identity: sigstore.identity, fulcioUrl: sigstore.fulcioUrl, rekorUrl: null, tsaUrl: sigstore.tsaUrl, tlog: false });
  const bundle = await Bun.file(built.bundle).json();
  expect(bundle.verificationMaterial.tlogEntries ?? []).toEqual([]);
  expect(bundle.verificationMaterial.timestampVerificationData.rfc3161Timestamps).toHaveLength(1);
});

test("refuses --no-tlog without a TSA: the signature would carry no trusted time", async () => {
  const out = await runCli(["build", repo.path, "--keyless", "--fulcio-url", sigstore.fulcioUrl, "--no-tlog", "--json"], { env: env() });
  expect(out.exitCode).toBe(2);
  expect(out.json()).toMatchObject({ error: { code: "USAGE" } });
  expect(out.json().error.message).toContain("--no-tlog: expected --tsa-url with it");
});

test("refuses --no-tlog with a --rekor-url, which it would ignore", async () => {
  const out = await runCli(["build", repo.path, "--keyless", "--tsa-url", sigstore.tsaUrl, "--rekor-url", sigstore.rekorUrl, "--no-tlog", "--json"], { env: env() });
  expect(out.exitCode).toBe(2);
  expect(out.json().error).toMatchObject({ code: "USAGE", field: "--rekor-url" });
});

test("verifies a bundle with no log entry against a private instance's root (no log listed), on its TSA's timestamp", async () => {
  const out = await verify(privateRoot);
  expect(out.exitCode, out.stdout + out.stderr).toBe(0);
  expect(out.json()).toMatchObject({ verified: true, signer: { identity: sigstore.identity, issuer: sigstore.issuer } });
});

test("rejects a bundle with no log entry against a root that lists a log (a public instance's)", async () => {
  const out = await verify(sigstore.trustedRootPath);
  expect(out.exitCode).toBe(1);
  expect(out.json().failures).toMatchObject([{ code: "TLOG_INVALID", field: "verificationMaterial.tlogEntries" }]);
  expect(out.json().failures[0].message).toContain("carries no transparency-log entry");
});

test("rejects a bundle whose timestamp is not from the private root's TSA", async () => {
  const out = await verify(foreignTsaRoot);
  expect(out.exitCode).toBe(1);
  expect(out.json().failures).toMatchObject([{ code: "TIMESTAMP_INVALID" }]);
});

test("verifies a bundle from an instance with neither a transparency log nor a CT log (no SCT) against that instance's root", async () => {
  const github = await startLocalSigstore({ ct: false });
  try {
    const root = join(dir.path, "no-ct.json");
    await Bun.write(root, JSON.stringify({ ...(github.trustedRoot as object), tlogs: [] }));
    const env = { SIGSTORE_ID_TOKEN: github.token(), ACTIONS_ID_TOKEN_REQUEST_URL: "", ACTIONS_ID_TOKEN_REQUEST_TOKEN: "" };
    const out = await runCli(["build", repo.path, "--keyless", "--fulcio-url", github.fulcioUrl, "--tsa-url", github.tsaUrl, "--no-tlog", "--out", join(dir.path, "no-ct"), "--json"], { env });
    expect(out.exitCode, out.stdout + out.stderr).toBe(0);
    const flags = ["--certificate-identity", github.identity, "--certificate-oidc-issuer", github.issuer, "--json"];
    const verified = await runCli(["verify", out.json().artifact.path, "--bundle", out.json().bundle.path, "--trusted-root", root, ...flags]);
    expect(verified.exitCode, verified.stdout + verified.stderr).toBe(0);
    expect(verified.json()).toMatchObject({ verified: true });
    // a root that lists a CT log still requires the certificate's SCT
    const withCt = join(dir.path, "with-ct.json");
    await Bun.write(withCt, JSON.stringify({ ...(github.trustedRoot as object), tlogs: [], ctlogs: (sigstore.trustedRoot as { ctlogs: unknown[] }).ctlogs }));
    const refused = await runCli(["verify", out.json().artifact.path, "--bundle", out.json().bundle.path, "--trusted-root", withCt, ...flags]);
    expect(refused.exitCode).toBe(1);
    expect(refused.json().failures).toMatchObject([{ code: "CERTIFICATE_INVALID" }]);
    expect(refused.json().failures[0].message).toContain("expected 1 SCTs, got 0");
  } finally {
    await github.stop();
  }
});
