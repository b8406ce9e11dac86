/**
 * A pin row as `bunseal pin` writes it, for tests that put rows in a store
 * directly: its bundle is a real pin statement signed with a real key, so the
 * readers that hold each row to its signed pin (issue 20, item 9) take it.
 * A row made up with any other bundle is, rightly, shown as not its signed pin.
 */
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { pinStatement } from "../../src/pin/pin-statement.ts";
import { signStatement } from "../../src/sign/sign-statement.ts";
import { keySigner } from "../../src/sign/signer.ts";
import type { PinRecord } from "../../src/store/store.ts";
import { canonicalJson } from "../../src/util/canonical-json.ts";

let testKey: KeyObject | undefined;

/** `row` with the bundle of its own signed pin (by `privateKey`, default one key made for this test process). */
export async function signedPin(row: PinRecord | Omit<PinRecord, "bundle">, privateKey?: KeyObject): Promise<PinRecord> {
  const { service, env, sequence, digest, previousDigest, actor, reason, pinnedAt, rollbackOf } = row;
  const key = privateKey ?? (testKey ??= generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey);
  const statement = pinStatement(digest, `${service}.tar`, { service, env, sequence, previousDigest, actor, reason, pinnedAt, rollbackOf });
  const bundle = await signStatement(new TextEncoder().encode(canonicalJson(statement)), keySigner(key));
  return { service, env, sequence, digest, previousDigest, actor, reason, pinnedAt, rollbackOf, bundle: JSON.stringify(bundle) };
}
