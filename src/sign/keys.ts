/**
 * Local signing keys: ECDSA P-256, private key as PKCS#8 PEM (mode 0600),
 * public key as SPKI PEM. The key id is the sha256 of the public key's DER
 * bytes, so it names the key itself and not the file it sits in.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { join } from "node:path";
import { BunsealError } from "../errors.ts";
import { writeFileAtomic } from "../util/atomic-write.ts";
import { sha256Hex } from "../util/digest.ts";
import { keyText } from "./key-text.ts";

export const PRIVATE_KEY_FILE = "bunseal.key";
export const PUBLIC_KEY_FILE = "bunseal.pub";

export interface KeyPairFiles {
  privateKeyPath: string;
  publicKeyPath: string;
  keyId: string;
}

export async function generateKeyPair(outDir: string): Promise<KeyPairFiles> {
  const privateKeyPath = join(outDir, PRIVATE_KEY_FILE);
  const publicKeyPath = join(outDir, PUBLIC_KEY_FILE);
  if ((await Bun.file(privateKeyPath).exists()) || (await Bun.file(publicKeyPath).exists())) {
    // Overwriting a signing key silently would orphan every artifact signed with it.
    throw new BunsealError("USAGE", `${outDir} already holds a bunseal key pair; expected an empty place for a new one (move or delete the old keys first)`, { file: privateKeyPath, expected: "no existing key" });
  }
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const publicPem = publicKey.export({ type: "spki", format: "pem" }) as string;
  await writeFileAtomic(privateKeyPath, privateKey.export({ type: "pkcs8", format: "pem" }) as string, { mode: 0o600 });
  await writeFileAtomic(publicKeyPath, publicPem, { mode: 0o644 });
  return { privateKeyPath, publicKeyPath, keyId: keyIdOf(publicKey) };
}

export function keyIdOf(publicKey: KeyObject): string {
  return sha256Hex(new Uint8Array(publicKey.export({ type: "spki", format: "der" })));
}

export async function loadPrivateKey(path: string): Promise<KeyObject> {
  return parsePrivateKey(await readKeyFile(path, "private key"), path);
}

/** A private key from text already read (a key read once from a pipe, `--key /dev/fd/3`, cannot be read again); `path` names it in errors. */
export function parsePrivateKey(pem: string, path: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (cause) {
    throw new BunsealError("KEY_INVALID", `${path}: expected a PKCS#8 PEM private key, got something that does not parse (${(cause as Error).message})`, { file: path, expected: "a PKCS#8 PEM private key", cause });
  }
  requireP256(key, path);
  return key;
}

export async function loadPublicKey(path: string): Promise<KeyObject> {
  return parsePublicKey(await readKeyFile(path, "public key"), path);
}

/** A public key from text already read; `path` names it in errors. */
export function parsePublicKey(pem: string, path: string): KeyObject {
  // node would derive a public key from a private one; a private key handed to a verifier is a mistake to stop, not to paper over.
  if (pem.includes("PRIVATE KEY-----")) {
    throw new BunsealError("KEY_INVALID", `${path}: expected a public key, got a private key (pass the .pub file; keep the private key off verifying machines)`, { file: path, expected: "a public key", found: "a private key" });
  }
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (cause) {
    throw new BunsealError("KEY_INVALID", `${path}: expected a PEM public key (SPKI), got something that does not parse (${(cause as Error).message})`, { file: path, expected: "an SPKI PEM public key", cause });
  }
  return key;
}

function requireP256(key: KeyObject, path: string): void {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType !== "ec" || (curve !== "prime256v1" && curve !== "P-256")) {
    throw new BunsealError("KEY_INVALID", `${path}: expected an ECDSA P-256 key, got ${key.asymmetricKeyType ?? "an unknown key type"}${curve ? ` on ${curve}` : ""}`, { file: path, expected: "ECDSA P-256", found: `${key.asymmetricKeyType} ${curve ?? ""}`.trim() });
  }
}

async function readKeyFile(path: string, what: string): Promise<string> {
  try {
    return await keyText(path);
  } catch (cause) {
    throw new BunsealError("INPUT_UNREADABLE", `${path}: cannot read the ${what} (${(cause as Error).message})`, { file: path, cause });
  }
}
