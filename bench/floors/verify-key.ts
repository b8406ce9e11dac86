/**
 * `@sigstore/verify` alone on a key-signed bundle: the library calls key-mode
 * `bunseal verify` would make through Sigstore's own code (bundleFromJSON, a
 * Verifier with the key as its only trust), and the artifact's sha256 among the
 * statement's subjects, which the library does not check for a DSSE bundle.
 * `bench/verify.ts` prints it for attribution; key mode's target is held to
 * verify-bare.ts.
 *
 *   bun bench/floors/verify-key.ts BUNDLE PUB ARTIFACT
 */
import { createHash, createPublicKey } from "node:crypto";
import { bundleFromJSON } from "@sigstore/bundle";
import { toSignedEntity, toTrustMaterial, Verifier } from "@sigstore/verify";

const [bundlePath, keyPath, artifactPath] = process.argv.slice(2);
if (!bundlePath || !keyPath || !artifactPath) throw new Error("usage: bun bench/floors/verify-key.ts BUNDLE PUB ARTIFACT");
const bundle = bundleFromJSON(JSON.parse(await Bun.file(bundlePath).text()));
const publicKey = createPublicKey(await Bun.file(keyPath).text());
// an empty root: the key is the only trust there is, and no log entry or timestamp is asked for
const empty = { mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1", tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] };
const material = toTrustMaterial(empty as never, () => ({ publicKey, validFor: () => true }));
new Verifier(material, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 }).verify(toSignedEntity(bundle));
if (bundle.content.$case !== "dsseEnvelope") throw new Error("expected a DSSE bundle");
const digest = createHash("sha256").update(await Bun.file(artifactPath).bytes()).digest("hex");
const statement = JSON.parse(bundle.content.dsseEnvelope.payload.toString("utf8"));
if (!statement.subject.some((s: { digest: { sha256?: string } }) => s.digest.sha256 === digest)) throw new Error(`the artifact's sha256 ${digest} is not among the statement's subjects`);
console.log("OK");
