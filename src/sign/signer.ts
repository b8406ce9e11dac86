/**
 * One role, one interface: something that signs the DSSE pre-authentication
 * bytes and says which key did, with the witnesses (transparency log,
 * timestamp authority) whose evidence goes into the bundle beside the
 * signature. A key signer has none; the keyless one (keyless-signer.ts) brings
 * Rekor and, when asked, a TSA.
 */
import { createPublicKey, sign, type KeyObject } from "node:crypto";
import type { Signer as SigstoreSigner, Witness } from "@sigstore/sign";
import { keyIdOf } from "./keys.ts";

export interface Signer extends SigstoreSigner {
  readonly witnesses?: readonly Witness[];
}

export function keySigner(privateKey: KeyObject): Signer {
  const publicKey = createPublicKey(privateKey);
  const publicPem = publicKey.export({ type: "spki", format: "pem" }) as string;
  const hint = keyIdOf(publicKey);
  return {
    async sign(data: Buffer) {
      // DER-encoded ECDSA, as DSSE and Sigstore bundles expect.
      return { signature: sign("sha256", data, privateKey), key: { $case: "publicKey", publicKey: publicPem, hint } };
    },
  };
}
