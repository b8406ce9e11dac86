import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { ERROR_CODES } from "../../src/errors.ts";
import { loadPolicy } from "../../src/policy/load.ts";
import { policySigners } from "../../src/policy/signers.ts";
import { generateKeyPair, keyIdOf } from "../../src/sign/keys.ts";
import { rejection } from "../helpers/expect-error.ts";
import { testdir } from "../helpers/testdir.ts";
import { TRUSTED } from "./statements.ts";

const refuse = async (policy: unknown, file = "policy.json") => {
  await using dir = await testdir({ [file]: typeof policy === "string" ? policy : JSON.stringify(policy) });
  const error = await rejection(loadPolicy(join(dir.path, file)));
  expect(error.code).toBe("POLICY_INVALID");
  expect(ERROR_CODES[error.code]).toBe("input");
  // name the file by its own name, whatever the temporary folder was called
  return { error, message: error.message.replaceAll(`${dir.path}/`, "") };
};

describe("a policy that would check nothing, or not what it says, is refused", () => {
  test("the empty policy {} is refused, naming the file and the signers field", async () => {
    const { error, message } = await refuse({});
    expect(error.field).toBe("signers");
    expect(message).toBe("policy.json: signers: expected at least one signer ({publicKey} or {identity|identityRegexp, issuer}): a policy that names no signer is refused, got nothing");
  });

  test("a policy with rules but an empty signer list is refused", async () => {
    const { error, message } = await refuse({ signers: [], builders: ["https://ci.example/builder"] });
    expect(error.field).toBe("signers");
    expect(message).toBe("policy.json: signers: expected at least 1 entry, got an array of 0");
  });

  test("a misspelt rule is refused with its field, so a policy cannot look enforced while checking nothing", async () => {
    const { error, message } = await refuse({ signers: [{ publicKey: TRUSTED.pem }], allowedRefs: ["refs/heads/main"], contracts: { schemaVersions: ["3"] } });
    // every problem, one line each (zod reports the nested ones first)
    expect(message.split("\n").sort()).toEqual([
      "policy.json: allowedRefs: expected no such key (unknown keys are refused; check the spelling), got an array of 1",
      "policy.json: contracts.schemaVersions: expected no such key (unknown keys are refused; check the spelling), got an array of 1",
      "policy.json: contracts: expected schemaVersion or telemetryContract (an empty contracts rule checks nothing), got an object",
    ]);
    expect(error.field).toBe("contracts.schemaVersions");
  });

  test("a file that is not JSON is refused", async () => {
    const { error, message } = await refuse("{ signers: [] ");
    expect(error.field).toBe("(top level)");
    expect(message).toStartWith("policy.json: expected a JSON policy, got a syntax error:");
  });

  test("a signer that is two kinds at once is refused", async () => {
    const { error, message } = await refuse({ signers: [{ identity: "a@example.com", issuer: "https://accounts.example", publicKey: "k.pub" }] });
    expect(error.field).toBe("signers[0]");
    expect(message).toBe("policy.json: signers[0]: expected a signer with exactly one of publicKey, identity (with issuer) or identityRegexp (with issuer), got publicKey and identity together");
  });

  test("a signer is judged as the kind it names: an identityRegexp without an issuer is told so", async () => {
    const { error, message } = await refuse({ signers: [{ identityRegexp: "https://github\\.com/acme/.+" }] });
    expect(error.field).toBe("signers[0].issuer");
    expect(message).toBe("policy.json: signers[0].issuer: expected a value of type string (the field is required), got nothing");
  });

  test.each([
    ["a semver range Bun would read as match-everything", { forbiddenPackages: [{ name: "hono", range: "garbage" }] }, "forbiddenPackages[0].range", 'expected a semver range such as "<4.14.0" or ">=1.0.0 <1.2.3 || 2.x", got "garbage"'],
    ["a minimum Bun version that is not a version", { minBunVersion: "1.4" }, "minBunVersion", 'expected a full semver version such as "1.4.5", got "1.4"'],
    ["a ref that is not a full ref name", { refs: ["main"] }, "refs[0]", 'expected a full ref name or glob starting with refs/ (refs/heads/main, refs/tags/v*), got "main"'],
    ["a negated ref glob", { refs: ["!refs/heads/main"] }, "refs[0]", "expected a full ref name or glob starting with refs/"],
    ["a commit prefix shorter than 7", { commits: ["1e5a7c"] }, "commits[0]", "expected a commit id, full or its first 7+ hex digits"],
    ["a duration without a unit", { maxAge: "30" }, "maxAge", 'expected a duration: a whole number then d, h or m ("30d", "12h", "90m"), got "30"'],
    ["a duplicate builder", { builders: ["https://a.example/b", "https://a.example/b"] }, "builders[1]", "expected no duplicate entries"],
    ["an empty allowed list", { sourceUris: [] }, "sourceUris", "expected at least 1 entry"],
    ["an identity regexp that does not compile", { signers: [{ identityRegexp: "https://(github", issuer: "https://token.actions.githubusercontent.com" }] }, "signers[0].identityRegexp", "expected a valid regular expression"],
  ])("refuses %s", async (_name, rules, field, expected) => {
    const { error, message } = await refuse({ signers: [{ publicKey: TRUSTED.pem }], ...rules });
    expect(error.field).toBe(field);
    expect(message).toContain(`policy.json: ${field}: ${expected}`);
  });
});

