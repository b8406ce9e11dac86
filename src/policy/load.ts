/**
 * Reads a policy file, validates it, and loads the keys it names, so that
 * everything wrong with a policy is found before any artifact is judged by it
 * (exit 2, POLICY_INVALID), never halfway through a verification.
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { dirname, resolve } from "node:path";
import { BunsealError } from "../errors.ts";
import { keyIdOf, loadPublicKey } from "../sign/keys.ts";
import { sha256Hex } from "../util/digest.ts";
import { describePolicyIssues } from "./problems.ts";
import { compileIdentityRegexp, PolicySchema, type Policy } from "./schema.ts";

export type TrustedSigner =
  | { kind: "key"; key: KeyObject; keyId: string; /** "inline PEM" or the resolved path */ source: string }
  | { kind: "identity"; identity: string; issuer: string }
  | { kind: "identityRegexp"; identityRegexp: RegExp; /** as written in the policy */ pattern: string; issuer: string };

export interface LoadedPolicy {
  /** the policy file as given, named in every message about it */
  file: string;
  /** sha256 of the policy file's bytes, as they were parsed (a Verification Summary names the policy by it) */
  sha256: string;
  /** the rules, defaults applied (`allowDirty: false`) */
  rules: Omit<Policy, "signers" | "$schema">;
  signers: TrustedSigner[];
}

export async function loadPolicy(path: string): Promise<LoadedPolicy> {
  let bytes: Uint8Array;
  try {
    bytes = await Bun.file(path).bytes();
  } catch (cause) {
    throw new BunsealError("INPUT_UNREADABLE", `${path}: cannot read the policy (${(cause as Error).message})`, { file: path, cause });
  }
  // the digest is of the very bytes parsed, so a summary can never name a policy other than the one applied
  const text = new TextDecoder().decode(bytes);
  const { signers, $schema: _ignored, ...rules } = parsePolicy(text, path);
  const loaded: TrustedSigner[] = [];
  for (const [index, signer] of signers.entries()) {
    if ("publicKey" in signer) loaded.push(await loadKey(signer.publicKey, path, `signers[${index}].publicKey`, loaded));
    else if ("identityRegexp" in signer) loaded.push({ kind: "identityRegexp", identityRegexp: compileIdentityRegexp(signer.identityRegexp), pattern: signer.identityRegexp, issuer: signer.issuer });
    else loaded.push({ kind: "identity", identity: signer.identity, issuer: signer.issuer });
  }
  return { file: path, sha256: sha256Hex(bytes), rules, signers: loaded };
}

/** Validates policy JSON text; `file` only names it in messages. */
export function parsePolicy(text: string, file: string): Policy {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new BunsealError("POLICY_INVALID", `${file}: expected a JSON policy, got a syntax error: ${(cause as Error).message}`, { file, field: "(top level)", expected: "valid JSON", cause });
  }
  const result = PolicySchema.safeParse(raw, { reportInput: true });
  if (result.success) return result.data;
  const problems = describePolicyIssues(result.error.issues);
  const first = problems[0]!;
  throw new BunsealError("POLICY_INVALID", problems.map((p) => `${file}: ${p.field}: expected ${p.expected}, got ${p.found}`).join("\n"), {
    file,
    field: first.field,
    expected: first.expected,
    found: first.found,
  });
}

async function loadKey(value: string, file: string, field: string, earlier: readonly TrustedSigner[]): Promise<TrustedSigner> {
  const inline = value.trimStart().startsWith("-----BEGIN");
  const source = inline ? "inline PEM" : resolve(dirname(file), value);
  let key: KeyObject;
  try {
    key = inline ? inlinePublicKey(value) : await loadPublicKey(source);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new BunsealError("POLICY_INVALID", `${file}: ${field}: expected an SPKI PEM public key or a path to one, got ${inline ? "a PEM that does not load" : JSON.stringify(value)} (${reason})`, { file, field, expected: "an SPKI PEM public key", cause });
  }
  const keyId = keyIdOf(key);
  if (earlier.some((s) => s.kind === "key" && s.keyId === keyId)) {
    throw new BunsealError("POLICY_INVALID", `${file}: ${field}: expected each key once, got key ${keyId.slice(0, 16)}… a second time`, { file, field, expected: "no duplicate signers", found: keyId });
  }
  return { kind: "key", key, keyId, source };
}

function inlinePublicKey(pem: string): KeyObject {
  // createPublicKey would derive a public key from a private one: a private key pasted into a policy file is a leak to stop, not to use.
  if (pem.includes("PRIVATE KEY-----")) throw new Error("this is a private key; put the public key in the policy");
  return createPublicKey(pem);
}
