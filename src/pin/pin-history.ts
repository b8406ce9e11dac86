/**
 * `bunseal pins`: the history as a responder reads it, each pin with the
 * commit its artifact was built from. Every row is checked against its signed
 * pin first (src/pin/verify-pin-rows.ts): a listing is what a responder acts on.
 */
import type { KeyObject } from "node:crypto";
import type { PinFilter, PinRecord, Store } from "../store/store.ts";
import { assertPinRows } from "./verify-pin-rows.ts";

export type ListedPin = Omit<PinRecord, "bundle"> & {
  /** the commit of the pinned artifact; null when the store does not hold the artifact */
  commit: string | null;
  /** the id of the key given (--key) whose signature the row carries; null when no key was given */
  signerKeyId: string | null;
};

export interface PinHistory {
  pins: ListedPin[];
  /** whether each row's signature was checked against keys given; its fields always are */
  signaturesChecked: boolean;
}

/** `keys` empty: each row must still be what its bundle signs, but no key says who signed it. */
export async function pinHistory(store: Store, filter: PinFilter, keys: readonly KeyObject[]): Promise<PinHistory> {
  const rows = await store.pins(filter);
  const signers = await assertPinRows(rows, keys.length > 0 ? keys : null, store.location);
  const digests = [...new Set(rows.map((p) => p.digest))];
  const commits = new Map(await Promise.all(digests.map(async (d) => [d, (await store.getArtifact(d))?.commit ?? null] as const)));
  return { pins: rows.map(({ bundle: _b, ...pin }, i) => ({ ...pin, commit: commits.get(pin.digest) ?? null, signerKeyId: signers[i] ?? null })), signaturesChecked: keys.length > 0 };
}
