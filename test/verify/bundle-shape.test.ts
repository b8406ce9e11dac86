/**
 * The bundle's shape, per version, is checked before any cryptography: each
 * defect below is a BUNDLE_INVALID naming the field, never a verdict reached
 * (or a crash) somewhere inside @sigstore/verify.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { BunsealError } from "../../src/errors.ts";
import { parseBundle } from "../../src/verify/read-bundle.ts";
import { CONFORMANCE_CORPUS } from "./conformance-cases.ts";

const load = (name: string) => Bun.file(join(CONFORMANCE_CORPUS, name, "bundle.sigstore.json")).json();
const parse = (json: unknown) => parseBundle(new TextEncoder().encode(JSON.stringify(json)), "b.json");

async function rejects(json: unknown, field: string): Promise<void> {
  const error = await parse(json).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(BunsealError);
  expect((error as BunsealError).code).toBe("BUNDLE_INVALID");
  expect((error as BunsealError).message).toContain(field);
}

describe("accepts every version's well-formed bundle", () => {
  test.each(["happy-path-v0.1", "happy-path-v0.2", "happy-path-v0.3", "happy-path-v0.3-new-mediaType", "happy-path-intoto-in-dsse-v3", "rekor2-happy-path", "managed-key-happy-path"])("%s", async (name) => {
    const parsed = await parse(await load(name));
    expect(["0.1", "0.2", "0.3"]).toContain(parsed.version);
  });
});

describe("refuses, naming the field", () => {
  test("an inclusion proof without its checkpoint (the library would crash on it)", async () => {
    const b = await load("happy-path-v0.3");
    delete b.verificationMaterial.tlogEntries[0].inclusionProof.checkpoint;
    await rejects(b, "inclusionProof.checkpoint");
  });

  test("a v0.1 entry without the inclusion promise that version relies on", async () => {
    const b = await load("happy-path-v0.1");
    delete b.verificationMaterial.tlogEntries[0].inclusionPromise;
    await rejects(b, "inclusionPromise");
  });

  test("a v0.2 or v0.3 entry without an inclusion proof", async () => {
    for (const name of ["happy-path-v0.2", "rekor2-happy-path"]) {
      const b = await load(name);
      delete b.verificationMaterial.tlogEntries[0].inclusionProof;
      await rejects(b, "inclusionProof");
    }
  });

  test("a certificate chain in a v0.3 bundle, and a lone certificate in a v0.1 one", async () => {
    const v3 = await load("happy-path-v0.3");
    v3.verificationMaterial = { ...v3.verificationMaterial, x509CertificateChain: { certificates: [v3.verificationMaterial.certificate] } };
    delete v3.verificationMaterial.certificate;
    await rejects(v3, "x509CertificateChain");
    const v1 = await load("happy-path-v0.1");
    v1.verificationMaterial.certificate = v1.verificationMaterial.x509CertificateChain.certificates[0];
    delete v1.verificationMaterial.x509CertificateChain;
    await rejects(v1, "publicKey or x509CertificateChain");
  });

  test("both a DSSE envelope and a message signature", async () => {
    const b = await load("happy-path-intoto-in-dsse-v3");
    b.messageSignature = (await load("happy-path-v0.3")).messageSignature;
    await rejects(b, "exactly one of dsseEnvelope or messageSignature");
  });

  test("a second DSSE signature, which no log entry or certificate speaks for", async () => {
    const b = await load("happy-path-intoto-in-dsse-v3");
    b.dsseEnvelope.signatures.push(b.dsseEnvelope.signatures[0]);
    await rejects(b, "dsseEnvelope.signatures");
  });

  test("an inclusion proof for an index outside its tree", async () => {
    const b = await load("happy-path-v0.3");
    const proof = b.verificationMaterial.tlogEntries[0].inclusionProof;
    proof.logIndex = proof.treeSize;
    await rejects(b, "inclusionProof.logIndex");
  });

  test("a certificate that is not DER, and an unknown field", async () => {
    const bad = await load("happy-path-v0.3");
    bad.verificationMaterial.certificate.rawBytes = Buffer.from("not a certificate").toString("base64");
    await rejects(bad, "a DER X.509 certificate");
    const unknown = await load("happy-path-v0.3");
    unknown.verificationMaterial.tlogEntries[0].skipVerification = true;
    await rejects(unknown, "skipVerification");
  });
});

describe("reads protobuf JSON as other clients do", () => {
  test("null means unset, and base64 may be wrapped at 76 columns", async () => {
    const b = await load("happy-path-v0.3");
    b.verificationMaterial.timestampVerificationData = null;
    b.verificationMaterial.certificate.rawBytes = b.verificationMaterial.certificate.rawBytes.replace(/(.{76})/g, "$1\n");
    const parsed = await parse(b);
    expect(parsed.bundle.verificationMaterial.content.$case).toBe("certificate");
  });
});
