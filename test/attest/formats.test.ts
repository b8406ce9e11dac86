import { describe, expect, test } from "bun:test";
import { preAuthEncoding } from "../../src/attest/dsse.ts";
import { StatementSchema } from "../../src/attest/statement.ts";
import { integrityToDigest } from "../../src/attest/provenance.ts";
import { canonicalJson } from "../../src/util/canonical-json.ts";
import { sha256Hex, sha256HexPortable } from "../../src/util/digest.ts";

describe("DSSE pre-authentication encoding", () => {
  test("matches the spec's example byte for byte", () => {
    // From the DSSE protocol document: PAE("http://example.com/HelloWorld", "hello world").
    const pae = preAuthEncoding("http://example.com/HelloWorld", new TextEncoder().encode("hello world"));
    expect(new TextDecoder().decode(pae)).toBe("DSSEv1 29 http://example.com/HelloWorld 11 hello world");
  });

  test("counts bytes, not characters", () => {
    const pae = preAuthEncoding("t", new TextEncoder().encode("é"));
    expect(new TextDecoder().decode(pae)).toBe("DSSEv1 1 t 2 é");
  });
});

describe("canonical JSON", () => {
  test("sorts keys at every level and drops undefined", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[3,{"y":2,"z":1}]},"b":1}');
  });
  test("refuses values JSON cannot carry", () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow("not a finite number");
  });
});

describe("digests", () => {
  test("the native and portable SHA-256 agree", async () => {
    const data = new TextEncoder().encode("bunseal".repeat(1000));
    expect(sha256Hex(data)).toBe(await sha256HexPortable(data));
    expect(sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });
  test("SRI integrity becomes a hex DigestSet", () => {
    expect(integrityToDigest("sha512-AAEC")).toEqual({ sha512: "000102" });
    expect(integrityToDigest("md5-AAEC")).toBeUndefined();
  });
});

describe("in-toto Statement v1", () => {
  const base = { _type: "https://in-toto.io/Statement/v1", subject: [{ name: "a", digest: { sha256: "ab" } }], predicateType: "https://slsa.dev/provenance/v1", predicate: {} };
  test("accepts a minimal statement", () => {
    expect(StatementSchema.safeParse(base).success).toBe(true);
  });
  test("rejects a statement with zero subjects", () => {
    expect(StatementSchema.safeParse({ ...base, subject: [] }).success).toBe(false);
  });
  test("rejects a subject without a digest", () => {
    expect(StatementSchema.safeParse({ ...base, subject: [{ name: "a", digest: {} }] }).success).toBe(false);
  });
  test("rejects the v0.1 statement type", () => {
    expect(StatementSchema.safeParse({ ...base, _type: "https://in-toto.io/Statement/v0.1" }).success).toBe(false);
  });
});

describe("canonical JSON, fast and slow paths agree", () => {
  test("integer-like keys are still sorted as strings", () => {
    expect(canonicalJson({ b: 1, "10": 2, "9": 3, a: { "2": 0, "1": 0 } })).toBe('{"10":2,"9":3,"a":{"1":0,"2":0},"b":1}');
  });
  test("undefined in arrays is null, undefined members are dropped, strings are escaped", () => {
    expect(canonicalJson({ z: [undefined, "é\n\"", 1.5], y: undefined })).toBe('{"z":[null,"é\\n\\"",1.5]}');
  });
  test("non-JSON values are refused on either path", () => {
    expect(() => canonicalJson({ a: [Number.POSITIVE_INFINITY] })).toThrow("not a finite number");
    expect(() => canonicalJson({ a: 1n })).toThrow("which JSON cannot carry");
  });
});
