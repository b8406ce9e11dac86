/**
 * What checking pin rows costs (issue 20, item 9): a history of N key-signed
 * pins, each row checked against its bundle, with and without the signature:
 *
 *   bun bench/pin-rows.ts [N, default 1000]
 *
 * rollback pays "signature + fields" for the history of one (service, env);
 * pins without --key, "fields only". Five runs each, median and min.
 */
import { generateKeyPairSync, createPublicKey } from "node:crypto";
import { keySigner } from "../src/sign/signer.ts";
import { signStatement } from "../src/sign/sign-statement.ts";
import { canonicalJson } from "../src/util/canonical-json.ts";
import { pinStatement } from "../src/pin/pin-statement.ts";
import { assertPinRows } from "../src/pin/verify-pin-rows.ts";
import type { PinRecord } from "../src/store/store.ts";
const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
const signer = keySigner(privateKey);
const rows: PinRecord[] = [];
const N = Number(process.argv[2] ?? 1000);
for (let i = 1; i <= N; i++) {
  const digest = Bun.CryptoHasher.hash("sha256", `a${i}`, "hex") as string;
  const predicate = { service: "api", env: "prod", sequence: i, previousDigest: i === 1 ? null : rows[i - 2]!.digest, actor: "ci", reason: "r", pinnedAt: new Date(1_700_000_000_000 + i).toISOString(), rollbackOf: null };
  const bundle = await signStatement(new TextEncoder().encode(canonicalJson(pinStatement(digest, "api.tar", predicate))), signer);
  rows.push({ ...predicate, digest, bundle: JSON.stringify(bundle) });
}
for (const keys of [[createPublicKey(privateKey)], null]) {
  const times: number[] = [];
  for (let r = 0; r < 5; r++) { const t = performance.now(); await assertPinRows(rows, keys, "bench"); times.push(performance.now() - t); }
  times.sort((a, b) => a - b);
  console.log(`${N} rows, ${keys ? "signature + fields" : "fields only"}: median ${times[2]!.toFixed(1)} ms (${(times[2]! / N * 1000).toFixed(0)} µs/row), min ${times[0]!.toFixed(1)}`);
}
