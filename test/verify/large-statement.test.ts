/**
 * Attack 9 (a denial of verification): a build of ~26,000 modules or more makes
 * a statement whose DSSE payload is over 8.26 M base64 characters, and the
 * bundle check's base64 pattern gave up on it, so a validly signed release
 * was refused as BUNDLE_INVALID. Formats must hold at any size a real build
 * makes; here, 40,000 inputs (a payload of about 9.6 M characters).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { verifyBundle } from "../../src/verify/verify-bundle.ts";
import { isStandardBase64, isStandardBase64Slow } from "../../src/verify/proto-json.ts";
import { mulberry32 } from "../fuzz/mutate.ts";
import { runCli } from "../helpers/cli.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";
import { writeSignedCase, type SignedCase } from "./signed-statement.ts";

const INPUTS = 40_000;
let work: TestDir;
let signed: SignedCase;

beforeAll(async () => {
  work = await makeTempDir("bunseal-large-statement-");
  signed = await writeSignedCase(work.path, INPUTS);
});
afterAll(async () => {
  await work?.cleanup();
});

describe("a validly signed statement of 40,000 inputs", () => {
  test("is larger than the size the old base64 pattern gave up at", async () => {
    const bundle = await Bun.file(signed.bundlePath).json();
    expect(bundle.dsseEnvelope.payload.length).toBeGreaterThan(9_000_000);
    expect(signed.statement.predicate.buildDefinition.resolvedDependencies).toHaveLength(INPUTS + 1);
  });

  test("verifies through the library", async () => {
    const report = await verifyBundle({ artifact: signed.artifactPath, bundlePath: signed.bundlePath, keys: [signed.publicKey], expectations: {} });
    expect(report.failures).toEqual([]);
    expect(report.verified).toBe(true);
    expect(report.verifiedStatement?.predicate.buildDefinition.resolvedDependencies).toHaveLength(INPUTS + 1);
  });

  test("verifies through the CLI (exit 0)", async () => {
    const result = await runCli(["verify", signed.artifactPath, "--bundle", signed.bundlePath, "--key", signed.publicKeyPath, "--json"]);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    expect(result.json()).toMatchObject({ verified: true, failures: [], artifact: { digest: `sha256:${signed.artifactSha256}` } });
  });

  test("still fails on one flipped payload byte (size does not loosen the signature check)", async () => {
    const bundle = await Bun.file(signed.bundlePath).json();
    const payload = Buffer.from(bundle.dsseEnvelope.payload, "base64");
    const at = payload.indexOf("module-39999.ts");
    payload[at] = payload[at]! ^ 0x01;
    bundle.dsseEnvelope.payload = payload.toString("base64");
    const path = `${signed.bundlePath}.tampered.json`;
    await Bun.write(path, JSON.stringify(bundle));
    const report = await verifyBundle({ artifact: signed.artifactPath, bundlePath: path, keys: [signed.publicKey], expectations: {} });
    expect(report.verified).toBe(false);
    expect(report.failures.map((f) => f.code)).toContain("SIGNATURE_INVALID");
  });
});

describe("the base64 check is exact and linear", () => {
  test("accepts padded, unpadded-length-4 and 76-column wrapped base64", () => {
    for (const text of ["QUJD", "QUI=", "QQ==", "QUJD\nQUJD", "QUJD\r\nQQ==", `${"QUJD".repeat(19)}\n${"QUJD".repeat(19)}\n`]) expect(isStandardBase64(text)).toBe(true);
  });

  test("refuses what is not standard padded base64", () => {
    for (const text of ["", "\n", "QUJ", "QUJDQ", "Q===", "QQ=A", "QQ==QUJD", "QU-D", "QU_D", "QUJD\r", "QU D", "QUJ\u00e9"]) expect(isStandardBase64(text)).toBe(false);
  });

  test("the native fast path answers as the character loop does, on 20,000 mutated strings", () => {
    const rand = mulberry32(12);
    const pick = (n: number) => Math.floor(rand() * n);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n\r.!\u00e9";
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      let text = Buffer.from(Array.from({ length: pick(40) }, () => pick(256))).toString("base64");
      // none, one or two edits: a character replaced, removed, inserted; a break; the padding changed
      for (let edits = pick(3); edits > 0; edits--) {
        const at = pick(text.length + 1);
        const c = alphabet[pick(alphabet.length)]!;
        const kind = pick(4);
        text = kind === 0 ? text.slice(0, at) + c + text.slice(at + 1) : kind === 1 ? text.slice(0, at) + text.slice(at + 1) : kind === 2 ? text.slice(0, at) + c + text.slice(at) : text.replace(/=+$/, "");
      }
      const slow = isStandardBase64Slow(text);
      expect({ text, fast: isStandardBase64(text) }).toEqual({ text, fast: slow });
      if (slow) accepted++;
    }
    // both answers are well represented
    expect(accepted).toBeGreaterThan(2_000);
    expect(accepted).toBeLessThan(18_000);
  });

  test("decides on 40 M characters, in either direction", () => {
    const big = "QUJD".repeat(10_000_000);
    expect(isStandardBase64(big)).toBe(true);
    expect(isStandardBase64(`${big}!`)).toBe(false);
  });
});
