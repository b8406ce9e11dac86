/**
 * `bunseal verify ART --bundle VSA --key VERIFIER_PUB`: a summary passes only
 * when the verifier's signature verifies, the artifact is its subject and it
 * says PASSED; `--policy` can require verifier ids and levels. Each test is
 * named after what it stops.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { loadPrivateKey } from "../../src/sign/keys.ts";
import { keySigner } from "../../src/sign/signer.ts";
import { signStatement } from "../../src/sign/sign-statement.ts";
import { canonicalJson } from "../../src/util/canonical-json.ts";
import { runCli } from "../helpers/cli.ts";
import { statementOf, vsaFixture, type VsaFixture } from "./fixture.ts";

setDefaultTimeout(60_000);

let f: VsaFixture;
let other: VsaFixture;
let passed: string;
let failed: string;
let otherVsa: string;

beforeAll(async () => {
  [f, other] = await Promise.all([vsaFixture(), vsaFixture("other-service")]);
  passed = join(f.work.path, "passed.vsa.json");
  failed = join(f.work.path, "failed.vsa.json");
  otherVsa = join(other.work.path, "other.vsa.json");
  const write = (fx: VsaFixture, out: string, ...extra: string[]) => runCli(["verify", fx.artifact, "--key", fx.buildKey.pub, "--vsa", out, "--vsa-key", f.verifierKey.key, "--verifier-id", "https://verifier.example/gate", ...extra]);
  expect((await write(f, passed)).exitCode).toBe(0);
  expect((await write(f, failed, "--service", "not-this-service", "--vsa-on-failure")).exitCode).toBe(1);
  expect((await write(other, otherVsa)).exitCode).toBe(0);
});
afterAll(async () => {
  await Promise.all([f?.cleanup(), other?.cleanup()]);
});

const verifyVsa = (bundle: string, ...flags: string[]) => runCli(["verify", f.artifact, "--bundle", bundle, ...flags, "--json"]);
const codes = (result: { json(): any }) => result.json().failures.map((x: { code: string }) => x.code);

async function policy(value: unknown): Promise<string> {
  const path = join(f.work.path, `policy-${crypto.randomUUID().slice(0, 8)}.json`);
  await Bun.write(path, JSON.stringify(value));
  return path;
}

test("a summary signed by the verifier's key, for this artifact, PASSED: verifies, and says what it records", async () => {
  const result = await verifyVsa(passed, "--key", f.verifierKey.pub);
  expect(result.exitCode, result.stdout + result.stderr).toBe(0);
  const report = result.json();
  expect(report).toMatchObject({ verified: true, predicateType: "https://slsa.dev/verification_summary/v1", failures: [], provenance: null });
  expect(report.vsa).toMatchObject({ verifierId: "https://verifier.example/gate", verificationResult: "PASSED", verifiedLevels: ["SLSA_BUILD_LEVEL_1"], inputAttestations: 1 });
  const text = await runCli(["verify", f.artifact, "--bundle", passed, "--key", f.verifierKey.pub]);
  expect(text.stdout).toContain("verifies by its verification summary");
  expect(text.stdout).toContain("https://verifier.example/gate");
});

test("rejects a summary of another artifact (subject mismatch)", async () => {
  const result = await verifyVsa(otherVsa, "--key", f.verifierKey.pub);
  expect(result.exitCode).toBe(1);
  expect(codes(result)).toEqual(["SUBJECT_MISMATCH"]);
  expect(result.json().vsa).toBeNull();
});

test("rejects a signed summary that records a FAILED verification", async () => {
  const result = await verifyVsa(failed, "--key", f.verifierKey.pub);
  expect(result.exitCode).toBe(1);
  expect(result.json().failures).toMatchObject([{ code: "VSA_FAILED", field: "predicate.verificationResult", expected: "PASSED", found: "FAILED" }]);
});

test("rejects a summary whose verdict was changed after signing (FAILED → PASSED)", async () => {
  const bundle = await Bun.file(failed).json();
  const statement = await statementOf(failed);
  statement.predicate.verificationResult = "PASSED";
  statement.predicate.verifiedLevels = ["SLSA_BUILD_LEVEL_3"];
  bundle.dsseEnvelope.payload = Buffer.from(canonicalJson(statement)).toString("base64");
  const tampered = join(f.work.path, "tampered.vsa.json");
  await Bun.write(tampered, JSON.stringify(bundle));
  const result = await verifyVsa(tampered, "--key", f.verifierKey.pub);
  expect(result.exitCode).toBe(1);
  expect(codes(result)).toEqual(["SIGNATURE_INVALID"]);
});

test("rejects a summary checked with another key than the verifier's (the build key does not vouch for it)", async () => {
  const result = await verifyVsa(passed, "--key", f.buildKey.pub);
  expect(result.exitCode).toBe(1);
  expect(codes(result)).toEqual(["SIGNATURE_INVALID"]);
});

test("rejects a summary signed by the trusted key whose predicate breaks the VSA schema", async () => {
  const statement = await statementOf(passed);
  statement.predicate.verifiedLevels = ["SLSA_BUILD_LEVEL_1", "SLSA_BUILD_LEVEL_3"]; // two levels on one track
  delete statement.predicate.policy;
  const bundle = await signStatement(new TextEncoder().encode(canonicalJson(statement)), keySigner(await loadPrivateKey(f.verifierKey.key)));
  const path = join(f.work.path, "malformed.vsa.json");
  await Bun.write(path, JSON.stringify(bundle));
  const result = await verifyVsa(path, "--key", f.verifierKey.pub);
  expect(result.exitCode).toBe(1);
  const fields = result.json().failures.map((x: { field: string }) => x.field);
  expect(codes(result).every((c: string) => c === "STATEMENT_INVALID")).toBe(true);
  expect(fields).toEqual(expect.arrayContaining(["predicate.policy", "predicate.verifiedLevels[1]"]));
});

test("a summary records no provenance, so a provenance expectation (--commit) fails rather than being skipped", async () => {
  const result = await verifyVsa(passed, "--key", f.verifierKey.pub, "--commit", f.commit);
  expect(result.exitCode).toBe(1);
  expect(codes(result)).toEqual(["EXPECTATION_FAILED"]);
});

test("--policy: the verifier id and levels it requires pass when the summary meets them", async () => {
  const path = await policy({ signers: [{ publicKey: f.verifierKey.pub }], vsa: { verifierIds: ["https://verifier.example/gate"], levels: ["SLSA_BUILD_LEVEL_1"] } });
  const result = await verifyVsa(passed, "--policy", path);
  expect(result.exitCode, result.stdout).toBe(0);
  expect(result.json().policy.results.map((r: { rule: string; passed: boolean }) => [r.rule, r.passed])).toEqual([
    ["signers", true],
    ["vsa.verifierIds", true],
    ["vsa.levels", true],
  ]);
});

test("--policy: rejects another verifier, and a level the summary does not reach, each reported", async () => {
  const path = await policy({ signers: [{ publicKey: f.verifierKey.pub }], vsa: { verifierIds: ["https://verifier.example/other"], levels: ["SLSA_BUILD_LEVEL_2"] } });
  const result = await verifyVsa(passed, "--policy", path);
  expect(result.exitCode).toBe(1);
  expect(result.json().failures).toMatchObject([
    { code: "POLICY_FAILED", field: "predicate.verifier.id", expected: "https://verifier.example/other", found: "https://verifier.example/gate" },
    { code: "POLICY_FAILED", field: "predicate.verifiedLevels", expected: "SLSA_BUILD_LEVEL_2", found: "SLSA_BUILD_LEVEL_1" },
  ]);
});

test("--policy: a summary signed by a key the policy does not name is rejected", async () => {
  const path = await policy({ signers: [{ publicKey: f.buildKey.pub }], vsa: { levels: ["SLSA_BUILD_LEVEL_1"] } });
  const result = await verifyVsa(passed, "--policy", path);
  expect(result.exitCode).toBe(1);
  expect(codes(result)).toContain("SIGNATURE_INVALID");
});

test("--policy: a provenance rule cannot be met by a summary, which does not record the build (fails closed)", async () => {
  const path = await policy({ signers: [{ publicKey: f.verifierKey.pub }], builders: ["https://bunseal.dev/builders/local/v1"] });
  const result = await verifyVsa(passed, "--policy", path);
  expect(result.exitCode).toBe(1);
  expect(result.json().failures).toMatchObject([{ code: "POLICY_FAILED", field: "predicateType", found: "a verification summary" }]);
});

test("--policy: a sandbox rule cannot be met by a summary, which does not record how the build was enclosed (fails closed)", async () => {
  const path = await policy({ signers: [{ publicKey: f.verifierKey.pub }], sandbox: { allow: ["bubblewrap"], network: false } });
  const result = await verifyVsa(passed, "--policy", path);
  expect(result.exitCode).toBe(1);
  expect(result.json().failures).toMatchObject([{ code: "POLICY_FAILED", field: "predicateType", found: "a verification summary", message: expect.stringContaining("sandbox: a verification summary does not record how the artifact was built") }]);
});

test("--policy with a vsa rule: provenance is not accepted in place of a verifier's summary", async () => {
  const path = await policy({ signers: [{ publicKey: f.buildKey.pub }], vsa: { levels: ["SLSA_BUILD_LEVEL_1"] } });
  const result = await runCli(["verify", f.artifact, "--policy", path, "--json"]);
  expect(result.exitCode).toBe(1);
  expect(result.json().failures).toMatchObject([{ code: "POLICY_FAILED", field: "predicateType", found: "https://slsa.dev/provenance/v1" }]);
});

test("a policy with an empty vsa rule, or a required FAILED level, is refused as bad input", async () => {
  for (const vsa of [{}, { levels: ["FAILED"] }, { verifierIds: ["not a uri"] }]) {
    const result = await verifyVsa(passed, "--policy", await policy({ signers: [{ publicKey: f.verifierKey.pub }], vsa }));
    expect(result.exitCode, JSON.stringify(vsa)).toBe(2);
    expect(result.json().error.code).toBe("POLICY_INVALID");
  }
});

test("a summary is not summarised again: --vsa with a VSA bundle is a usage error", async () => {
  const result = await runCli(["verify", f.artifact, "--bundle", passed, "--key", f.verifierKey.pub, "--vsa", join(f.work.path, "again.json"), "--vsa-key", f.verifierKey.key]);
  expect(result.exitCode).toBe(2);
  expect(result.stderr).toContain("is a verification summary");
});
