/**
 * bunseal's own keyless bundles through `bunseal verify`: built with
 * `bunseal build --keyless` against a private Sigstore on loopback
 * (test/helpers/local-sigstore.ts), verified offline with its trusted root.
 * A keyless bunseal bundle is a published one, and its statement claims
 * bunseal's build type, so it is held to bunseal's exact shape.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { exampleServiceRepo } from "../helpers/example-service.ts";
import type { GitRepo } from "../helpers/git.ts";
import { startLocalSigstore, type LocalSigstore } from "../helpers/local-sigstore.ts";

let repo: GitRepo;
let sigstore: LocalSigstore;
let built: { artifact: string; bundle: string; commit: string };

beforeAll(async () => {
  [repo, sigstore] = await Promise.all([exampleServiceRepo(), startLocalSigstore()]);
  const env = { SIGSTORE_ID_TOKEN: sigstore.token(), ACTIONS_ID_TOKEN_REQUEST_URL: "", ACTIONS_ID_TOKEN_REQUEST_TOKEN: "" };
  const out = await runCli(["build", repo.path, "--keyless", "--fulcio-url", sigstore.fulcioUrl, "--rekor-url", sigstore.rekorUrl, "--tsa-url", sigstore.tsaUrl, "--json"], { env });
  expect(out.exitCode).toBe(0);
  built = { artifact: out.json().artifact.path, bundle: out.json().bundle.path, commit: out.json().commit };
}, 60_000);
afterAll(async () => {
  await Promise.all([repo?.cleanup(), sigstore?.stop()]);
});

const verify = (...flags: string[]) => runCli(["verify", built.artifact, "--bundle", built.bundle, "--trusted-root", sigstore.trustedRootPath, ...flags, "--json"]);

test("verifies with the signer's identity and issuer, and shows bunseal's provenance", async () => {
  const out = await verify("--certificate-identity", sigstore.identity, "--certificate-oidc-issuer", sigstore.issuer, "--commit", built.commit);
  expect(out.exitCode, out.stdout + out.stderr).toBe(0);
  expect(out.json()).toMatchObject({ verified: true, signer: { identity: sigstore.identity, issuer: sigstore.issuer }, provenance: { commit: built.commit } });
});

test("rejects another identity, and another issuer", async () => {
  const other = await verify("--certificate-identity", `${sigstore.identity}x`, "--certificate-oidc-issuer", sigstore.issuer);
  expect(other.exitCode).toBe(1);
  expect(other.json().failures.map((f: { code: string }) => f.code)).toEqual(["IDENTITY_MISMATCH"]);
  const issuer = await verify("--certificate-identity", sigstore.identity, "--certificate-oidc-issuer", "https://accounts.google.com");
  expect(issuer.json().failures).toMatchObject([{ code: "IDENTITY_MISMATCH", field: "certificate.issuer" }]);
});

test("rejects it against the production root, which never vouched for the local services", async () => {
  const out = await runCli(["verify", built.artifact, "--bundle", built.bundle, "--certificate-identity", sigstore.identity, "--certificate-oidc-issuer", sigstore.issuer, "--json"]);
  expect(out.exitCode).toBe(1);
  expect(["CERTIFICATE_INVALID", "TLOG_INVALID", "TIMESTAMP_INVALID"]).toContain(out.json().failures[0].code);
});

test("rejects another artifact than the one built", async () => {
  const other = join(repo.path, "package.json");
  const out = await runCli(["verify", other, "--bundle", built.bundle, "--trusted-root", sigstore.trustedRootPath, "--certificate-identity", sigstore.identity, "--certificate-oidc-issuer", sigstore.issuer, "--json"]);
  expect(out.json().failures.map((f: { code: string }) => f.code)).toEqual(["SUBJECT_MISMATCH"]);
});
