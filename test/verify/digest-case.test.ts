/**
 * Attack 10 (verify side): one digest in two spellings. Hex names the same
 * bytes in either case, so a signed subject written in upper case is matched
 * case-insensitively, but everything verify hands on (the report, the
 * Verified<Statement> the store and rebuild read, the CLI's JSON) names it in
 * lower case, the one form the store keys on; and a "digest" that is not 64
 * hex digits (a prefix, one digit too many) is refused, never matched.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { ProvenanceStatement } from "../../src/attest/provenance.ts";
import { verifyBundle } from "../../src/verify/verify-bundle.ts";
import { runCli } from "../helpers/cli.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";
import { writeSignedCase } from "./signed-statement.ts";

let work: TestDir;
beforeAll(async () => {
  work = await makeTempDir("bunseal-digest-case-");
});
afterAll(async () => {
  await work?.cleanup();
});

/** A case whose artifact subject's sha256 is rewritten by `spell` before signing. */
async function signedWithSubject(name: string, spell: (hex: string) => string) {
  return writeSignedCase(join(work.path, name), 3, (s: ProvenanceStatement) => {
    const copy = structuredClone(s);
    copy.subject[0]!.digest.sha256 = spell(copy.subject[0]!.digest.sha256!);
    return copy;
  });
}

describe("a subject digest signed in upper case", () => {
  test("matches the artifact, and the library returns it in lower case", async () => {
    const signed = await signedWithSubject("upper", (hex) => hex.toUpperCase());
    const report = await verifyBundle({ artifact: signed.artifactPath, bundlePath: signed.bundlePath, keys: [signed.publicKey], expectations: {} });
    expect(report.failures).toEqual([]);
    expect(report.verified).toBe(true);
    expect(report.artifact?.digest).toBe(`sha256:${signed.artifactSha256}`);
    expect(report.artifact?.subject).toBe("large-service.tar");
    expect(report.verifiedStatement?.subject[0]?.digest.sha256).toBe(signed.artifactSha256);
    expect(report.statement?.subject.every((s) => s.digest.sha256 === s.digest.sha256?.toLowerCase())).toBe(true);
  });

  test("matches when the artifact is named by its digest in upper case too", async () => {
    const signed = await signedWithSubject("upper-by-digest", (hex) => hex.toUpperCase());
    const report = await verifyBundle({ artifact: `sha256:${signed.artifactSha256.toUpperCase()}`, bundlePath: signed.bundlePath, keys: [signed.publicKey], expectations: {} });
    expect(report.verified).toBe(true);
    expect(report.artifact?.digest).toBe(`sha256:${signed.artifactSha256}`);
  });

  test("the CLI's JSON names the digest in lower case only", async () => {
    const signed = await signedWithSubject("upper-cli", (hex) => hex.toUpperCase());
    const result = await runCli(["verify", signed.artifactPath, "--bundle", signed.bundlePath, "--key", signed.publicKeyPath, "--json"]);
    expect(result.exitCode).toBe(0);
    expect(result.json()).toMatchObject({ verified: true, artifact: { digest: `sha256:${signed.artifactSha256}` } });
    expect(result.stdout).not.toContain(signed.artifactSha256.toUpperCase());
  });
});

describe("a subject digest that is not 64 hex digits is refused", () => {
  for (const [defect, spell] of [
    ["a 63-digit prefix of the artifact's digest", (hex: string) => hex.slice(0, 63)],
    ["the artifact's digest with one digit more", (hex: string) => `${hex}0`],
    ["a 128-digit value that starts with the artifact's digest", (hex: string) => hex.repeat(2)],
  ] as const) {
    test(`rejects ${defect} (STATEMENT_INVALID at subject[0].digest.sha256)`, async () => {
      const signed = await signedWithSubject(defect.replaceAll(/\W+/g, "-"), spell);
      const report = await verifyBundle({ artifact: signed.artifactPath, bundlePath: signed.bundlePath, keys: [signed.publicKey], expectations: {} });
      expect(report.verified).toBe(false);
      expect(report.failures).toContainEqual(expect.objectContaining({ code: "STATEMENT_INVALID", field: "subject[0].digest.sha256", expected: "64 hex digits (a sha256)" }));
      const cli = await runCli(["verify", signed.artifactPath, "--bundle", signed.bundlePath, "--key", signed.publicKeyPath, "--json"]);
      expect(cli.exitCode).toBe(1);
      expect(cli.json().failures.map((f: { code: string }) => f.code)).toContain("STATEMENT_INVALID");
    });
  }
});

describe("the digest form's prefix in upper case (issue #20, 16)", () => {
  test("SHA256:<hex> is a digest, not a path, in the library and the CLI", async () => {
    const signed = await signedWithSubject("upper-prefix", (hex) => hex);
    const report = await verifyBundle({ artifact: `SHA256:${signed.artifactSha256.toUpperCase()}`, bundlePath: signed.bundlePath, keys: [signed.publicKey], expectations: {} });
    expect(report.verified).toBe(true);
    expect(report.artifact).toEqual({ digest: `sha256:${signed.artifactSha256}`, path: undefined, subject: "large-service.tar" });
    const result = await runCli(["verify", `SHA256:${signed.artifactSha256}`, "--bundle", signed.bundlePath, "--key", signed.publicKeyPath, "--json"]);
    expect(result.exitCode).toBe(0);
    expect(result.json()).toMatchObject({ verified: true, artifact: { digest: `sha256:${signed.artifactSha256}` } });
  });

  test("Sha256: with no bundle is the digest form's usage error, not an unreadable file", async () => {
    const signed = await signedWithSubject("upper-prefix-no-bundle", (hex) => hex);
    const result = await runCli(["verify", `Sha256:${signed.artifactSha256}`, "--key", signed.publicKeyPath]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("a digest has no bundle beside it; expected --bundle FILE");
  });

  test("a malformed SHA256: digest is a usage error naming the expected form", async () => {
    const signed = await signedWithSubject("upper-prefix-bad", (hex) => hex);
    const result = await runCli(["verify", "SHA256:abc", "--bundle", signed.bundlePath, "--key", signed.publicKeyPath, "--json"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('expected sha256:<64 hex digits>, got "SHA256:abc"');
  });
});