describe("signers", () => {
  test("a publicKey path is read relative to the policy file, not the working directory", async () => {
    await using dir = await testdir({ "policies/prod.json": JSON.stringify({ signers: [{ publicKey: "../keys/bunseal.pub" }] }) });
    const { publicKeyPath, keyId } = await generateKeyPair(join(dir.path, "keys"));
    const loaded = await loadPolicy(join(dir.path, "policies", "prod.json"));
    expect(loaded.signers).toEqual([expect.objectContaining({ kind: "key", keyId, source: publicKeyPath })]);
    expect(policySigners(loaded).keys.map(keyIdOf)).toEqual([keyId]);
  });

  test("a missing key file is a policy problem naming the field", async () => {
    const { error, message } = await refuse({ signers: [{ publicKey: "keys/nowhere.pub" }] });
    expect(error.field).toBe("signers[0].publicKey");
    expect(message).toStartWith('policy.json: signers[0].publicKey: expected an SPKI PEM public key or a path to one, got "keys/nowhere.pub"');
  });

  test("a private key pasted into the policy is refused, not turned into its public key", async () => {
    const { generateKeyPairSync } = await import("node:crypto");
    const pem = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }) as string;
    const { error, message } = await refuse({ signers: [{ publicKey: pem }] });
    expect(error.field).toBe("signers[0].publicKey");
    expect(message).toContain("this is a private key");
  });

  test("the same identity twice is refused", async () => {
    const signer = { identity: "release@acme.example", issuer: "https://accounts.google.com" };
    const { error, message } = await refuse({ signers: [signer, signer] });
    expect(error.field).toBe("signers[1]");
    expect(message).toBe("policy.json: signers[1]: expected no duplicate entries, got an object");
  });

  test("the same key twice, once inline and once by path, is refused", async () => {
    await using dir = await testdir({ "policy.json": JSON.stringify({ signers: [{ publicKey: TRUSTED.pem }, { publicKey: "trusted.pub" }] }), "trusted.pub": TRUSTED.pem });
    const error = await rejection(loadPolicy(join(dir.path, "policy.json")));
    expect(error).toMatchObject({ code: "POLICY_INVALID", field: "signers[1].publicKey" });
    expect(error.message).toBe(`${join(dir.path, "policy.json")}: signers[1].publicKey: expected each key once, got key ${TRUSTED.keyId.slice(0, 16)}… a second time`);
  });

  test("the same signer entry twice is refused", async () => {
    const { error } = await refuse({ signers: [{ publicKey: TRUSTED.pem }, { publicKey: TRUSTED.pem }] });
    expect(error.field).toBe("signers[1]");
  });

  test("policySigners gives the verifier the keys and the identities, regexps searched for as cosign does (anchored by their own ^ and $)", async () => {
    await using dir = await testdir({
      "policy.json": JSON.stringify({
        signers: [
          { publicKey: TRUSTED.pem },
          { identityRegexp: "https://github\\.com/acme/.+", issuer: "https://token.actions.githubusercontent.com" },
          { identity: "release@acme.example", issuer: "https://accounts.google.com" },
          { identityRegexp: "^https://github\\.com/acme/.+", issuer: "https://token.actions.githubusercontent.com" },
        ],
      }),
    });
    const { keys, identities } = policySigners(await loadPolicy(join(dir.path, "policy.json")));
    expect(keys.map(keyIdOf)).toEqual([TRUSTED.keyId]);
    expect(identities[1]).toEqual({ identity: "release@acme.example", issuer: "https://accounts.google.com" });
    expect(identities[0]!.issuer).toBe("https://token.actions.githubusercontent.com");
    expect(String(identities[0]!.identityRegexp)).toBe(String(/https:\/\/github\.com\/acme\/.+/));
    expect(identities[0]!.identityRegexpSource).toBe("https://github\\.com/acme/.+");
    // unanchored, as in cosign: the policy's author anchors with ^ when the identity must start there
    expect(identities[0]!.identityRegexp!.test("https://evil.example/https://github.com/acme/x")).toBe(true);
    expect(identities[2]!.identityRegexp!.test("https://evil.example/https://github.com/acme/x")).toBe(false);
    expect(identities[2]!.identityRegexp!.test("https://github.com/acme/x/.github/workflows/release.yml@refs/tags/v1")).toBe(true);
  });
});
