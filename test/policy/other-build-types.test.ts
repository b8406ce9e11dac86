import { describe, expect, test } from "bun:test";
import type { ProvenanceV1 } from "../../src/attest/slsa-provenance.ts";
import type { Statement } from "../../src/attest/statement.ts";
import { evaluatePolicy } from "../../src/policy/evaluate.ts";
import { COMMIT, KEY_SIGNER, policy, REPO, statement } from "./statements.ts";

const NOW = new Date("2026-01-02T00:00:00Z");

/** Provenance in the shape of the SLSA GitHub generator: the source is a resolved dependency, not a parameter. */
function githubStatement(dependencies: ProvenanceV1["buildDefinition"]["resolvedDependencies"]): Statement<ProvenanceV1> {
  return {
    _type: "https://in-toto.io/Statement/v1",
    subject: [{ name: "shop.tar", digest: { sha256: "a".repeat(64) } }],
    predicateType: "https://slsa.dev/provenance/v1",
    predicate: {
      buildDefinition: {
        buildType: "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1",
        externalParameters: { workflow: { ref: "refs/tags/v1.2.0", repository: REPO, path: ".github/workflows/release.yml" } },
        resolvedDependencies: dependencies,
      },
      runDetails: { builder: { id: "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v2.1.0" }, metadata: { startedOn: "2026-01-01T00:00:00Z" } },
    },
  };
}

describe("provenance from another builder", () => {
  test("source, ref and commit come from the first resolved dependency with a gitCommit digest", async () => {
    const s = githubStatement([
      { uri: "pkg:npm/left-pad@1.3.0", digest: { sha512: "0".repeat(128) } },
      { uri: `git+${REPO}@refs/tags/v1.2.0`, digest: { gitCommit: COMMIT } },
    ]);
    const results = evaluatePolicy(await policy({ sourceUris: [REPO], refs: ["refs/tags/v*"], commits: [COMMIT.slice(0, 12)], allowDirty: true }), s, KEY_SIGNER, NOW);
    expect(results.map((r) => [r.rule, r.passed, r.found, r.field])).toEqual([
      ["signers", true, `key ${KEY_SIGNER.keyId}`, undefined],
      ["sourceUris", true, `git+${REPO}@refs/tags/v1.2.0`, "predicate.buildDefinition.resolvedDependencies[1].uri"],
      ["refs", true, "refs/tags/v1.2.0", "predicate.buildDefinition.resolvedDependencies[1].uri (after @)"],
      ["commits", true, COMMIT, "predicate.buildDefinition.resolvedDependencies[1].digest.gitCommit"],
      ["allowDirty", true, "nothing recorded", "predicate.buildDefinition.externalParameters.source.dirty"],
    ]);
  });

  test("what such provenance cannot say fails every rule that asks for it", async () => {
    const s = githubStatement([{ uri: "git+ssh://git@github.com/acme/shop", digest: { gitCommit: COMMIT } }]);
    const p = await policy({ refs: ["refs/heads/main"], minBunVersion: "1.4.0", contracts: { schemaVersion: ["3"] }, forbiddenPackages: [{ name: "hono", range: "<4.14.0" }], installScriptsAllowed: [] });
    // the user part of an ssh URL is not a ref; dirtiness, Bun, contracts and packages are not recorded at all
    expect(evaluatePolicy(p, s, KEY_SIGNER, NOW).map((r) => [r.rule, r.passed, r.found])).toEqual([
      ["signers", true, `key ${KEY_SIGNER.keyId}`],
      ["refs", false, "nothing recorded"],
      ["minBunVersion", false, "nothing recorded"],
      ["contracts.schemaVersion", false, "nothing recorded"],
      ["forbiddenPackages", false, "nothing recorded"],
      ["installScriptsAllowed", false, "nothing recorded"],
      ["allowDirty", false, "nothing recorded"],
    ]);
  });

  test("with no git dependency, the source rules fail", async () => {
    const results = evaluatePolicy(await policy({ sourceUris: [REPO], commits: [COMMIT] }), githubStatement([]), KEY_SIGNER, NOW);
    expect(results.filter((r) => r.rule === "sourceUris" || r.rule === "commits").map((r) => [r.passed, r.found])).toEqual([
      [false, "nothing recorded"],
      [false, "nothing recorded"],
    ]);
  });
});

describe("the sandbox rule", () => {
  test("provenance from another builder records no bunseal sandbox: a sandbox rule set fails closed, with its own reason codes", async () => {
    const s = githubStatement([{ uri: `git+${REPO}@refs/tags/v1.2.0`, digest: { gitCommit: COMMIT } }]);
    const results = evaluatePolicy(await policy({ sandbox: { allow: ["bubblewrap"], network: false }, allowDirty: true }), s, KEY_SIGNER, NOW);
    expect(results.filter((r) => r.rule.startsWith("sandbox")).map((r) => [r.rule, r.passed, r.found, r.code])).toEqual([
      ["sandbox.allow", false, "nothing recorded", "BUILD_UNSANDBOXED"],
      ["sandbox.network", false, "nothing recorded", "BUILD_NETWORK"],
    ]);
  });

  test("a bunseal statement: the recorded kind and network are judged; one made before the sandbox was recorded reads as kind none", async () => {
    const p = await policy({ sandbox: { allow: ["bubblewrap"], network: false } });
    const sandboxed = statement();
    expect(evaluatePolicy(p, sandboxed, KEY_SIGNER, NOW).filter((r) => r.rule.startsWith("sandbox")).map((r) => [r.rule, r.passed, r.found])).toEqual([
      ["sandbox.allow", true, "bubblewrap"],
      ["sandbox.network", true, "false"],
    ]);
    const older = structuredClone(sandboxed);
    delete (older.predicate.buildDefinition.internalParameters as Record<string, unknown>).sandbox;
    const results = evaluatePolicy(p, older, KEY_SIGNER, NOW).filter((r) => r.rule.startsWith("sandbox"));
    expect(results.map((r) => [r.rule, r.passed, r.found, r.code])).toEqual([
      ["sandbox.allow", false, "none", "BUILD_UNSANDBOXED"],
      ["sandbox.network", false, "nothing recorded", "BUILD_NETWORK"],
    ]);
    expect(results[0]!.message).toContain("the statement records no sandbox (made before bunseal recorded one)");
  });
});
