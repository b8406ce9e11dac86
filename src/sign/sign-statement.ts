/**
 * Stage `sign`: DSSE over the statement, packed in a Sigstore bundle v0.3
 * with whatever evidence the signer's witnesses (Rekor, a TSA) return.
 * @sigstore/sign is loaded only when signing, since importing it costs more
 * than a whole small build.
 */
import { IN_TOTO_PAYLOAD_TYPE } from "../attest/dsse.ts";
import type { Signer } from "./signer.ts";

export type SerializedBundle = Record<string, unknown>;

export async function signStatement(statementBytes: Uint8Array, signer: Signer): Promise<SerializedBundle> {
  const [{ DSSEBundleBuilder }, { bundleToJSON }] = await Promise.all([loadBundleBuilder(), import("@sigstore/bundle")]);
  const builder = new DSSEBundleBuilder({ signer, witnesses: [...(signer.witnesses ?? [])] });
  const bundle = await builder.create({ data: Buffer.from(statementBytes), type: IN_TOTO_PAYLOAD_TYPE });
  return bundleToJSON(bundle) as unknown as SerializedBundle;
}

/**
 * @sigstore/sign's DSSEBundleBuilder, from its own module: the package index
 * also loads the Fulcio, Rekor and TSA clients and their HTTP stack (≈60 ms
 * here, against ≈10 ms for the builder alone). @sigstore/sign has no "exports"
 * map, so the path is public; bun.lock pins the version, and every signing
 * test goes through it.
 */
function loadBundleBuilder(): Promise<Pick<typeof import("@sigstore/sign"), "DSSEBundleBuilder">> {
  return import("@sigstore/sign/dist/bundler/dsse.js");
}

/** Starts loading the signing libraries early, so the import overlaps the build. */
export function preloadSigning(): void {
  void loadBundleBuilder().catch(() => undefined);
  void import("@sigstore/bundle").catch(() => undefined);
}
