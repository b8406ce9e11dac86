/**
 * Keyless verification through the real CLI, on real public-good bundles from
 * the conformance corpus: who may have signed (identity, regexp, issuer), which
 * trust anchor applies (exactly one), and the attacks each rule stops.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { CONFORMANCE_CORPUS } from "./conformance-cases.ts";

const IDENTITY = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const ISSUER = "https://token.actions.githubusercontent.com";
const ARTIFACT = join(CONFORMANCE_CORPUS, "a.txt");
const ARTIFACT_SHA256 = "sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf";
const MESSAGE = join(CONFORMANCE_CORPUS, "happy-path-v0.3", "bundle.sigstore.json");
const DSSE = join(CONFORMANCE_CORPUS, "happy-path-intoto-in-dsse-v3", "bundle.sigstore.json");
const KEY = join(CONFORMANCE_CORPUS, "managed-key-happy-path", "key.pub");

const verify = (bundle: string, ...flags: string[]) => runCli(["verify", "--bundle", bundle, ...flags, "--json"]);
const codes = (out: Awaited<ReturnType<typeof runCli>>) => (out.exitCode === 2 ? [out.json().error.code] : [...new Set<string>(out.json().failures.map((f: { code: string }) => f.code))].sort());

describe("who may have signed", () => {
  test("accepts the exact identity and issuer, and reports them as the signer", async () => {
    const out = await verify(MESSAGE, "--certificate-identity", IDENTITY, "--certificate-oidc-issuer", ISSUER, ARTIFACT);
    expect(out.exitCode).toBe(0);
    expect(out.json().signer).toEqual({ identity: IDENTITY, issuer: ISSUER });
  });

  test("rejects an identity that only starts like the expected one (no prefix match)", async () => {
    const out = await verify(MESSAGE, "--certificate-identity", IDENTITY.replace(/@refs.*/, ""), "--certificate-oidc-issuer", ISSUER, ARTIFACT);
    expect(out.exitCode).toBe(1);
    expect(codes(out)).toEqual(["IDENTITY_MISMATCH"]);
    expect(out.json().failures[0].found).toBe(IDENTITY);
  });

  test("rejects an identity with a dot where the real one has another character (exact, not a pattern)", async () => {
    const out = await verify(MESSAGE, "--certificate-identity", IDENTITY.replace("oidc-beacon.yml", "oidc-beacon.ym."), "--certificate-oidc-issuer", ISSUER, ARTIFACT);
    expect(codes(out)).toEqual(["IDENTITY_MISMATCH"]);
  });

  test("rejects the right identity vouched for by another OIDC issuer, naming both", async () => {
    const out = await verify(MESSAGE, "--certificate-identity", IDENTITY, "--certificate-oidc-issuer", "https://accounts.google.com", ARTIFACT);
    expect(out.exitCode).toBe(1);
    expect(out.json().failures).toMatchObject([{ code: "IDENTITY_MISMATCH", field: "certificate.issuer", expected: "https://accounts.google.com", found: ISSUER }]);
  });

  test("a regexp is searched for in the identity, as cosign's is; ^ and $ anchor it", async () => {
    const whole = await verify(MESSAGE, "--certificate-identity-regexp", "^https://github\\.com/sigstore-conformance/.*$", "--certificate-oidc-issuer", ISSUER, ARTIFACT);
    expect(whole.exitCode).toBe(0);
    const part = await verify(MESSAGE, "--certificate-identity-regexp", "sigstore-conformance", "--certificate-oidc-issuer", ISSUER, ARTIFACT);
    expect(part.exitCode).toBe(0);
    const anchored = await verify(MESSAGE, "--certificate-identity-regexp", "^sigstore-conformance", "--certificate-oidc-issuer", ISSUER, ARTIFACT);
    expect(anchored.exitCode).toBe(1);
    expect(codes(anchored)).toEqual(["IDENTITY_MISMATCH"]);
    expect(anchored.json().failures[0]).toMatchObject({ expected: "an identity matching /^sigstore-conformance/", message: expect.stringContaining("not an identity matching /^sigstore-conformance/") });
  });

  test("reports a wrong identity and a wrong issuer together", async () => {
    const out = await verify(DSSE, "--certificate-identity", "https://example.com/other", "--certificate-oidc-issuer", "https://example.com", ARTIFACT);
    expect(out.json().failures.map((f: { field: string }) => f.field).sort()).toEqual(["certificate.issuer", "certificate.subjectAlternativeName"]);
  });
});

