/**
 * npm registry signatures: ECDSA P-256 over `name@version:integrity`, by a
 * key the registry publishes at /-/npm/v1/keys (base64 SPKI DER, with an
 * expiry). The same check as `npm audit signatures`, which Bun does not have.
 */
import { createPublicKey, verify } from "node:crypto";

export type SignatureVerdict = { state: "valid"; keyid: string } | { state: "invalid"; reason: string } | { state: "unsigned" } | { state: "unavailable" };

export function checkRegistrySignature(
  pkg: { name: string; version: string; integrity: string | undefined },
  signatures: readonly { keyid: string; sig: string }[] | undefined,
  keys: readonly { keyid: string; key: string; expires: string | null }[] | null,
  publishedAt: Date | undefined,
): SignatureVerdict {
  if (keys === null) return { state: "unavailable" };
  if (!signatures || signatures.length === 0) return { state: "unsigned" };
  if (!pkg.integrity) return { state: "invalid", reason: "the registry gives no integrity to check the signature against" };
  const message = Buffer.from(`${pkg.name}@${pkg.version}:${pkg.integrity}`);
  for (const signature of signatures) {
    const key = keys.find((k) => k.keyid === signature.keyid);
    if (!key) continue;
    // a key that expired before the version was published cannot have signed it legitimately
    if (key.expires && publishedAt && publishedAt > new Date(key.expires)) continue;
    const publicKey = createPublicKey({ key: Buffer.from(key.key, "base64"), format: "der", type: "spki" });
    if (verify("sha256", message, publicKey, Buffer.from(signature.sig, "base64"))) return { state: "valid", keyid: key.keyid };
    return { state: "invalid", reason: `the signature by ${key.keyid} does not match ${pkg.name}@${pkg.version}:${pkg.integrity}` };
  }
  return { state: "invalid", reason: `signed only by keys the registry does not list as valid (${signatures.map((s) => s.keyid).join(", ")})` };
}
