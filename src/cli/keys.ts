/**
 * `--key` files as the commands take them: public keys are trust anchors; a
 * private key (at most one) is the caller's own signing key. Told apart by
 * their PEM, so one repeatable flag serves both, as the flags ask.
 */
import type { KeyObject } from "node:crypto";
import { BunsealError } from "../errors.ts";
import { loadPrivateKey, loadPublicKey } from "../sign/keys.ts";
import { keySigner, type Signer } from "../sign/signer.ts";

export async function splitKeys(paths: readonly string[]): Promise<{ trusted: KeyObject[]; signer?: Signer }> {
  const trusted: KeyObject[] = [];
  let signer: Signer | undefined;
  for (const path of paths) {
    const text = await Bun.file(path)
      .text()
      .catch((cause) => {
        throw new BunsealError("INPUT_UNREADABLE", `${path}: cannot read the key (${(cause as Error).message})`, { file: path, cause });
      });
    if (text.includes("PRIVATE KEY-----")) {
      if (signer) throw new BunsealError("USAGE", `${path}: a second private key; expected at most one key to sign with`, { field: "--key", expected: "one private key" });
      signer = keySigner(await loadPrivateKey(path));
    } else {
      trusted.push(await loadPublicKey(path));
    }
  }
  return { trusted, signer };
}
