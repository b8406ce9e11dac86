/**
 * `--key` files as the commands take them: public keys are trust anchors; a
 * private key (at most one) is the caller's own signing key. Told apart by
 * their PEM, so one repeatable flag serves both, as the flags ask.
 * A private key bunseal's first process holds (src/sign/key-holder.ts) comes
 * as HELD_KEY: a signer that asks that process, and the file's path to mask.
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { BunsealError } from "../errors.ts";
import { HELD_KEY, heldKey } from "../sign/held-key.ts";
import { loadPrivateKey, parsePrivateKey, parsePublicKey } from "../sign/keys.ts";
import { keyText } from "../sign/key-text.ts";
import { keySigner, type Signer } from "../sign/signer.ts";

export interface SigningKey {
  signer: Signer;
  publicKey: KeyObject;
  /** the key file, for the sandbox to mask wherever it lies */
  path: string;
}

/** A private key to sign with: the file's, or the one bunseal's first process holds. */
export async function signingKey(path: string): Promise<SigningKey> {
  if (path === HELD_KEY) return heldKey();
  const privateKey = await loadPrivateKey(path);
  return { signer: keySigner(privateKey), publicKey: createPublicKey(privateKey), path };
}

/** `signerPublicKey`: the private key's public half, for checking what that key signed before (pin rows). */
export async function splitKeys(paths: readonly string[]): Promise<{ trusted: KeyObject[]; signer?: Signer; signerPublicKey?: KeyObject; deny: string[] }> {
  const trusted: KeyObject[] = [];
  let signer: Signer | undefined;
  let signerPublicKey: KeyObject | undefined;
  const deny: string[] = [];
  for (const path of paths) {
    if (path === HELD_KEY) {
      if (signer) throw new BunsealError("USAGE", `${path}: a second private key; expected at most one key to sign with`, { field: "--key", expected: "one private key" });
      const key = await heldKey();
      signer = key.signer;
      signerPublicKey = key.publicKey;
      deny.push(key.path);
      continue;
    }
    deny.push(path);
    const text = await keyText(path).catch((cause) => {
        throw new BunsealError("INPUT_UNREADABLE", `${path}: cannot read the key (${(cause as Error).message})`, { file: path, cause });
      });
    if (text.includes("PRIVATE KEY-----")) {
      if (signer) throw new BunsealError("USAGE", `${path}: a second private key; expected at most one key to sign with`, { field: "--key", expected: "one private key" });
      const privateKey = parsePrivateKey(text, path);
      signer = keySigner(privateKey);
      signerPublicKey = createPublicKey(privateKey);
    } else {
      // from the text read once: a key handed over on a pipe (`--key /dev/fd/3`) cannot be read twice
      trusted.push(parsePublicKey(text, path));
    }
  }
  return { trusted, signer, signerPublicKey, deny };
}