describe("exactly one trust anchor", () => {
  const usage = async (...flags: string[]) => {
    const out = await verify(MESSAGE, ...flags, ARTIFACT);
    expect(out.exitCode).toBe(2);
    expect(out.json().error.code).toBe("USAGE");
    return out.json().error.message as string;
  };
  test("refuses no anchor, both anchors, an identity without an issuer, an issuer alone, two identity rules, and a bad regexp", async () => {
    expect(await usage()).toContain("--key");
    expect(await usage("--key", KEY, "--certificate-identity", IDENTITY, "--certificate-oidc-issuer", ISSUER)).toContain("not both");
    expect(await usage("--certificate-identity", IDENTITY)).toContain("--certificate-oidc-issuer");
    expect(await usage("--key", KEY, "--certificate-oidc-issuer", ISSUER)).toContain("--certificate-identity");
    expect(await usage("--certificate-identity", IDENTITY, "--certificate-identity-regexp", ".*", "--certificate-oidc-issuer", ISSUER)).toContain("exactly one");
    expect(await usage("--certificate-identity-regexp", "(", "--certificate-oidc-issuer", ISSUER)).toContain("regular expression");
  });

  test("rejects a keyless bundle offered with an unrelated --key (the key would be ignored and any identity accepted)", async () => {
    const out = await verify(MESSAGE, "--key", KEY, ARTIFACT);
    expect(out.exitCode).toBe(1);
    expect(out.json().failures).toMatchObject([{ code: "SIGNATURE_INVALID", field: "verificationMaterial" }]);
  });
});

describe("what is verified", () => {
  test("a DSSE bundle by the artifact's digest, which must be a subject", async () => {
    expect((await verify(DSSE, "--certificate-identity", IDENTITY, "--certificate-oidc-issuer", ISSUER, ARTIFACT_SHA256)).exitCode).toBe(0);
    const other = await verify(DSSE, "--certificate-identity", IDENTITY, "--certificate-oidc-issuer", ISSUER, `sha256:${"0".repeat(64)}`);
    expect(codes(other)).toEqual(["SUBJECT_MISMATCH"]);
  });

  test("a message signature needs the artifact's bytes, not its digest", async () => {
    const out = await verify(MESSAGE, "--certificate-identity", IDENTITY, "--certificate-oidc-issuer", ISSUER, ARTIFACT_SHA256);
    expect(out.exitCode).toBe(2);
    expect(out.json().error.code).toBe("USAGE");
  });

  test("an expectation about the build fails when the bundle records no bunseal provenance", async () => {
    const out = await verify(DSSE, "--certificate-identity", IDENTITY, "--certificate-oidc-issuer", ISSUER, "--commit", "a9cd7bf0bbfd5732800b8196ce893ae9915b1e87", ARTIFACT);
    expect(codes(out)).toEqual(["EXPECTATION_FAILED"]);
    const bare = await verify(MESSAGE, "--certificate-identity", IDENTITY, "--certificate-oidc-issuer", ISSUER, "--service", "x", ARTIFACT);
    expect(codes(bare)).toEqual(["EXPECTATION_FAILED"]);
  });

  test("a --trusted-root that is missing or not a trusted root is bad input (exit 2)", async () => {
    const flags = ["--certificate-identity", IDENTITY, "--certificate-oidc-issuer", ISSUER];
    expect(codes(await verify(MESSAGE, ...flags, "--trusted-root", join(CONFORMANCE_CORPUS, "no-such-root.json"), ARTIFACT))).toEqual(["INPUT_UNREADABLE"]);
    expect(codes(await verify(MESSAGE, ...flags, "--trusted-root", MESSAGE, ARTIFACT))).toEqual(["TRUSTED_ROOT_INVALID"]);
  });
});

test("a --trusted-root given in key mode demands a logged bundle: bunseal's unlogged one is refused, and says why", async () => {
  const fixture = join(import.meta.dir, "..", "fixtures", "attestations", "valid", "key-signed");
  const args = ["verify", join(fixture, "artifact.tar"), "--bundle", join(fixture, "bundle.sigstore.json"), "--key", join(fixture, "key.pub")];
  expect((await runCli(args)).exitCode).toBe(0);
  const out = await runCli([...args, "--trusted-root", join(CONFORMANCE_CORPUS, "rekor2-happy-path", "trusted_root.json"), "--json"]);
  expect(out.exitCode).toBe(1);
  expect(out.json().failures).toMatchObject([{ code: "TLOG_INVALID", field: "verificationMaterial.tlogEntries" }]);
});
