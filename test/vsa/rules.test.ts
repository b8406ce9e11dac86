/**
 * The pure parts of the summary: which level each kind of build earns, the
 * VSA schema's own rules, and a policy's vsa rules. No disk, no clock.
 */
import { expect, test } from "bun:test";
import type { LoadedPolicy } from "../../src/policy/index.ts";
import { parsePolicy } from "../../src/policy/load.ts";
import { earnedBuildLevel } from "../../src/vsa/levels.ts";
import { makeVsaStatement } from "../../src/vsa/make-vsa.ts";
import { evaluateVsaPolicy } from "../../src/vsa/policy-rules.ts";
import { VsaPredicateSchema } from "../../src/vsa/schema.ts";

const provenance = { predicateType: "https://slsa.dev/provenance/v1" } as never;

test("levels: none for a failure, 0 without provenance, 1 for a key, 2 for a hosted CI's workflow identity, 1 for a person's", () => {
  expect(earnedBuildLevel({ verified: false, statement: provenance, signer: { keyId: "k" } }).level).toBe("FAILED");
  expect(earnedBuildLevel({ verified: true, predicateType: "https://example.com/other/v1", signer: { identity: "x", issuer: "https://token.actions.githubusercontent.com" } }).level).toBe("SLSA_BUILD_LEVEL_0");
  expect(earnedBuildLevel({ verified: true, statement: provenance, signer: { keyId: "k" } }).level).toBe("SLSA_BUILD_LEVEL_1");
  expect(earnedBuildLevel({ verified: true, statement: provenance, signer: { identity: "https://github.com/acme/x/.github/workflows/release.yml@refs/tags/v1", issuer: "https://token.actions.githubusercontent.com" } }).level).toBe("SLSA_BUILD_LEVEL_2");
  expect(earnedBuildLevel({ verified: true, statement: provenance, signer: { identity: "https://gitlab.com/acme/x//.gitlab-ci.yml@refs/heads/main", issuer: "https://gitlab.com" } }).level).toBe("SLSA_BUILD_LEVEL_2");
  expect(earnedBuildLevel({ verified: true, statement: provenance, signer: { identity: "dev@example.com", issuer: "https://accounts.google.com" } }).level).toBe("SLSA_BUILD_LEVEL_1");
});

const plan = (verified: boolean) => ({
  report: { verified, artifact: { digest: `sha256:${"a".repeat(64)}`, path: "/out/service.tar" }, signer: { keyId: "k" }, statement: provenance, predicateType: "https://slsa.dev/provenance/v1" },
  verifierId: "https://verifier.example/gate",
  verifierVersion: "0.1.0",
  resourceUri: "https://releases.example/service.tar",
  policy: { uri: "https://bunseal.dev/policies/verify-flags/v1", sha256: "b".repeat(64) },
  inputAttestations: [{ uri: "file:///out/service.tar.sigstore.json", sha256: "c".repeat(64) }],
  timeVerified: new Date("2026-03-01T12:00:00Z"),
});

test("the planned statement is a valid summary, PASSED or FAILED, and names the artifact by its file name", () => {
  for (const verified of [true, false]) {
    const statement = makeVsaStatement(plan(verified));
    expect(statement.subject).toEqual([{ name: "service.tar", digest: { sha256: "a".repeat(64) } }]);
    expect(VsaPredicateSchema.safeParse(statement.predicate).success).toBe(true);
    expect(statement.predicate.verificationResult).toBe(verified ? "PASSED" : "FAILED");
  }
});

test("the schema refuses a summary that says two things at once, or two levels on one track", () => {
  const predicate = makeVsaStatement(plan(true)).predicate;
  const issues = (p: unknown) => (VsaPredicateSchema.safeParse(p).error?.issues ?? []).map((i) => i.path.join("."));
  expect(issues({ ...predicate, verifiedLevels: ["FAILED"] })).toEqual(["verifiedLevels"]);
  expect(issues({ ...predicate, verificationResult: "FAILED" })).toEqual(["verifiedLevels"]);
  expect(issues({ ...predicate, verifiedLevels: ["SLSA_BUILD_LEVEL_1", "SLSA_BUILD_LEVEL_2"] })).toEqual(["verifiedLevels.1"]);
  expect(issues({ ...predicate, verifiedLevels: [] })).toEqual(["verifiedLevels"]);
  expect(issues({ ...predicate, policy: { uri: "x" } })).toContain("policy.digest");
  // the spec's parsing rules: an unknown field is ignored, not refused
  expect(issues({ ...predicate, "https://example.com/extension": true })).toEqual([]);
});

function policy(json: unknown): LoadedPolicy {
  const { signers: _s, $schema: _x, ...rules } = parsePolicy(JSON.stringify(json), "policy.json");
  return { file: "policy.json", sha256: "d".repeat(64), rules, signers: [{ kind: "identity", identity: "v", issuer: "i" }] };
}
const signer = { kind: "certificate" as const, identity: "v", issuer: "i" };

test("vsa.levels: a higher level of the same track meets a lower one; a custom level only itself", () => {
  const p = policy({ signers: [{ identity: "v", issuer: "i" }], vsa: { levels: ["SLSA_BUILD_LEVEL_2", "ACME_REVIEWED"] } });
  const levels = (stated: string[]) => evaluateVsaPolicy(p, { verifiedLevels: stated }, signer).find((r) => r.rule === "vsa.levels")!;
  expect(levels(["SLSA_BUILD_LEVEL_3", "ACME_REVIEWED"]).passed).toBe(true);
  expect(levels(["SLSA_BUILD_LEVEL_2", "ACME_REVIEWED"]).passed).toBe(true);
  expect(levels(["SLSA_BUILD_LEVEL_1", "ACME_REVIEWED"]).message).toContain("does not meet SLSA_BUILD_LEVEL_2");
  expect(levels(["SLSA_BUILD_LEVEL_3"]).message).toContain("does not meet ACME_REVIEWED");
  expect(levels(["SLSA_SOURCE_LEVEL_3", "ACME_REVIEWED"]).passed).toBe(false);
  expect(levels([]).found).toBe("nothing recorded");
});

test("vsa.verifierIds: a verifier not listed, or none recorded, fails", () => {
  const p = policy({ signers: [{ identity: "v", issuer: "i" }], vsa: { verifierIds: ["https://verifier.example/gate"] } });
  const rule = (id?: string) => evaluateVsaPolicy(p, { verifierId: id }, signer).find((r) => r.rule === "vsa.verifierIds")!;
  expect(rule("https://verifier.example/gate").passed).toBe(true);
  expect(rule("https://verifier.example/gate/").passed).toBe(false);
  expect(rule(undefined).found).toBe("nothing recorded");
});
