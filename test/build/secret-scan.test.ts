import { describe, expect, test } from "bun:test";
import { generateKeyPairSync, type KeyObject, type PrivateKeyExportOptions, type PublicKeyExportOptions } from "node:crypto";
import { join } from "node:path";
import { BunsealError } from "../../src/errors.ts";
import { checkSecretValues, MIN_SECRET_LENGTH, scanForSecrets } from "../../src/build/secret-scan.ts";
import { testdir } from "../helpers/testdir.ts";

const enc = (text: string) => new TextEncoder().encode(text);
const NONE = new Map<string, string>();
// Multi-byte characters before each planted value, so a character index would give the wrong offset.
const LEAD = 'const greeting = "héllo wörld ✓";\nexport const k = "';
const LEAD_BYTES = enc(LEAD).byteLength;

/** Fake credentials built at run time (never a real one in the repo), of the exact documented shapes. */
const AWS_KEY = `AKIA${"Q7Z2".repeat(4)}`;
const GITHUB_CLASSIC = (kind: string) => `gh${kind}_${"a1B2c3".repeat(6)}`;
const GITHUB_FINE = `github_pat_${"11ABCDEFG0".repeat(2)}ab_${"x".repeat(59)}`;
const NPM_TOKEN = `npm_${"Zz9".repeat(12)}`;

const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 });
const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
type PemOptions = Omit<PrivateKeyExportOptions, "format"> | Omit<PublicKeyExportOptions, "format">;
const pem = (key: KeyObject, options: PemOptions) => key.export({ format: "pem", ...options } as PrivateKeyExportOptions) as string;

function only(text: string, secrets = NONE) {
  return scanForSecrets([{ path: "dist/index.js", data: enc(LEAD + text + '";\n') }], secrets);
}

describe("credential shapes", () => {
  test.each([
    ["aws-access-key", "AKIA", AWS_KEY],
    ["aws-access-key", "ASIA", `ASIA${"K3".repeat(8)}`],
    ["github-token", "ghp_", GITHUB_CLASSIC("p")],
    ["github-token", "gho_", GITHUB_CLASSIC("o")],
    ["github-token", "ghu_", GITHUB_CLASSIC("u")],
    ["github-token", "ghs_", GITHUB_CLASSIC("s")],
    ["github-token", "ghr_", GITHUB_CLASSIC("r")],
    ["github-token", "github_pat_", GITHUB_FINE],
    ["npm-token", "npm_", NPM_TOKEN],
    ["private-key", "PKCS#8 RSA", pem(rsa.privateKey, { type: "pkcs8" })],
    ["private-key", "PKCS#1 RSA", pem(rsa.privateKey, { type: "pkcs1" })],
    ["private-key", "SEC1 EC", pem(ec.privateKey, { type: "sec1" })],
    ["private-key", "encrypted PKCS#8", pem(rsa.privateKey, { type: "pkcs8", cipher: "aes-256-cbc", passphrase: "test-only" })],
    // legacy encrypted PEM: Proc-Type and DEK-Info header lines before the body
    ["private-key", "legacy encrypted PKCS#1", pem(rsa.privateKey, { type: "pkcs1", cipher: "aes-256-cbc", passphrase: "test-only" })],
    ["private-key", "inlined in a JS string with \\n escapes", pem(ec.privateKey, { type: "pkcs8" }).replaceAll("\n", "\\n")],
    ["private-key", "OpenSSH", `-----BEGIN OPENSSH PRIVATE KEY-----\n${"b3BlbnNzaC1rZXktdjEAAAAA".repeat(3)}\n-----END OPENSSH PRIVATE KEY-----`],
  ])("%s: %s", (kind, _label, credential) => {
    expect(only(credential)).toEqual([{ file: "dist/index.js", offset: LEAD_BYTES, kind }]);
  });

  test.each([
    ["AKIA followed by lowercase", `AKIA${"q7z2".repeat(4)}`],
    ["AKIA with 15 characters", `AKIA${"Q".repeat(15)}`],
    ["AKIA inside a longer upper-case run", `AKIA${"Q".repeat(20)}`],
    ["AKIA glued to an identifier", `XAKIA${"Q7Z2".repeat(4)}`],
    ["ghp_ with 35 characters", `ghp_${"a".repeat(35)}`],
    ["ghp_ glued to an identifier", `myghp_${"a".repeat(36)}`],
    ["an unknown gh prefix", `ghx_${"a".repeat(36)}`],
    ["github_pat_ too short", `github_pat_${"a".repeat(40)}`],
    ["npm_ with 35 characters", `npm_${"a".repeat(35)}`],
    ["npm_ as part of a name", `run_npm_${"a".repeat(36)}`],
    // crypto libraries carry the header to build or parse PEM; that is no key
    ["a PEM header alone, as a library constant", `-----BEGIN PRIVATE KEY-----\\n" + body + "\\n-----END PRIVATE KEY-----`],
    ["a public key", pem(rsa.publicKey, { type: "spki" })],
    ["a header with a short body", "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD9\n-----END RSA PRIVATE KEY-----"],
  ])("not flagged: %s", (_name, text) => {
    expect(only(text)).toEqual([]);
  });
});

