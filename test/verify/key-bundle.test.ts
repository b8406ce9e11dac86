/**
 * src/verify/key-bundle.ts makes, for a key-signed DSSE bundle, the Bundle
 * that @sigstore/bundle's bundleFromJSON makes (without loading the package).
 * Differential: over every bundle in our fixtures and the Sigstore
 * conformance corpus, and variations of a key-signed one, whatever it accepts
 * must equal the package's result, and the package must accept it too.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { bundleFromJSON } from "@sigstore/bundle";
import { BUNDLE_MEDIA_TYPES, bundleSchema } from "../../src/verify/bundle-schema.ts";
import { keySignedDsseBundle } from "../../src/verify/key-bundle.ts";
import { dropNulls } from "../../src/verify/proto-json.ts";
import { parseBundle } from "../../src/verify/read-bundle.ts";

const ROOT = join(import.meta.dir, "..", "..");

function bundleFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return bundleFiles(path);
    return e.name.endsWith(".sigstore.json") || e.name === "bundle.json" ? [path] : [];
  });
}

function shapeOf(json: unknown) {
  const media = (json as { mediaType?: string }).mediaType as keyof typeof BUNDLE_MEDIA_TYPES;
  const version = BUNDLE_MEDIA_TYPES[media];
  return version ? bundleSchema(version).safeParse(json).data : undefined;
}

const keySigned = JSON.parse(readFileSync(join(ROOT, "test", "fixtures", "attestations", "valid", "key-signed", "bundle.sigstore.json"), "utf8"));
const variations: Record<string, (b: any) => void> = {
  "as written": () => {},
  "no key hint": (b) => (b.verificationMaterial.publicKey = {}),
  "no key id on the signature": (b) => delete b.dsseEnvelope.signatures[0].keyid,
  "no timestamp data": (b) => delete b.verificationMaterial.timestampVerificationData,
  "an empty timestamp list": (b) => (b.verificationMaterial.timestampVerificationData = { rfc3161Timestamps: [] }),
  "an empty log entry list": (b) => (b.verificationMaterial.tlogEntries = []),
  "a version 0.2 media type": (b) => (b.mediaType = "application/vnd.dev.sigstore.bundle+json;version=0.2"),
  "a version 0.1 media type": (b) => (b.mediaType = "application/vnd.dev.sigstore.bundle+json;version=0.1"),
  "another payload type": (b) => (b.dsseEnvelope.payloadType = "text/plain"),
  "a wrapped payload": (b) => (b.dsseEnvelope.payload = b.dsseEnvelope.payload.replace(/(.{76})/g, "$1\n")),
};

describe("a key-signed DSSE bundle without @sigstore/bundle", () => {
  test("equals bundleFromJSON on every bundle of the corpora it accepts, and declines the rest", () => {
    // our fixtures hold the Sigstore conformance corpus's bundles too (test/fixtures/sigstore-conformance)
    const files = bundleFiles(join(ROOT, "test", "fixtures"));
    expect(files.some((f) => f.includes("sigstore-conformance"))).toBe(true);
    let accepted = 0;
    let declined = 0;
    for (const file of files) {
      let json: unknown;
      try {
        json = dropNulls(JSON.parse(readFileSync(file, "utf8")));
      } catch {
        continue; // not JSON: the parse stage refuses it before either converter
      }
      const shape = shapeOf(json);
      if (!shape) continue;
      const ours = keySignedDsseBundle(shape);
      if (ours === undefined) {
        declined++;
        continue;
      }
      accepted++;
      expect({ file, bundle: ours }).toEqual({ file, bundle: bundleFromJSON(json) });
    }
    expect(accepted).toBeGreaterThan(5);
    // the keyless ones (a certificate, log entries) are left to the package
    expect(declined).toBeGreaterThan(20);
  });

  for (const [name, change] of Object.entries(variations)) {
    test(`equals bundleFromJSON: ${name}`, () => {
      const json = structuredClone(keySigned);
      change(json);
      const ours = keySignedDsseBundle(shapeOf(json)!);
      expect(ours).toBeDefined();
      expect(ours).toEqual(bundleFromJSON(json));
    });
  }

  test("a certificate, a log entry or a timestamp goes to the package", () => {
    const withCert = structuredClone(keySigned);
    withCert.verificationMaterial = { certificate: { rawBytes: "AAAA" } };
    expect(keySignedDsseBundle(shapeOf(withCert) ?? withCert)).toBeUndefined();
    const withTimestamp = structuredClone(keySigned);
    withTimestamp.verificationMaterial.timestampVerificationData = { rfc3161Timestamps: [{ signedTimestamp: "AAAA" }] };
    expect(keySignedDsseBundle(shapeOf(withTimestamp)!)).toBeUndefined();
  });

  test("parseBundle's answer is the package's, through either path", async () => {
    const bytes = new TextEncoder().encode(JSON.stringify(keySigned));
    const parsed = await parseBundle(bytes, "bundle.sigstore.json");
    expect(parsed.bundle).toEqual(bundleFromJSON(keySigned));
  });
});

describe("a key-signed bundle that carries a timestamp", () => {
  test("has the timestamp checked, as @sigstore/verify checks it: one that does not verify fails the signature", async () => {
    const { verifyBundle } = await import("../../src/verify/verify-bundle.ts");
    const { loadPublicKey } = await import("../../src/sign/keys.ts");
    const dir = join(ROOT, "test", "fixtures", "attestations", "valid", "key-signed");
    const withStamp = structuredClone(keySigned);
    // a real RFC 3161 timestamp, over another signature: it cannot verify for this one
    const donor = JSON.parse(readFileSync(join(ROOT, "test", "fixtures", "sigstore-conformance", "bundle-verify", "rekor2-timestamp-without-embedded-cert", "bundle.sigstore.json"), "utf8"));
    withStamp.verificationMaterial.timestampVerificationData = donor.verificationMaterial.timestampVerificationData;
    expect(withStamp.verificationMaterial.timestampVerificationData.rfc3161Timestamps.length).toBeGreaterThan(0);
    const keys = [await loadPublicKey(join(dir, "key.pub"))];
    const plain = await verifyBundle({ artifact: join(dir, "artifact.tar"), bundlePath: "plain.sigstore.json", bundleBytes: new TextEncoder().encode(JSON.stringify(keySigned)), keys, expectations: {} });
    expect(plain.verified).toBe(true);
    const stamped = await verifyBundle({ artifact: join(dir, "artifact.tar"), bundlePath: "stamped.sigstore.json", bundleBytes: new TextEncoder().encode(JSON.stringify(withStamp)), keys, expectations: {} });
    expect(stamped.verified).toBe(false);
    expect(stamped.failures.map((f) => f.code)).toContain("SIGNATURE_INVALID");
  });
});
