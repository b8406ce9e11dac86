/**
 * The trusted root is trust itself, so it is read fail-closed: every key and
 * certificate authority must say from when it may be used. @sigstore/verify
 * alone reads a missing start as 1970, which would trust a key for signatures
 * made before it existed (conformance: trust-root-tlog-missing-validity-start_fail).
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { BunsealError } from "../../src/errors.ts";
import { loadTrustedRoot, PRODUCTION_ROOT_NAME } from "../../src/verify/trusted-root.ts";
import { CONFORMANCE_CORPUS } from "./conformance-cases.ts";

const root = () => Bun.file(join(CONFORMANCE_CORPUS, "rekor2-happy-path", "trusted_root.json")).json();

async function refused(json: Record<string, unknown>, field: string): Promise<void> {
  const error = await loadTrustedRoot(json).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(BunsealError);
  expect((error as BunsealError).code).toBe("TRUSTED_ROOT_INVALID");
  expect((error as BunsealError).message).toContain(field);
}

test("the default is the production root from the @sigstore/tuf seed, read offline", async () => {
  const loaded = await loadTrustedRoot();
  expect(loaded.name).toBe(PRODUCTION_ROOT_NAME);
  expect(loaded.root.tlogs.map((t) => t.baseUrl)).toContain("https://rekor.sigstore.dev");
  expect(loaded.root.certificateAuthorities.length).toBeGreaterThan(0);
});

describe("rejects a root that leaves a validity period open at its start", () => {
  test.each([
    ["tlogs", (r: any) => r.tlogs[0].publicKey.validFor],
    ["ctlogs", (r: any) => r.ctlogs[0].publicKey.validFor],
    ["certificateAuthorities", (r: any) => r.certificateAuthorities[0].validFor],
    ["timestampAuthorities", (r: any) => r.timestampAuthorities[0].validFor],
  ])("in %s", async (kind, validFor) => {
    const json = await root();
    delete validFor(json).start;
    await refused(json, `${kind}[0]`);
    const nulled = await root();
    validFor(nulled).start = null; // null is "unset" in protobuf JSON, so no less missing
    await refused(nulled, "validFor.start");
  });

  test("or with no validity period at all, or one that ends before it starts", async () => {
    const none = await root();
    delete none.tlogs[0].publicKey.validFor;
    await refused(none, "tlogs[0].publicKey.validFor");
    const backwards = await root();
    backwards.tlogs[0].publicKey.validFor = { start: "2025-01-02T00:00:00Z", end: "2025-01-01T00:00:00Z" };
    await refused(backwards, "end is not before its start");
  });
});

test("an open end is how a key still in use is written, and is accepted", async () => {
  const json = await root();
  delete json.tlogs[0].publicKey.validFor.end;
  expect((await loadTrustedRoot(json)).root.tlogs.length).toBeGreaterThan(0);
});