describe("configured secret values", () => {
  const SECRET = 's3cr3t"Value\\with/slash+plus';
  const secrets = new Map([["API_TOKEN", SECRET]]);
  const b64 = (text: string) => Buffer.from(text).toString("base64");

  test("a value planted in the middle of a large file is found at its byte offset", () => {
    const size = 16 * 1024 * 1024;
    const data = new Uint8Array(size).fill(0x61);
    const at = size / 2 + 3;
    data.set(enc(SECRET), at);
    expect(scanForSecrets([{ path: "big.js", data }], secrets)).toEqual([{ file: "big.js", offset: at, kind: "env:API_TOKEN" }]);
  });

  test("offsets are relative to the file's bytes even when its Uint8Array is a view into a larger buffer", () => {
    const backing = enc(`xxxxxxxx${LEAD}${SECRET}`);
    const view = backing.subarray(8);
    expect(scanForSecrets([{ path: "a.js", data: view }], secrets)).toEqual([{ file: "a.js", offset: LEAD_BYTES, kind: "env:API_TOKEN" }]);
  });

  test.each([
    // in JSON, and in JS strings under each quote Bun's printer may choose
    ["escaped", JSON.stringify({ token: SECRET }).slice(10, -2)],
    ["escaped", 's3cr3t"Value\\\\with/slash+plus'],
    ["url", encodeURIComponent(SECRET)],
    ["base64", b64(SECRET)],
    // inside a longer encoded blob, at each of the three byte alignments (a Basic auth header)
    ["base64", b64(`u:${SECRET}`).slice(3)],
    ["base64", b64(`us:${SECRET}`).slice(4)],
    ["base64", b64(`usr:${SECRET}`).slice(6)],
  ])("found when %s-encoded", (encoding, planted) => {
    const findings = only(planted, secrets);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ file: "dist/index.js", kind: "env:API_TOKEN", encoding });
    // the match lies within the planted text
    expect(findings[0]!.offset).toBeGreaterThanOrEqual(LEAD_BYTES);
    expect(findings[0]!.offset).toBeLessThan(LEAD_BYTES + planted.length);
  });

  test("found when base64url-encoded (a JWT-style payload)", () => {
    const value = "~~~???>>>~~~???";
    expect(b64(value)).toMatch(/[+/]/); // else base64url would be the same bytes as base64
    const planted = b64(`{"k":"${value}"}`).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
    expect(only(planted, new Map([["SIGNING_KEY", value]]))).toMatchObject([{ kind: "env:SIGNING_KEY", encoding: "base64url" }]);
  });

  test("inlined by a real `bun build` through define, the value is found in the output", async () => {
    await using dir = await testdir({ "src/index.ts": "export const client = { token: process.env.API_TOKEN, at: Date.now() };\n" });
    const result = await Bun.build({
      entrypoints: [join(dir.path, "src/index.ts")],
      outdir: join(dir.path, "out"),
      minify: true,
      define: { "process.env.API_TOKEN": JSON.stringify(SECRET) },
    });
    expect(result.success).toBe(true);
    const files = await Promise.all(result.outputs.map(async (o) => ({ path: "index.js", data: new Uint8Array(await o.arrayBuffer()) })));
    const findings = scanForSecrets(files, secrets);
    expect(findings.map((f) => f.kind)).toContain("env:API_TOKEN");
    // a finding says where, never what: the value is not in it
    expect(JSON.stringify(findings)).not.toContain("s3cr3t");
  });
});

test("findings from several files and kinds come sorted by file, then offset", () => {
  const secrets = new Map([["DB_PASSWORD", "correct-horse-battery"]]);
  const files = [
    { path: "z.js", data: enc(`a="${NPM_TOKEN}";b="correct-horse-battery";c="${AWS_KEY}"`) },
    { path: "a.js", data: enc(`x="${AWS_KEY}";y="${GITHUB_CLASSIC("p")}";z="correct-horse-battery"`) },
    { path: "m/clean.js", data: enc("export default 1;") },
  ];
  const expected = [
    { file: "a.js", offset: 3, kind: "aws-access-key" },
    { file: "a.js", offset: 28, kind: "github-token" },
    { file: "a.js", offset: 73, kind: "env:DB_PASSWORD" },
    { file: "z.js", offset: 3, kind: "npm-token" },
    { file: "z.js", offset: 48, kind: "env:DB_PASSWORD" },
    { file: "z.js", offset: 74, kind: "aws-access-key" },
  ];
  expect(scanForSecrets(files, secrets)).toEqual(expected);
  expect(scanForSecrets([...files].reverse(), secrets)).toEqual(expected);
});

describe("secrets too short to scan for", () => {
  const map = new Map([["OK", "x".repeat(MIN_SECRET_LENGTH)], ["PIN", "1234"], ["EMPTY", ""], ["SHORT", "é".repeat(3)]]);

  test("checkSecretValues names each one, sorted (length counts UTF-8 bytes)", () => {
    expect(MIN_SECRET_LENGTH).toBe(8);
    expect(checkSecretValues(map)).toEqual(["EMPTY", "PIN", "SHORT"]);
    expect(checkSecretValues(new Map([["A", "é".repeat(4)]]))).toEqual([]);
  });

  test("rejects a secret too short to scan for instead of silently skipping it", () => {
    let error: unknown;
    try {
      scanForSecrets([{ path: "a.js", data: enc("1234") }], map);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BunsealError);
    expect((error as BunsealError).code).toBe("SECRET_TOO_SHORT");
    expect((error as BunsealError).kind).toBe("input");
    expect((error as BunsealError).message).toBe(
      'secrets EMPTY, PIN, SHORT: expected values of at least 8 bytes to search the output for, got shorter ones (they would match by chance); use longer secrets or remove them from "secrets"',
    );
  });
});

test("a PEM header far into a large file, followed by encryption header lines, ends the scan (no endless loop)", () => {
  // the header line starts exactly where the 16 KiB look-ahead window ends
  const header = "-----BEGIN RSA PRIVATE KEY-----";
  const data = enc(`${"x".repeat(20_000)}${header}${" ".repeat(16_384 - header.length)}Proc-Type: 4,ENCRYPTED`);
  expect(scanForSecrets([{ path: "a.js", data }], NONE)).toEqual([]);
});
