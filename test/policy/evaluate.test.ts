import { describe, expect, test } from "bun:test";
import { evaluatePolicy, policyPassed } from "../../src/policy/evaluate.ts";
import type { PolicyResult } from "../../src/policy/result.ts";
import { COMMIT, KEY_SIGNER, policy, REPO, STARTED, statement, TRUSTED } from "./statements.ts";

const NOW = new Date("2026-01-10T00:00:00Z");

/** The one result for `rule`, asserting there is exactly one. */
function only(results: PolicyResult[], rule: string): PolicyResult {
  const found = results.filter((r) => r.rule === rule);
  expect(found).toHaveLength(1);
  return found[0]!;
}

async function judge(rules: Record<string, unknown>, options: Parameters<typeof statement>[0] = {}, rule: string = Object.keys(rules)[0]!): Promise<PolicyResult> {
  return only(evaluatePolicy(await policy(rules), statement(options), KEY_SIGNER, NOW), rule);
}

describe("each rule passes and fails, saying what it wanted and what it found", () => {
  test.each([
    // rule, policy, statement, passed, expected, found
    ["builders", { builders: ["https://bunseal.dev/builders/local/v1"] }, {}, true, "https://bunseal.dev/builders/local/v1", "https://bunseal.dev/builders/local/v1"],
    ["builders", { builders: ["https://ci.acme.example/builder", "https://gha.example/b"] }, {}, false, "one of https://ci.acme.example/builder, https://gha.example/b", "https://bunseal.dev/builders/local/v1"],
    ["sourceUris", { sourceUris: [REPO] }, {}, true, REPO, `git+${REPO}@refs/heads/main`],
    ["sourceUris", { sourceUris: [`git+${REPO}.git@refs/heads/main`] }, {}, true, `git+${REPO}.git@refs/heads/main`, `git+${REPO}@refs/heads/main`],
    ["sourceUris", { sourceUris: [`${REPO}@refs/heads/dev`] }, {}, false, `${REPO}@refs/heads/dev`, `git+${REPO}@refs/heads/main`],
    ["sourceUris", { sourceUris: ["https://github.com/acme/shop-fork"] }, {}, false, "https://github.com/acme/shop-fork", `git+${REPO}@refs/heads/main`],
    ["refs", { refs: ["refs/heads/main"] }, {}, true, "refs/heads/main", "refs/heads/main"],
    ["refs", { refs: ["refs/tags/v*"] }, { source: { ref: "refs/tags/v2.1.0" } }, true, "refs/tags/v*", "refs/tags/v2.1.0"],
    ["refs", { refs: ["refs/tags/v*"] }, {}, false, "refs/tags/v*", "refs/heads/main"],
    ["refs", { refs: ["refs/heads/*"] }, { source: { ref: "refs/heads/evil/main" } }, false, "refs/heads/*", "refs/heads/evil/main"],
    ["refs", { refs: ["refs/heads/main"] }, { source: { ref: null } }, false, "refs/heads/main", "nothing recorded"],
    ["commits", { commits: [COMMIT] }, {}, true, COMMIT, COMMIT],
    ["commits", { commits: [COMMIT.slice(0, 7).toUpperCase()] }, {}, true, COMMIT.slice(0, 7).toUpperCase(), COMMIT],
    ["commits", { commits: ["2b7d9f1a"] }, {}, false, "2b7d9f1a", COMMIT],
    ["minBunVersion", { minBunVersion: "1.4.5" }, {}, true, "Bun 1.4.5 or newer", "1.4.5"],
    ["minBunVersion", { minBunVersion: "1.5.0" }, {}, false, "Bun 1.5.0 or newer", "1.4.5"],
    ["minBunVersion", { minBunVersion: "1.4.5" }, { bunVersion: "1.4.5-canary.3" }, false, "Bun 1.4.5 or newer", "1.4.5-canary.3"],
    ["contracts.schemaVersion", { contracts: { schemaVersion: ["2024-06-01.3", "2024-07-01.1"] } }, {}, true, "one of 2024-06-01.3, 2024-07-01.1", "2024-06-01.3"],
    ["contracts.schemaVersion", { contracts: { schemaVersion: ["2024-07-01.1"] } }, {}, false, "2024-07-01.1", "2024-06-01.3"],
    ["contracts.telemetryContract", { contracts: { telemetryContract: ["otel-http-v1"] } }, {}, true, "otel-http-v1", "otel-http-v1"],
    ["contracts.telemetryContract", { contracts: { telemetryContract: ["otel-http-v2"] } }, { contracts: null }, false, "otel-http-v2", "nothing recorded"],
    ["allowDirty", {}, {}, true, "false", "false"],
    ["allowDirty", {}, { source: { dirty: true, changedPaths: ["src/index.ts"] } }, false, "false", "true"],
    ["allowDirty", { allowDirty: true }, { source: { dirty: true, changedPaths: ["src/index.ts"] } }, true, "clean or dirty (allowDirty)", "true"],
  ] as const)("%s: %j on %j → passed %p", async (rule, rules, options, passed, expected, found) => {
    const result = await judge(rules, options as Parameters<typeof statement>[0], rule);
    expect({ passed: result.passed, expected: result.expected, found: result.found }).toEqual({ passed, expected, found });
    expect(result.message).toStartWith(`${rule}: `);
  });

  test("a failed rule says where in the statement it looked", async () => {
    const result = await judge({ commits: ["2b7d9f1a"] });
    expect(result.field).toBe("predicate.buildDefinition.externalParameters.source.commit");
    expect(result.message).toBe(`commits: commit ${COMMIT} is not allowed; the policy requires 2b7d9f1a`);
  });
});

