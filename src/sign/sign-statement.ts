/**
 * Stage `sign`: DSSE over the statement, packed in a Sigstore bundle v0.3.
 * @sigstore/sign is loaded only here and only when signing, since importing it
 * costs more than a whole small build.
 */
import { IN_TOTO_PAYLOAD_TYPE } from "../attest/dsse.ts";
import type { Signer } from "./signer.ts";

export type SerializedBundle = Record<string, unknown>;

export async function signStatement(statementBytes: Uint8Array, signer: Signer): Promise<SerializedBundle> {
  const [{ DSSEBundleBuilder }, { bundleToJSON }] = await Promise.all([import("@sigstore/sign"), import("@sigstore/bundle")]);
  const builder = new DSSEBundleBuilder({ signer, witnesses: [] });
  const bundle = await builder.create({ data: Buffer.from(statementBytes), type: IN_TOTO_PAYLOAD_TYPE });
  return bundleToJSON(bundle) as unknown as SerializedBundle;
}

/** Starts loading the signing libraries early, so the import overlaps the build. */
export function preloadSigning(): void {
  void import("@sigstore/sign").catch(() => undefined);
  void import("@sigstore/bundle").catch(() => undefined);
}
