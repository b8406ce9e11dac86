/**
 * The floor `bench/verify.ts` measures bunseal against: a script that does
 * only the @sigstore/verify calls `bunseal verify` makes for one bundle, and
 * nothing else (no argument parsing, no shape checks, no statement checks).
 *
 *   bun bench/verify-baseline.ts key BUNDLE PUB ARTIFACT
 *   bun bench/verify-baseline.ts bare BUNDLE PUB ARTIFACT     (issue #12's floor: node:crypto's DSSE check and the subject, nothing else)
 *   bun bench/verify-baseline.ts keyless BUNDLE ARTIFACT   (production root from the @sigstore/tuf seed)
 */
import { createPublicKey } from "node:crypto";
import { bundleFromJSON } from "@sigstore/bundle";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { toSignedEntity, toTrustMaterial, Verifier } from "@sigstore/verify";

const [mode, bundlePath, ...rest] = process.argv.slice(2);
if (mode === "bare") {
  // the least a key-mode check can do: one signature over the PAE bytes, and the artifact's sha256 among the subjects
  const { verify, createHash } = await import("node:crypto");
  const json = JSON.parse(await Bun.file(bundlePath!).text());
  const payload = Buffer.from(json.dsseEnvelope.payload, "base64");
  const type = json.dsseEnvelope.payloadType as string;
  const pae = Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${payload.byteLength} `), payload]);
  if (!verify(undefined, pae, createPublicKey(await Bun.file(rest[0]!).text()), Buffer.from(json.dsseEnvelope.signatures[0].sig, "base64"))) throw new Error("signature");
  const digest = createHash("sha256").update(await Bun.file(rest[1]!).bytes()).digest("hex");
  if (!JSON.parse(payload.toString("utf8")).subject.some((s: { digest: { sha256?: string } }) => s.digest.sha256 === digest)) throw new Error("subject");
  console.log("OK");
  process.exit(0);
}
const bundle = bundleFromJSON(JSON.parse(await Bun.file(bundlePath!).text()));
if (mode === "key") {
  const key = createPublicKey(await Bun.file(rest[0]!).text());
  const empty = { mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1", tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] };
  const material = toTrustMaterial(empty as never, () => ({ publicKey: key, validFor: () => true }));
  new Verifier(material, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 }).verify(toSignedEntity(bundle));
} else {
  const seeds = (await import("@sigstore/tuf/seeds.json", { with: { type: "json" } })).default as Record<string, { targets: Record<string, string> }>;
  const root = TrustedRoot.fromJSON(JSON.parse(Buffer.from(seeds["https://tuf-repo-cdn.sigstore.dev"]!.targets["trusted_root.json"]!, "base64").toString("utf8")));
  const artifact = bundle.content.$case === "messageSignature" ? Buffer.from(await Bun.file(rest[0]!).bytes()) : undefined;
  new Verifier(toTrustMaterial(root)).verify(toSignedEntity(bundle, artifact));
}
console.log("OK");