describe("maxAge, against a fixed clock", () => {
  test("a build younger than maxAge passes, an older one fails", async () => {
    const young = await judge({ maxAge: "10d" });
    expect(young).toMatchObject({ passed: true, found: STARTED.toISOString(), expected: "a build started less than 10d before 2026-01-10T00:00:00.000Z" });
    const old = await judge({ maxAge: "9d" });
    expect(old).toMatchObject({ passed: false, found: STARTED.toISOString() });
    expect(old.message).toBe("maxAge: the build started 12960 minute(s) ago (2026-01-01T00:00:00.000Z), longer ago than 9d");
    expect((await judge({ maxAge: "216h" })).passed).toBe(false);
    expect((await judge({ maxAge: "12961m" })).passed).toBe(true);
  });

  test("rejects a postdated statement that would stay young for ever", async () => {
    const result = await judge({ maxAge: "30d" }, { startedOn: new Date("2099-01-01T00:00:00Z") });
    expect(result).toMatchObject({ passed: false, found: "2099-01-01T00:00:00.000Z" });
    expect(result.message).toContain("in the future");
    // a clock a minute or two ahead is skew, not an attack
    expect((await judge({ maxAge: "30d" }, { startedOn: new Date(NOW.getTime() + 60_000) })).passed).toBe(true);
  });

  test("a statement with no start time fails the rule rather than skipping it", async () => {
    const s = statement();
    delete s.predicate.runDetails.metadata!.startedOn;
    const result = only(evaluatePolicy(await policy({ maxAge: "30d" }), s, KEY_SIGNER, NOW), "maxAge");
    expect(result).toMatchObject({ passed: false, found: "nothing recorded", field: "predicate.runDetails.metadata.startedOn" });
  });
});

describe("a rule that is set is never skipped for want of evidence", () => {
  test("missing Bun version, builder and dependencies each fail with 'nothing recorded'", async () => {
    const s = statement();
    delete (s.predicate.buildDefinition.internalParameters as Record<string, unknown>).bun;
    delete s.predicate.buildDefinition.resolvedDependencies;
    (s.predicate.runDetails.builder as Record<string, unknown>).id = 42;
    const results = evaluatePolicy(await policy({ minBunVersion: "1.0.0", builders: ["https://b.example"], forbiddenPackages: [{ name: "hono", range: "<4.14.0" }], installScriptsAllowed: [] }), s, KEY_SIGNER, NOW);
    for (const rule of ["minBunVersion", "builders", "forbiddenPackages", "installScriptsAllowed"]) {
      expect(only(results, rule)).toMatchObject({ passed: false, found: "nothing recorded" });
    }
  });
});

