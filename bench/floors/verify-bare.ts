/**
 * The honest floor of key-mode `bunseal verify` (issue #12's "bare" check, held
 * to loading nothing by issue #23): parse the bundle, the DSSE PAE, one
 * signature check with the public key, the artifact's sha256 among the
 * statement's subjects. node:crypto alone; no package is loaded.
 *
 *   bun bench/floors/verify-bare.ts BUNDLE PUB ARTIFACT
 *
 * Exits 1 (an uncaught error) when the signature or the subject does not check,
 * so a floor that checked nothing could not pass test/bench/floors.test.ts.
 */
import { createHash, createPublicKey, verify } from "node:crypto";

const [bundlePath, keyPath, artifactPath] = process.argv.slice(2);
if (!bundlePath || !keyPath || !artifactPath) throw new Error("usage: bun bench/floors/verify-bare.ts BUNDLE PUB ARTIFACT");
const envelope = JSON.parse(await Bun.file(bundlePath).text()).dsseEnvelope;
const payload = Buffer.from(envelope.payload, "base64");
const type: string = envelope.payloadType;
const pae = Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${payload.byteLength} `), payload]);
if (!verify(undefined, pae, createPublicKey(await Bun.file(keyPath).text()), Buffer.from(envelope.signatures[0].sig, "base64"))) throw new Error("the DSSE signature does not verify");
const digest = createHash("sha256").update(await Bun.file(artifactPath).bytes()).digest("hex");
const statement = JSON.parse(payload.toString("utf8"));
if (!statement.subject.some((s: { digest: { sha256?: string } }) => s.digest.sha256 === digest)) throw new Error(`the artifact's sha256 ${digest} is not among the statement's subjects`);
console.log("OK");
