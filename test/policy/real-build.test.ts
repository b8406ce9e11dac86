/**
 * The policy against a statement from a real `bunseal build` of the example
 * service (hono 4.13.19, zod 4.6.7, no install scripts), so the facts the
 * policy reads are the ones bunseal actually records, not a hand-made copy.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { ProvenanceV1 } from "../../src/attest/slsa-provenance.ts";
import type { Statement } from "../../src/attest/statement.ts";
import { evaluatePolicy, policyPassed } from "../../src/policy/evaluate.ts";
import { loadPolicy } from "../../src/policy/load.ts";
import { policySigners } from "../../src/policy/signers.ts";
import { generateKeyPair, keyIdOf } from "../../src/sign/keys.ts";
import { runCli } from "../helpers/cli.ts";
import { exampleServiceRepo } from "../helpers/example-service.ts";
import { git, type GitRepo } from "../helpers/git.ts";
import { makeTempDir, writeTree, type TestDir } from "../helpers/testdir.ts";

const REMOTE = "https://github.com/acme/example-service.git";
let repo: GitRepo;
/** the verifier's side: its key and policy files, outside the repository */
let verifier: TestDir;
let statement: Statement<ProvenanceV1>;
let keyId: string;
let now: Date;

beforeAll(async () => {
  repo = await exampleServiceRepo();
  await git(repo.path, ["remote", "add", "origin", REMOTE]);
  const built = await runCli(["build", repo.path, "--no-sign", "--json"]);
  expect(built.exitCode).toBe(0);
  statement = await Bun.file(built.json().statement.path).json();
  // a fixed minute after the recorded start, so maxAge does not depend on how slow the machine is
  now = new Date(Date.parse(statement.predicate.runDetails.metadata!.startedOn!) + 60_000);
  verifier = await makeTempDir("bunseal-policy-");
  keyId = (await generateKeyPair(verifier.path)).keyId;
});

afterAll(async () => {
  await repo?.cleanup();
  await verifier?.cleanup();
});

async function loadWith(rules: Record<string, unknown>) {
  await writeTree(verifier.path, { "policy.json": JSON.stringify({ signers: [{ publicKey: "bunseal.pub" }], ...rules }) });
  return loadPolicy(join(verifier.path, "policy.json"));
}

describe("a policy over a real build", () => {
  test("a policy describing the build accepts it, and trusts exactly its key", async () => {
    const policy = await loadWith({
      builders: ["https://bunseal.dev/builders/local/v1"],
      sourceUris: ["https://github.com/acme/example-service"],
      refs: ["refs/heads/main"],
      commits: [repo.commit.slice(0, 7)],
      maxAge: "5m",
      minBunVersion: "1.4.5",
      contracts: { schemaVersion: ["2024-06-01.3"], telemetryContract: ["otel-http-v1"] },
      forbiddenPackages: [{ name: "hono", range: "<4.13.0" }],
      installScriptsAllowed: [],
    });
    expect(policySigners(policy).keys.map(keyIdOf)).toEqual([keyId]);
    const results = evaluatePolicy(policy, statement, { kind: "key", keyId }, now);
    expect(results.filter((r) => !r.passed)).toEqual([]);
    expect(results.map((r) => r.rule)).toEqual(["signers", "builders", "sourceUris", "refs", "commits", "maxAge", "minBunVersion", "contracts.schemaVersion", "contracts.telemetryContract", "forbiddenPackages", "installScriptsAllowed", "allowDirty"]);
    expect(policyPassed(results)).toBe(true);
  });

  test("rejects the build for shipping hono below the fixed version, and says which", async () => {
    const policy = await loadWith({ forbiddenPackages: [{ name: "hono", range: "<4.14.0", reason: "GHSA-xxxx: fixed in 4.14.0" }, { name: "zod", range: "<4.0.0" }] });
    const results = evaluatePolicy(policy, statement, { kind: "key", keyId }, now).filter((r) => r.rule === "forbiddenPackages");
    expect(results.map((r) => [r.passed, r.found])).toEqual([
      [false, "hono@4.13.19"],
      [true, "zod@4.6.7"],
    ]);
    expect(results[0]!.message).toBe("forbiddenPackages: hono@4.13.19 is in the forbidden range <4.14.0: GHSA-xxxx: fixed in 4.14.0");
    expect(results[0]!.field).toMatch(/^predicate\.buildDefinition\.resolvedDependencies\[\d+\]$/);
  });

  test("a build older than maxAge, from another ref, by an unnamed key fails each of those rules", async () => {
    const policy = await loadWith({ refs: ["refs/tags/v*"], maxAge: "1m" });
    const later = new Date(now.getTime() + 60 * 60_000);
    const results = evaluatePolicy(policy, statement, { kind: "key", keyId: "f".repeat(64) }, later);
    expect(results.map((r) => [r.rule, r.passed, r.found])).toEqual([
      ["signers", false, `key ${"f".repeat(64)}`],
      ["refs", false, "refs/heads/main"],
      ["maxAge", false, statement.predicate.runDetails.metadata!.startedOn!],
      ["allowDirty", true, "false"],
    ]);
  });
});
