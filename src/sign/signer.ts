/**
 * One role, one interface: something that signs the DSSE pre-authentication
 * bytes and says which key did. The local-key signer is the only one so far;
 * the keyless (Fulcio) one plugs in here.
 */
import { createPublicKey, sign, type KeyObject } from "node:crypto";
import type { Signer as SigstoreSigner } from "@sigstore/sign";
import { keyIdOf } from "./keys.ts";

export type Signer = SigstoreSigner;

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
