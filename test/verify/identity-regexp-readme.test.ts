/**
 * Issue #20, 2: `--certificate-identity-regexp` means what it means to cosign
 * (Go's regexp.MatchString: a search, not a whole-string match), so the
 * README's release gate, copied as it is printed, accepts a release signed by
 * the release workflow at a tag. The regexp is read from README.md, so an
 * example that cannot pass cannot ship; the release is built keylessly against
 * the loopback Sigstore, as that workflow's identity.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { generateKeyPairSync } from "node:crypto";
import { join } from "node:path";
import { compileIdentity } from "../../src/verify/identity.ts";
import { runCli } from "../helpers/cli.ts";
import { exampleServiceRepo } from "../helpers/example-service.ts";
import type { GitRepo } from "../helpers/git.ts";
import { mintToken, startLocalSigstore, type LocalSigstore } from "../helpers/local-sigstore.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

const README = await Bun.file(join(import.meta.dir, "..", "..", "README.md")).text();
/** the release gate's flags, as the README prints them */
const gate = /args: (--certificate-identity-regexp (\S+) --certificate-oidc-issuer (\S+))\n/.exec(README);
const RELEASE = "https://github.com/acme/service/.github/workflows/release.yml@refs/tags/v1.2.3";

let repo: GitRepo;
let sigstore: LocalSigstore;
let out: TestDir;
const tokenKey = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey;
const built: Record<string, { artifact: string; bundle: string }> = {};

/** a keyless build signed as `identity` (the loopback Fulcio takes the token's `sub` as the certificate's SAN) */
async function buildAs(name: string, identity: string) {
  const token = mintToken(tokenKey, { iss: gate![3], sub: identity, aud: "sigstore" });
  const env = { SIGSTORE_ID_TOKEN: token, ACTIONS_ID_TOKEN_REQUEST_URL: "", ACTIONS_ID_TOKEN_REQUEST_TOKEN: "" };
  const result = await runCli(["build", repo.path, "--keyless", "--out", join(out.path, name), "--fulcio-url", sigstore.fulcioUrl, "--rekor-url", sigstore.rekorUrl, "--tsa-url", sigstore.tsaUrl, "--json"], { env });
  expect(result.exitCode, result.stderr).toBe(0);
  built[name] = { artifact: result.json().artifact.path, bundle: result.json().bundle.path };
}

beforeAll(async () => {
  [repo, sigstore, out] = await Promise.all([exampleServiceRepo(), startLocalSigstore(), makeTempDir("bunseal-identity-regexp-")]);
  await buildAs("release", RELEASE);
  await buildAs("other", "https://github.com/acme/other/.github/workflows/release.yml@refs/tags/v1.2.3");
}, 120_000);
afterAll(async () => {
  await Promise.all([repo?.cleanup(), sigstore?.stop(), out?.cleanup()]);
});

const verify = (name: string, ...flags: string[]) => runCli(["verify", built[name]!.artifact, "--bundle", built[name]!.bundle, "--trusted-root", sigstore.trustedRootPath, ...flags, "--json"]);

test("the README's release gate prints a prefix regexp, ^…@", () => {
  expect(gate?.[2]).toBe("^https://github.com/acme/service/.github/workflows/release.yml@");
});

test("the README's release gate, as printed, accepts the release workflow's tag release", async () => {
  const out = await verify("release", ...gate![1]!.split(" "));
  expect(out.exitCode, out.stdout + out.stderr).toBe(0);
  expect(out.json()).toMatchObject({ verified: true, signer: { identity: RELEASE, issuer: gate![3] } });
});

test("the README's release gate refuses another repository's release workflow", async () => {
  const out = await verify("other", ...gate![1]!.split(" "));
  expect(out.exitCode).toBe(1);
  expect(out.json().failures).toMatchObject([{ code: "IDENTITY_MISMATCH", field: "certificate.subjectAlternativeName", expected: `an identity matching /${gate![2]}/`, found: "https://github.com/acme/other/.github/workflows/release.yml@refs/tags/v1.2.3" }]);
});

test("a policy's identityRegexp is matched the same way as the flag", async () => {
  const policy = join(out.path, "policy.json");
  await Bun.write(policy, JSON.stringify({ signers: [{ identityRegexp: gate![2], issuer: gate![3] }] }));
  const release = await verify("release", "--policy", policy);
  expect(release.exitCode, release.stdout).toBe(0);
  const other = await verify("other", "--policy", policy);
  expect(other.exitCode).toBe(1);
  expect(other.json().failures.map((f: { code: string }) => f.code)).toContain("IDENTITY_MISMATCH");
});

test("the README's nightly rebuild identity, as printed, accepts the same release and no other owner's", () => {
  const nightly = /command: rebuild, [^\n]*--certificate-identity-regexp (\S+) /.exec(README)?.[1];
  expect(nightly).toBe("^https://github.com/acme/");
  const matches = compileIdentity({ identityRegexp: nightly!, issuer: gate![3]! });
  expect(matches(RELEASE)).toBe(true);
  expect(matches("https://github.com/acme-evil/service/.github/workflows/release.yml@refs/tags/v1.2.3")).toBe(false);
  expect(matches("https://github.com/mallory/x/.github/workflows/a.yml?https://github.com/acme/")).toBe(false);
});
