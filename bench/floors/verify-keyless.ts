/**
 * The floor of keyless `bunseal verify`: `@sigstore/verify` alone, against the
 * production trusted root bunseal uses by default (the one in @sigstore/tuf's
 * seed, read as data: no TUF client code runs), with the signer's identity and
 * issuer as the library's policy. For a DSSE bundle the artifact's sha256 must
 * be among the statement's subjects (the library checks only the envelope);
 * for a message signature the library checks the artifact itself.
 *
 *   bun bench/floors/verify-keyless.ts BUNDLE ARTIFACT IDENTITY ISSUER
 */
import { createHash } from "node:crypto";
import { bundleFromJSON } from "@sigstore/bundle";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import seeds from "@sigstore/tuf/seeds.json" with { type: "json" };
import { toSignedEntity, toTrustMaterial, Verifier } from "@sigstore/verify";

const [bundlePath, artifactPath, identity, issuer] = process.argv.slice(2);
if (!bundlePath || !artifactPath || !identity || !issuer) throw new Error("usage: bun bench/floors/verify-keyless.ts BUNDLE ARTIFACT IDENTITY ISSUER");
const seed = (seeds as Record<string, { targets: Record<string, string> }>)["https://tuf-repo-cdn.sigstore.dev"]!;
const root = TrustedRoot.fromJSON(JSON.parse(Buffer.from(seed.targets["trusted_root.json"]!, "base64").toString("utf8")));
const bundle = bundleFromJSON(JSON.parse(await Bun.file(bundlePath).text()));
const artifact = await Bun.file(artifactPath).bytes();
const signed = toSignedEntity(bundle, bundle.content.$case === "messageSignature" ? Buffer.from(artifact) : undefined);
new Verifier(toTrustMaterial(root)).verify(signed, { subjectAlternativeName: identity, extensions: { issuer } });
if (bundle.content.$case === "dsseEnvelope") {
  const digest = createHash("sha256").update(artifact).digest("hex");
  const statement = JSON.parse(bundle.content.dsseEnvelope.payload.toString("utf8"));
  if (!statement.subject.some((s: { digest: { sha256?: string } }) => s.digest.sha256 === digest)) throw new Error(`the artifact's sha256 ${digest} is not among the statement's subjects`);
}
console.log("OK");