describe("every rule is evaluated, even after one fails", () => {
  test("a statement failing several rules gets a result for each, in a fixed order", async () => {
    const p = await policy({
      builders: ["https://ci.acme.example/builder"],
      sourceUris: [REPO],
      refs: ["refs/tags/v*"],
      commits: [COMMIT],
      maxAge: "1d",
      minBunVersion: "1.5.0",
      contracts: { schemaVersion: ["2024-06-01.3"], telemetryContract: ["otel-http-v2"] },
      forbiddenPackages: [{ name: "hono", range: "<4.14.0", reason: "CVE-2026-0001" }],
      installScriptsAllowed: [],
    });
    const results = evaluatePolicy(p, statement(), KEY_SIGNER, NOW);
    expect(results.map((r) => [r.rule, r.passed])).toEqual([
      ["signers", true],
      ["builders", false],
      ["sourceUris", true],
      ["refs", false],
      ["commits", true],
      ["maxAge", false],
      ["minBunVersion", false],
      ["contracts.schemaVersion", true],
      ["contracts.telemetryContract", false],
      ["forbiddenPackages", false],
      ["installScriptsAllowed", true],
      ["allowDirty", true],
    ]);
    expect(policyPassed(results)).toBe(false);
  });
});

describe("signers", () => {
  const GITHUB = "https://token.actions.githubusercontent.com";
  const identity = (value: string, issuer = GITHUB) => ({ kind: "certificate", identity: value, issuer }) as const;
  const regexpPolicy = () => policy({ signers: [{ identityRegexp: "^https://github\\.com/acme/[^/]+/\\.github/workflows/release\\.yml@refs/tags/v[0-9.]+$", issuer: GITHUB }] });

  test("a key signer passes when the policy names the key, and fails otherwise", async () => {
    expect(only(evaluatePolicy(await policy({}), statement(), KEY_SIGNER, NOW), "signers")).toMatchObject({ passed: true, found: `key ${TRUSTED.keyId}` });
    const other = only(evaluatePolicy(await policy({}), statement(), { kind: "key", keyId: "0".repeat(64) }, NOW), "signers");
    expect(other).toMatchObject({ passed: false, expected: `key ${TRUSTED.keyId}`, found: `key ${"0".repeat(64)}` });
  });

  test("an identity regexp matches the whole identity, with the issuer exact", async () => {
    const p = await regexpPolicy();
    const good = "https://github.com/acme/shop/.github/workflows/release.yml@refs/tags/v1.2.0";
    expect(only(evaluatePolicy(p, statement(), identity(good), NOW), "signers").passed).toBe(true);
    expect(only(evaluatePolicy(p, statement(), identity(good, "https://token.evil.example"), NOW), "signers").passed).toBe(false);
    expect(only(evaluatePolicy(p, statement(), identity("https://github.com/acme/shop/.github/workflows/other.yml@refs/heads/main"), NOW), "signers").passed).toBe(false);
  });

  test("rejects an identity that only contains a trusted one when the regexp is anchored with ^ and $", async () => {
    const p = await regexpPolicy();
    const smuggled = "https://github.com/mallory/x/.github/workflows/a.yml?https://github.com/acme/shop/.github/workflows/release.yml@refs/tags/v1";
    expect(only(evaluatePolicy(p, statement(), identity(`${smuggled}`), NOW), "signers").passed).toBe(false);
    expect(only(evaluatePolicy(p, statement(), identity(`${"https://github.com/acme/shop/.github/workflows/release.yml@refs/tags/v1"}\nextra`), NOW), "signers").passed).toBe(false);
  });

  test("a key-only policy does not accept a certificate signer, whatever its identity", async () => {
    expect(only(evaluatePolicy(await policy({}), statement(), identity("anyone"), NOW), "signers").passed).toBe(false);
  });

  test("with no verified signer, the signers rule fails and every other rule still runs", async () => {
    const results = evaluatePolicy(await policy({ commits: [COMMIT] }), statement(), undefined, NOW);
    expect(results.map((r) => [r.rule, r.passed, r.found])).toEqual([
      ["signers", false, "nothing recorded"],
      ["commits", true, COMMIT],
      ["allowDirty", true, "false"],
    ]);
  });
});
