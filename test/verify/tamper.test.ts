/**
 * Verify must catch every kind of tampering with the artifact, the statement
 * or the signature, each with its own reason code, and report all at once.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { loadPrivateKey, loadPublicKey } from "../../src/sign/keys.ts";
import { keySigner } from "../../src/sign/signer.ts";
import { signStatement } from "../../src/sign/sign-statement.ts";
import { canonicalJson } from "../../src/util/canonical-json.ts";
import { verifyBundle } from "../../src/verify/verify-bundle.ts";
import { exampleServiceRepo } from "../helpers/example-service.ts";
import { runCli } from "../helpers/cli.ts";
import type { GitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

let repo: GitRepo;
let work: TestDir;
let artifact: string;
let bundleJson: any;
let statement: any;

beforeAll(async () => {
  [repo, work] = await Promise.all([exampleServiceRepo(), makeTempDir("bunseal-tamper-")]);
  await runCli(["keygen", "--out", join(work.path, "good")]);
  await runCli(["keygen", "--out", join(work.path, "attacker")]);
  const built = await runCli(["build", repo.path, "--key", join(work.path, "good", "bunseal.key"), "--json"]);
  expect(built.exitCode).toBe(0);
  artifact = built.json().artifact.path;
  bundleJson = await Bun.file(built.json().bundle.path).json();
  statement = JSON.parse(Buffer.from(bundleJson.dsseEnvelope.payload, "base64").toString("utf8"));
});
afterAll(async () => {
  await Promise.all([repo?.cleanup(), work?.cleanup()]);
});

async function verifyWith(bundle: unknown, options: { artifactPath?: string; key?: string; expectations?: Record<string, string> } = {}) {
  const path = join(work.path, `bundle-${crypto.randomUUID()}.json`);
  await Bun.write(path, JSON.stringify(bundle));
  const keys = [await loadPublicKey(options.key ?? join(work.path, "good", "bunseal.pub"))];
  return verifyBundle({ artifact: options.artifactPath ?? artifact, bundlePath: path, keys, expectations: options.expectations ?? {} });
}

function codes(report: { failures: { code: string }[] }): string[] {
  return [...new Set(report.failures.map((f) => f.code))].sort();
}

function flipByte(data: Uint8Array, index: number): Uint8Array {
  const copy = new Uint8Array(data);
  copy[index] = copy[index]! ^ 0x01;
  return copy;
}

async function resign(payload: unknown, keyDir: string) {
  const signer = keySigner(await loadPrivateKey(join(work.path, keyDir, "bunseal.key")));
  return signStatement(new TextEncoder().encode(canonicalJson(payload)), signer);
}

describe("verify detects tampering", () => {
  test("the untouched artifact verifies", async () => {
    const report = await verifyWith(bundleJson);
    expect(report.failures).toEqual([]);
    expect(report.verified).toBe(true);
  });

  test("flipping any byte of the artifact fails with SUBJECT_MISMATCH", async () => {
    const bytes = await Bun.file(artifact).bytes();
    const positions = [0, 100, 511, 512, Math.floor(bytes.length / 2), bytes.length - 1025, bytes.length - 1];
    for (const position of positions) {
      const path = join(work.path, `tampered-${position}.tar`);
      await Bun.write(path, flipByte(bytes, position));
      const report = await verifyWith(bundleJson, { artifactPath: path });
      expect(report.verified).toBe(false);
      expect(codes(report)).toEqual(["SUBJECT_MISMATCH"]);
    }
  });

  test("flipping any byte of the payload fails with SIGNATURE_INVALID", async () => {
    const payload = Buffer.from(bundleJson.dsseEnvelope.payload, "base64");
    const step = Math.max(1, Math.floor(payload.length / 24));
    for (let position = 0; position < payload.length; position += step) {
      const tampered = structuredClone(bundleJson);
      tampered.dsseEnvelope.payload = Buffer.from(flipByte(payload, position)).toString("base64");
      const report = await verifyWith(tampered);
      expect(report.verified).toBe(false);
      expect(codes(report)).toContain("SIGNATURE_INVALID");
    }
  });

  test("flipping any byte of the signature fails with SIGNATURE_INVALID", async () => {
    const sig = Buffer.from(bundleJson.dsseEnvelope.signatures[0].sig, "base64");
    for (let position = 0; position < sig.length; position += 7) {
      const tampered = structuredClone(bundleJson);
      tampered.dsseEnvelope.signatures[0].sig = Buffer.from(flipByte(sig, position)).toString("base64");
      const report = await verifyWith(tampered);
      expect(codes(report)).toEqual(["SIGNATURE_INVALID"]);
    }
  });

  test("changing the payloadType breaks the signature (the PAE covers it) and the statement", async () => {
    const tampered = structuredClone(bundleJson);
    tampered.dsseEnvelope.payloadType = "application/json";
    expect(codes(await verifyWith(tampered))).toEqual(["SIGNATURE_INVALID", "STATEMENT_INVALID"]);
  });

  test("rejects a statement re-signed by an attacker's key", async () => {
    const forged = structuredClone(statement);
    forged.predicate.buildDefinition.externalParameters.source.commit = "f".repeat(40);
    const report = await verifyWith(await resign(forged, "attacker"));
    expect(codes(report)).toEqual(["SIGNATURE_INVALID"]);
  });

  test("a different trusted key does not verify", async () => {
    const report = await verifyWith(bundleJson, { key: join(work.path, "attacker", "bunseal.pub") });
    expect(codes(report)).toEqual(["SIGNATURE_INVALID"]);
  });

  test("rejects a validly signed statement about another artifact", async () => {
    const other = structuredClone(statement);
    other.subject = [{ name: "other.tar", digest: { sha256: "a".repeat(64) } }];
    expect(codes(await verifyWith(await resign(other, "good")))).toEqual(["SUBJECT_MISMATCH"]);
  });

  test("rejects a signed statement with a field bunseal's build type does not define", async () => {
    const odd = structuredClone(statement);
    odd.predicate.buildDefinition.externalParameters.skipChecks = true;
    const report = await verifyWith(await resign(odd, "good"));
    expect(codes(report)).toEqual(["STATEMENT_INVALID"]);
    expect(report.failures[0]!.field).toBe("predicate.buildDefinition.externalParameters.skipChecks");
  });

  test("rejects a signed statement with the wrong predicate type", async () => {
    const odd = structuredClone(statement);
    odd.predicateType = "https://slsa.dev/provenance/v0.2";
    expect(codes(await verifyWith(await resign(odd, "good")))).toEqual(["STATEMENT_INVALID"]);
  });

  test("reports every failure at once", async () => {
    const bytes = await Bun.file(artifact).bytes();
    const path = join(work.path, "tampered-all.tar");
    await Bun.write(path, flipByte(bytes, 10));
    const report = await verifyWith(bundleJson, { artifactPath: path, key: join(work.path, "attacker", "bunseal.pub"), expectations: { service: "billing", commit: "0".repeat(40) } });
    expect(codes(report)).toEqual(["EXPECTATION_FAILED", "SIGNATURE_INVALID", "SUBJECT_MISMATCH"]);
    expect(report.failures.filter((f) => f.code === "EXPECTATION_FAILED")).toHaveLength(2);
  });
});

describe("verify on the command line", () => {
  test("a tampered artifact exits 1 with the reason code in --json", async () => {
    const path = join(work.path, "cli-tampered.tar");
    await Bun.write(path, flipByte(await Bun.file(artifact).bytes(), 1000));
    await copyFile(`${artifact}.sigstore.json`, `${path}.sigstore.json`);
    const out = await runCli(["verify", path, "--key", join(work.path, "good", "bunseal.pub"), "--json"]);
    expect(out.exitCode).toBe(1);
    expect(out.json().verified).toBe(false);
    expect(out.json().failures[0].code).toBe("SUBJECT_MISMATCH");
  });

  test("an expectation that does not hold exits 1 with EXPECTATION_FAILED", async () => {
    const out = await runCli(["verify", artifact, "--key", join(work.path, "good", "bunseal.pub"), "--source-uri", "https://github.com/acme/other", "--json"]);
    expect(out.exitCode).toBe(1);
    expect(out.json().failures).toEqual([expect.objectContaining({ code: "EXPECTATION_FAILED", field: "predicate.buildDefinition.externalParameters.source.uri" })]);
  });

  test("a bundle that is not JSON is unreadable input: exit 2, BUNDLE_INVALID, no stack trace", async () => {
    const path = join(work.path, "garbage.json");
    await Bun.write(path, "{not json");
    const out = await runCli(["verify", artifact, "--bundle", path, "--key", join(work.path, "good", "bunseal.pub")]);
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toContain("BUNDLE_INVALID");
    expect(out.stderr).toContain(path);
    expect(out.stderr).not.toContain("    at ");
  });

  test("a bundle of the wrong shape names the field", async () => {
    const path = join(work.path, "shape.json");
    await Bun.write(path, JSON.stringify({ ...bundleJson, mediaType: "application/vnd.dev.sigstore.bundle+json;version=9" }));
    const out = await runCli(["verify", artifact, "--bundle", path, "--key", join(work.path, "good", "bunseal.pub"), "--json"]);
    expect(out.exitCode).toBe(2);
    expect(out.json().error).toMatchObject({ code: "BUNDLE_INVALID", field: "mediaType" });
  });

  test("a missing artifact, a missing key and no key at all are usage errors (exit 2)", async () => {
    const pub = join(work.path, "good", "bunseal.pub");
    expect((await runCli(["verify", join(work.path, "nope.tar"), "--bundle", `${artifact}.sigstore.json`, "--key", pub])).exitCode).toBe(2);
    expect((await runCli(["verify", artifact, "--key", join(work.path, "nope.pub")])).exitCode).toBe(2);
    const noKey = await runCli(["verify", artifact, "--json"]);
    expect(noKey.exitCode).toBe(2);
    expect(noKey.json().error.code).toBe("USAGE");
  });

  test("a private key passed as --key is refused rather than trusted", async () => {
    const out = await runCli(["verify", artifact, "--key", join(work.path, "good", "bunseal.key"), "--json"]);
    expect(out.exitCode).toBe(2);
    expect(out.json().error.code).toBe("KEY_INVALID");
  });
});
