/**
 * Names for signers, from a signers file (src/signers/schema.ts, read by
 * src/signers/load.ts). Everything that shows a signer (verify now; trace,
 * pins, the console and the CI summaries can call the same function) asks
 * `signerName`, so a name means the same thing everywhere and is shown only
 * for a signer the caller verified. No imports: every command can afford it.
 */
export interface SignerNames {
  /** where the names came from, for messages */
  file: string;
  byKeyId: ReadonlyMap<string, string>;
  /** keyed by JSON [issuer, identity]: both must match exactly */
  byIdentity: ReadonlyMap<string, string>;
}

/** A signer as the verifier reports it: a key id, or a certificate's identity and issuer. */
export interface SignerRef {
  keyId?: string;
  identity?: string;
  issuer?: string;
}

/** The name the signers file gives this signer, if any. */
export function signerName(names: SignerNames | undefined, signer: SignerRef | undefined): string | undefined {
  if (!names || !signer) return undefined;
  if (signer.keyId) return names.byKeyId.get(signer.keyId);
  if (signer.identity && signer.issuer) return names.byIdentity.get(JSON.stringify([signer.issuer, signer.identity]));
  return undefined;
}
