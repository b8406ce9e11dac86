/**
 * Issue #18, Why 10: a secret inside nested encodings. A private key
 * JSON-encoded twice (`\\n` between its lines) was signed; the same key
 * encoded once was caught. Each test plants a value under layers of JSON
 * string escaping, base64 and URL encoding, as a config blob or a fixture
 * would carry it, and expects the scan to find it.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { generateKeyPairSync } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { peel } from "../../src/build/secret-layers.ts";
import { MAX_NESTING, scanForSecrets } from "../../src/build/secret-scan.ts";
import { runCli } from "../helpers/cli.ts";
import { gitRepo } from "../helpers/git.ts";

setDefaultTimeout(60_000);

const enc = (text: string) => new TextEncoder().encode(text);
const NONE = new Map<string, string>();
const LEAD = 'const greeting = "héllo wörld ✓";\nexport const blob = ';
const LEAD_BYTES = enc(LEAD).byteLength;
const PEM = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "pem", type: "pkcs8" }) as string;
// a value whose escaped, URL-encoded and base64 forms all differ from its raw bytes
const SECRET = 's3cr3t"Value\\with/slash+plus';
const SECRETS = new Map([["API_TOKEN", SECRET]]);

const json = (value: unknown) => JSON.stringify(value);
const b64 = (text: string) => Buffer.from(text).toString("base64");
const b64url = (text: string) => Buffer.from(text).toString("base64url");
const url = (text: string) => encodeURIComponent(text);

function scan(planted: string, secrets = NONE) {
  return scanForSecrets([{ path: "dist/index.js", data: enc(`${LEAD}${planted};\n`) }], secrets);
}

function expectOneWithin(findings: ReturnType<typeof scan>, planted: string, kind: string) {
  expect(findings.map((f) => f.kind)).toEqual([kind]);
  expect(findings[0]!.file).toBe("dist/index.js");
  expect(findings[0]!.offset).toBeGreaterThanOrEqual(LEAD_BYTES);
  expect(findings[0]!.offset).toBeLessThan(LEAD_BYTES + enc(planted).byteLength);
}

describe("rejects a private key under nested encodings", () => {
  test.each([
    // the case: `\\n` between its lines
    ["JSON-encoded twice", json(json({ key: PEM }))],
    ["JSON-encoded three times", json(json(json({ key: PEM })))],
    ["base64 of JSON", json(b64(json({ key: PEM })))],
    ["base64url of JSON (a JWT-style payload)", json(b64url(json({ sub: "ci", key: PEM })))],
    ["URL-encoded JSON", json(`https://example.test/cb?state=${url(json({ key: PEM }))}`)],
    ["base64 of URL-encoded JSON in JSON", json(b64(url(json(json({ key: PEM })))))],
    ["JSON in base64 in JSON", json(json({ config: b64(json({ key: PEM })) }))],
  ])("%s", (_name, planted) => {
    expectOneWithin(scan(planted), planted, "private-key");
  });
});

describe("rejects a configured secret value under nested encodings", () => {
  test.each([
    ["JSON-encoded twice", json(json({ token: SECRET }))],
    ["JSON-encoded three times", json(json(json({ token: SECRET })))],
    ["base64 of JSON", json(b64(json({ token: SECRET })))],
    ["base64 of JSON, at an offset inside a longer blob", json(b64(`prefix:${json({ nested: { token: SECRET } })}`))],
    ["base64url of JSON", json(b64url(json({ token: SECRET })))],
    ["URL-encoded JSON", json(`/login?next=${url(json({ token: SECRET }))}`)],
    ["base64 of base64 of JSON", json(b64(b64(json({ token: SECRET }))))],
  ])("%s", (_name, planted) => {
    expectOneWithin(scan(planted, SECRETS), planted, "env:API_TOKEN");
  });

  test("a finding names the layers it was found under, never the value", () => {
    const [finding] = scan(json(b64(json({ token: SECRET }))), SECRETS);
    expect(finding).toMatchObject({ kind: "env:API_TOKEN", nested: ["base64"] });
    expect(JSON.stringify(finding)).not.toContain("s3cr3t");
  });
});

test("a base64 run decodes to the bytes Node's decoder gives, in both alphabets and at every length", () => {
  const bytes = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff));
  for (let length = 12; length <= 64; length++) {
    for (const alphabet of ["base64", "base64url"] as const) {
      const text = bytes.subarray(0, length).toString(alphabet).replace(/=+$/, "");
      const [layer] = peel(Buffer.from(`x = "${text}";`));
      expect(layer?.layer).toBe("base64");
      expect(Buffer.compare(layer!.data, Buffer.from(text, "base64"))).toBe(0);
    }
  }
});

describe("what is not a secret stays unflagged", () => {
  test("random base64, URL-encoded text and escaped strings carry no finding", () => {
    const noise = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919 + (i >> 3)) & 0xff)).toString("base64");
    const planted = [json(noise), json(url("a b&c=d/é")), json(json(json({ hello: "wörld\n", path: "C:\\tmp" })))].join(",");
    expect(scan(planted, new Map([["DB_PASSWORD", "correct-horse-battery"]]))).toEqual([]);
  });

  test(`nesting is followed to a fixed depth (${MAX_NESTING} layers of base64 or URL encoding), so a scan always ends`, () => {
    expect(MAX_NESTING).toBe(4);
    let deep = json({ key: PEM });
    for (let i = 0; i < MAX_NESTING; i++) deep = b64(deep);
    expect(scan(json(deep)).map((f) => f.kind)).toEqual(["private-key"]);
  });
});

test("rejects a build whose output carries a private key JSON-encoded twice; nothing is signed", async () => {
  await using project = await gitRepo({
    "package.json": json({ name: "twice" }),
    "bunseal.json": json({ service: "twice", entrypoints: ["src/index.ts"], budgets: {} }),
    // a fixture with a config blob that itself holds JSON: Bun prints the string with `\\n` between the key's lines
    "src/fixture.json": json({ settings: json({ signingKey: PEM }) }),
    "src/index.ts": 'import fixture from "./fixture.json";\nconsole.log(fixture.settings.length);\n',
  });
  const out = await runCli(["build", project.path, "--no-sign", "--json"]);
  expect(out.exitCode).toBe(1);
  expect(out.json().error).toMatchObject({ code: "SECRET_IN_OUTPUT", file: "index.js", found: "private-key" });
  expect(out.json().error.message).toMatch(/^the outputs contain 1 secret\(s\); nothing was signed:\n {2}index\.js at byte \d+: private-key/);
  expect(readdirSync(join(project.path, ".bunseal", "out"))).toEqual([]);
});
