/**
 * `bunseal verify … --vsa OUT`: a Verification Summary Attestation is written
 * of a verification that passed, signed by the verifier's key, with every
 * predicate field the SLSA VSA v1 spec asks for; never of one that failed
 * unless --vsa-on-failure, and then it says FAILED.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { VsaPredicateSchema } from "../../src/vsa/schema.ts";
import { runCli } from "../helpers/cli.ts";
import { statementOf, vsaFixture, type VsaFixture } from "./fixture.ts";

setDefaultTimeout(60_000);

let f: VsaFixture;
beforeAll(async () => {
  f = await vsaFixture();
});
afterAll(async () => {
  await f?.cleanup();
});

const out = (name: string) => join(f.work.path, `${name}-${crypto.randomUUID().slice(0, 8)}.vsa.sigstore.json`);
const sha256 = (bytes: Uint8Array | string) => new Bun.CryptoHasher("sha256").update(bytes).digest("hex");

test("a passed verification writes a signed summary with every predicate field; the policy is the flags, by digest", async () => {
  const vsa = out("pass");
  const before = Date.now();
  const result = await runCli(["verify", f.artifact, "--key", f.buildKey.pub, "--commit", f.commit, "--vsa", vsa, "--vsa-key", f.verifierKey.key, "--verifier-id", "https://verifier.example/release-gate", "--resource-uri", "https://releases.example/vsa-service.tar", "--json"]);
  expect(result.exitCode, result.stderr).toBe(0);
  const report = result.json();
  expect(report.verified).toBe(true);
  expect(report.vsaWritten).toMatchObject({ path: vsa, verificationResult: "PASSED", verifiedLevels: ["SLSA_BUILD_LEVEL_1"] });
  expect(report.vsaWritten.digest).toBe(`sha256:${sha256(await Bun.file(vsa).bytes())}`);

  const statement = await statementOf(vsa);
  const artifactSha = sha256(await Bun.file(f.artifact).bytes());
  expect(statement._type).toBe("https://in-toto.io/Statement/v1");
  expect(statement.predicateType).toBe("https://slsa.dev/verification_summary/v1");
  expect(statement.subject).toEqual([{ name: expect.stringMatching(/^vsa-service-[0-9a-f]{12}\.tar$/), digest: { sha256: artifactSha } }]);
  const p = statement.predicate;
  expect(VsaPredicateSchema.safeParse(p).success).toBe(true);
  expect(p.verifier).toEqual({ id: "https://verifier.example/release-gate", version: { bunseal: "0.1.0" } });
  expect(Date.parse(p.timeVerified)).toBeGreaterThanOrEqual(before - 1000);
  expect(p.timeVerified).toMatch(/Z$/);
  expect(p.resourceUri).toBe("https://releases.example/vsa-service.tar");
  expect(p.verificationResult).toBe("PASSED");
  expect(p.verifiedLevels).toEqual(["SLSA_BUILD_LEVEL_1"]);
  expect(p.slsaVersion).toBe("1.0");
  // the verified bundle, named by the sha256 of the bundle file's bytes
  expect(p.inputAttestations).toEqual([{ uri: pathToFileURL(f.bundle).href, digest: { sha256: sha256(await Bun.file(f.bundle).bytes()) } }]);
  // no policy file: the flags are the policy, carried in the summary and named by their digest
  expect(p.policy.uri).toBe("https://bunseal.dev/policies/verify-flags/v1");
  const flags = Buffer.from(p.policy.content, "base64");
  expect(p.policy.digest).toEqual({ sha256: sha256(flags) });
  const document = JSON.parse(flags.toString("utf8"));
  expect(document.expectations.commit).toBe(f.commit);
  expect(document.keys).toHaveLength(1);
  expect(document.identity).toBeNull();
});

test("with --policy, the summary names the policy file by its URI and the sha256 of its bytes", async () => {
  const policyPath = join(f.work.path, "release-policy.json");
  // odd spacing on purpose: the digest is of the bytes, not of a re-serialisation
  await Bun.write(policyPath, `{ "signers": [ { "publicKey": ${JSON.stringify(f.buildKey.pub)} } ],\n  "refs": ["refs/heads/*"] }\n`);
  const vsa = out("policy");
  const result = await runCli(["verify", f.artifact, "--policy", policyPath, "--vsa", vsa, "--vsa-key", f.verifierKey.key, "--json"]);
  expect(result.exitCode, result.stdout + result.stderr).toBe(0);
  const p = (await statementOf(vsa)).predicate;
  expect(p.policy).toEqual({ uri: pathToFileURL(policyPath).href, digest: { sha256: sha256(await Bun.file(policyPath).bytes()) } });
  // defaults: bunseal's verifier id, the artifact's file: URI
  expect(p.verifier.id).toBe("https://bunseal.dev/verifiers/verify/v1");
  expect(p.resourceUri).toBe(pathToFileURL(f.artifact).href);
});

test("a failed verification writes no summary (exit 1, no file)", async () => {
  const vsa = out("fail");
  // the verifier's key did not sign the provenance
  const result = await runCli(["verify", f.artifact, "--key", f.verifierKey.pub, "--vsa", vsa, "--vsa-key", f.verifierKey.key, "--json"]);
  expect(result.exitCode).toBe(1);
  expect(result.json().failures.map((x: { code: string }) => x.code)).toEqual(["SIGNATURE_INVALID"]);
  expect(result.json().vsaWritten).toBeNull();
  expect(await Bun.file(vsa).exists()).toBe(false);
});

test("--vsa-on-failure writes a FAILED summary, and verification still exits 1", async () => {
  const vsa = out("failed");
  const result = await runCli(["verify", f.artifact, "--key", f.buildKey.pub, "--commit", "0".repeat(40), "--vsa", vsa, "--vsa-key", f.verifierKey.key, "--vsa-on-failure", "--json"]);
  expect(result.exitCode).toBe(1);
  expect(result.json().vsaWritten).toMatchObject({ verificationResult: "FAILED", verifiedLevels: ["FAILED"] });
  const p = (await statementOf(vsa)).predicate;
  expect(p.verificationResult).toBe("FAILED");
  expect(p.verifiedLevels).toEqual(["FAILED"]);
  expect(VsaPredicateSchema.safeParse(p).success).toBe(true);
});

test("a summary's signer is checked before anything is verified: a public key given as --vsa-key is bad input", async () => {
  const vsa = out("badkey");
  const result = await runCli(["verify", f.artifact, "--key", f.buildKey.pub, "--vsa", vsa, "--vsa-key", f.verifierKey.pub, "--json"]);
  expect(result.exitCode).toBe(2);
  expect(result.json().error.code).toBe("KEY_INVALID");
  expect(await Bun.file(vsa).exists()).toBe(false);
});

test("usage: --vsa without a signer, a summary flag without --vsa, keyless flags without --vsa-keyless, a batch, overwriting the bundle", async () => {
  const cases: [string[], string][] = [
    [["--vsa", out("x")], "--vsa needs a signer"],
    [["--vsa-key", f.verifierKey.key], "--vsa-key applies to writing a verification summary"],
    [["--vsa-on-failure"], "--vsa-on-failure applies"],
    [["--vsa", out("x"), "--vsa-key", f.verifierKey.key, "--vsa-keyless"], "contradict"],
    [["--vsa", out("x"), "--vsa-key", f.verifierKey.key, "--fulcio-url", "http://127.0.0.1:1"], "--fulcio-url applies to keyless signing of the summary"],
    [["--vsa", out("x"), "--vsa-key", f.verifierKey.key, "--verifier-id", "not a uri"], "--verifier-id: expected a URI"],
    [["--vsa", f.bundle, "--vsa-key", f.verifierKey.key], "would overwrite what is being verified"],
  ];
  for (const [flags, message] of cases) {
    const result = await runCli(["verify", f.artifact, "--key", f.buildKey.pub, ...flags]);
    expect(result.exitCode, flags.join(" ")).toBe(2);
    expect(result.stderr).toContain("USAGE");
    expect(result.stderr).toContain(message);
  }
  const batch = await runCli(["verify", f.artifact, f.artifact, "--key", f.buildKey.pub, "--vsa", out("batch"), "--vsa-key", f.verifierKey.key]);
  expect(batch.exitCode).toBe(2);
  expect(batch.stderr).toContain("--vsa summarises the verification of one artifact");
});

test("--vsa-keyless without any OIDC token fails as the environment, before verifying", async () => {
  const vsa = out("notoken");
  const result = await runCli(["verify", f.artifact, "--key", f.buildKey.pub, "--vsa", vsa, "--vsa-keyless"], { env: { SIGSTORE_ID_TOKEN: "", ACTIONS_ID_TOKEN_REQUEST_URL: "", ACTIONS_ID_TOKEN_REQUEST_TOKEN: "" } });
  expect(result.exitCode).toBe(3);
  expect(result.stderr).toContain("IDENTITY_TOKEN_MISSING");
  expect(await Bun.file(vsa).exists()).toBe(false);
});
