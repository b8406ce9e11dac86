/**
 * What a statement must be depends on who vouched for it (check-statement.ts):
 * under a key it must be SLSA provenance; under a certificate identity any
 * predicate passes; a claim of bunseal's build type is held to bunseal's exact
 * shape whoever signed it.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { BUILD_TYPE } from "../../src/attest/build-type.ts";
import { IN_TOTO_PAYLOAD_TYPE } from "../../src/attest/dsse.ts";
import { checkStatement } from "../../src/verify/check-statement.ts";

const bunsealStatement = async () => {
  const bundle = await Bun.file(join(import.meta.dir, "..", "fixtures", "attestations", "valid", "key-signed", "bundle.sigstore.json")).json();
  return JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, "base64").toString("utf8"));
};
const payload = (statement: unknown) => new TextEncoder().encode(JSON.stringify(statement));
const codes = (r: { findings: { code: string }[] }) => r.findings.map((f) => f.code);
const other = { _type: "https://in-toto.io/Statement/v1", subject: [{ name: "a", digest: { sha256: "a".repeat(64) } }], predicateType: "https://example.com/review/v1", predicate: { ok: true } };

describe("under a certificate identity (any-predicate)", () => {
  test("accepts any predicate type, and reads no provenance from it", () => {
    const r = checkStatement(IN_TOTO_PAYLOAD_TYPE, payload(other), "any-predicate");
    expect(codes(r)).toEqual([]);
    expect(r.provenance).toBeUndefined();
    expect(r.statement?.predicateType).toBe(other.predicateType);
  });

  test("accepts a stub SLSA predicate without reading it as provenance (conformance: rekor2-dsse-happy-path)", () => {
    const stub = { ...other, predicateType: "https://slsa.dev/provenance/v1", predicate: { buildDefinition: { buildType: "https://example.com/b" }, runDetails: { builder: { id: "https://example.com/b" } } } };
    const r = checkStatement(IN_TOTO_PAYLOAD_TYPE, payload(stub), "any-predicate");
    expect(codes(r)).toEqual([]);
    expect(r.provenance).toBeUndefined();
  });

  test("holds a claim of bunseal's build type to bunseal's exact shape (rejects an injected skipChecks)", async () => {
    const statement = await bunsealStatement();
    expect(statement.predicate.buildDefinition.buildType).toBe(BUILD_TYPE);
    expect(codes(checkStatement(IN_TOTO_PAYLOAD_TYPE, payload(statement), "any-predicate"))).toEqual([]);
    statement.predicate.buildDefinition.externalParameters.skipChecks = true;
    expect(codes(checkStatement(IN_TOTO_PAYLOAD_TYPE, payload(statement), "any-predicate"))).toEqual(["STATEMENT_INVALID"]);
    const downgraded = { ...(await bunsealStatement()), predicateType: "https://slsa.dev/provenance/v0.2" };
    expect(codes(checkStatement(IN_TOTO_PAYLOAD_TYPE, payload(downgraded), "any-predicate"))).toEqual(["STATEMENT_INVALID"]);
  });

  test("still demands an in-toto Statement v1 in an in-toto envelope", () => {
    expect(codes(checkStatement(IN_TOTO_PAYLOAD_TYPE, payload({ ...other, _type: "https://in-toto.io/Statement/v0.1" }), "any-predicate"))).toContain("STATEMENT_INVALID");
    expect(codes(checkStatement("application/json", payload(other), "any-predicate"))).toEqual(["STATEMENT_INVALID"]);
  });
});

describe("under a key (provenance)", () => {
  test("rejects a statement that is not SLSA provenance, so a signed pin or rebuild attestation cannot pass for it", () => {
    const r = checkStatement(IN_TOTO_PAYLOAD_TYPE, payload({ ...other, predicateType: "https://bunseal.dev/attestations/rebuild/v1" }), "provenance");
    expect(r.findings).toMatchObject([{ code: "PREDICATE_TYPE_MISMATCH", field: "predicateType", message: "the statement is not SLSA provenance", expected: "https://slsa.dev/provenance/v1", found: "https://bunseal.dev/attestations/rebuild/v1" }]);
  });

  test("another version of SLSA provenance is still provenance it cannot read: STATEMENT_INVALID", () => {
    const r = checkStatement(IN_TOTO_PAYLOAD_TYPE, payload({ ...other, predicateType: "https://slsa.dev/provenance/v0.2" }), "provenance");
    expect(r.findings).toMatchObject([{ code: "STATEMENT_INVALID", field: "predicateType" }]);
  });

  test("accepts bunseal's provenance and reads it", async () => {
    const r = checkStatement(IN_TOTO_PAYLOAD_TYPE, payload(await bunsealStatement()), "provenance");
    expect(codes(r)).toEqual([]);
    expect(r.provenance?.predicate.buildDefinition.buildType).toBe(BUILD_TYPE);
  });
});
