/**
 * `bunseal verify --policy`: trust and rules from one file; every failing
 * rule reported with expected and found; a bad policy is bad input.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { exampleServiceRepo } from "../helpers/example-service.ts";
import type { GitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(60_000);

let repo: GitRepo;
let work: TestDir;
let artifact: string;

beforeAll(async () => {
  [repo, work] = await Promise.all([exampleServiceRepo(), makeTempDir("bunseal-policy-")]);
  await runCli(["keygen", "--out", join(work.path, "keys")]);
  const built = await runCli(["build", repo.path, "--key", join(work.path, "keys", "bunseal.key"), "--json"]);
  artifact = built.json().artifact.path;
});
afterAll(async () => {
  await Promise.all([repo?.cleanup(), work?.cleanup()]);
});

async function verifyWith(policy: unknown) {
  const path = join(work.path, `policy-${crypto.randomUUID()}.json`);
  await Bun.write(path, JSON.stringify(policy));
  return runCli(["verify", artifact, "--policy", path, "--json"]);
}

const signers = () => [{ publicKey: join(work.path, "keys", "bunseal.pub") }];

test("a policy the build meets verifies, and says which rules it checked", async () => {
  const out = await verifyWith({
    signers: signers(),
    builders: ["https://bunseal.dev/builders/local/v1"],
    refs: ["refs/heads/*"],
    maxAge: "1d",
    minBunVersion: "1.4.0",
    contracts: { schemaVersion: ["2024-06-01.3"], telemetryContract: ["otel-http-v1"] },
    forbiddenPackages: [{ name: "hono", range: "<4.0.0", reason: "CVE-XXXX" }],
  });
  expect(out.exitCode).toBe(0);
  const report = out.json();
  expect(report.verified).toBe(true);
  expect(report.policy.results.every((r: { passed: boolean }) => r.passed)).toBe(true);
  expect(report.policy.results.map((r: { rule: string }) => r.rule)).toEqual(expect.arrayContaining(["signers", "builders", "refs", "maxAge", "minBunVersion", "forbiddenPackages"]));
});

test("every rule that fails is reported, each with expected and found", async () => {
  const out = await verifyWith({
    signers: signers(),
    builders: ["https://github.com/actions/runner/github-hosted"],
    contracts: { schemaVersion: ["2025-01-01.1"] },
    forbiddenPackages: [{ name: "hono", range: "<5.0.0", reason: "CVE-XXXX" }],
  });
  expect(out.exitCode).toBe(1);
  const failures = out.json().failures.filter((f: { code: string }) => f.code === "POLICY_FAILED");
  expect(failures).toHaveLength(3);
  const hono = failures.find((f: { message: string }) => f.message.includes("hono"));
  expect(hono.found).toContain("4.13.19");
  expect(failures.find((f: { expected: string }) => f.expected.includes("2025-01-01.1")).found).toBe("2024-06-01.3");
});

test("a policy signed by another key does not verify", async () => {
  const other = await makeTempDir("bunseal-other-key-");
  await runCli(["keygen", "--out", other.path]);
  const out = await verifyWith({ signers: [{ publicKey: join(other.path, "bunseal.pub") }] });
  expect(out.exitCode).toBe(1);
  expect(out.json().failures.map((f: { code: string }) => f.code)).toContain("SIGNATURE_INVALID");
  await other.cleanup();
});

test("an empty policy, or one without signers, is refused as bad input", async () => {
  for (const policy of [{}, { builders: ["x"] }]) {
    const out = await verifyWith(policy);
    expect(out.exitCode).toBe(2);
    expect(out.json().error.code).toBe("POLICY_INVALID");
    expect(out.json().error.field).toBe("signers");
  }
});

test("--policy with --key is a usage error: trust comes from one place", async () => {
  const path = join(work.path, "p.json");
  await Bun.write(path, JSON.stringify({ signers: signers() }));
  const out = await runCli(["verify", artifact, "--policy", path, "--key", join(work.path, "keys", "bunseal.pub"), "--json"]);
  expect(out.exitCode).toBe(2);
  expect(out.json().error.code).toBe("USAGE");
});

test("a keyless policy refuses a real bundle whose provenance names another repository than its certificate (the conformance beacon signed loosebazooka/aa-test's)", async () => {
  const root = join(import.meta.dir, "..", "fixtures", "sigstore-conformance");
  const policy = join(work.path, "keyless-policy.json");
  await Bun.write(policy, JSON.stringify({ signers: [{ identityRegexp: "https://github\\.com/sigstore-conformance/.*", issuer: "https://token.actions.githubusercontent.com" }], allowDirty: true }));
  const out = await runCli(["verify", join(root, "a.txt"), "--bundle", join(root, "bundle-verify", "happy-path-intoto-in-dsse-v3", "bundle.sigstore.json"), "--policy", policy, "--json"]);
  // the signer is the policy's (identity and issuer verified); the statement's source is not the certificate's
  expect(out.json().signer.issuer).toBe("https://token.actions.githubusercontent.com");
  expect(out.exitCode).toBe(1);
  expect([...new Set(out.json().failures.map((f: { code: string }) => f.code))]).toEqual(["CERT_SOURCE_MISMATCH"]);
});
