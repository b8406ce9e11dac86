/**
 * Issue 8, attack 11: `pins verify` on a pin file someone handed over. A file
 * that is no pin file, or whose bundle is malformed, is bad input (exit 2,
 * naming the file), never an internal error.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

let work: TestDir;
beforeAll(async () => {
  work = await makeTempDir("bunseal-pin-input-");
  await runCli(["keygen", "--out", join(work.path, "keys")]);
});
afterAll(() => work?.cleanup());

const pinFile = (bundle: unknown) => ({
  pinFileVersion: 1,
  service: "control",
  env: "prod",
  sequence: 1,
  digest: "ab".repeat(32),
  previousDigest: null,
  actor: "ci",
  reason: "",
  pinnedAt: "2026-03-01T12:00:00.000Z",
  rollbackOf: null,
  bundle,
});

const payload = (text: string) => Buffer.from(text).toString("base64");
const MALFORMED: [string, unknown][] = [
  ["an empty bundle", {}],
  ["a bundle of another media type", { mediaType: "text/plain" }],
  ["a bundle without content", { mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json", verificationMaterial: { publicKey: { hint: "x" }, tlogEntries: [], timestampVerificationData: { rfc3161Timestamps: [] } } }],
  ["a DSSE envelope with no signatures field", { mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json", verificationMaterial: { publicKey: { hint: "x" } }, dsseEnvelope: { payload: payload("{}"), payloadType: "application/vnd.in-toto+json" } }],
  ["a DSSE envelope whose signatures is a string", { mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json", verificationMaterial: { publicKey: { hint: "x" } }, dsseEnvelope: { payload: payload("{}"), payloadType: "application/vnd.in-toto+json", signatures: "nope" } }],
];

describe("pins verify on a malformed pin file", () => {
  test.each(MALFORMED)("%s is exit 2 BUNDLE_INVALID naming the file, not an internal error", async (_name, bundle) => {
    const path = join(work.path, `${crypto.randomUUID()}.json`);
    await Bun.write(path, JSON.stringify(pinFile(bundle)));
    const out = await runCli(["pins", "verify", path, "--key", join(work.path, "keys", "bunseal.pub"), "--store", `sqlite:${join(work.path, "store.db")}`, "--json"]);
    expect(out.stderr).not.toContain("internal error");
    expect(out.exitCode).toBe(2);
    expect(out.json().error).toMatchObject({ code: "BUNDLE_INVALID", file: path });
  });

  test("a well-formed bundle whose payload is not JSON is a STATEMENT_INVALID finding (exit 1), not an internal error", async () => {
    const path = join(work.path, "not-json-payload.json");
    const bundle = { mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json", verificationMaterial: { publicKey: { hint: "x" }, tlogEntries: [], timestampVerificationData: { rfc3161Timestamps: [] } }, dsseEnvelope: { payload: payload("not json"), payloadType: "application/vnd.in-toto+json", signatures: [{ sig: payload("x"), keyid: "" }] } };
    await Bun.write(path, JSON.stringify(pinFile(bundle)));
    const out = await runCli(["pins", "verify", path, "--key", join(work.path, "keys", "bunseal.pub"), "--store", `sqlite:${join(work.path, "store.db")}`, "--json"]);
    expect(out.stderr).not.toContain("internal error");
    expect(out.exitCode).toBe(1);
    expect(out.json().failures.map((f: { code: string }) => f.code)).toContain("STATEMENT_INVALID");
  });

  test("a pin file naming a path as its env is exit 2, not an internal error", async () => {
    const path = join(work.path, "path-env.json");
    await Bun.write(path, JSON.stringify({ ...pinFile({}), env: "../../x" }));
    const out = await runCli(["pins", "verify", path, "--key", join(work.path, "keys", "bunseal.pub"), "--store", `sqlite:${join(work.path, "store.db")}`, "--json"]);
    expect(out.stderr).not.toContain("internal error");
    expect(out.exitCode).toBe(2);
    expect(out.json().error.field).toBe("env");
  });
});
