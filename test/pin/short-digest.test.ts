/**
 * Issue 20, item 11 on pin: the short digest `pins` prints is taken back, and
 * one that starts more than one stored artifact lists them all instead of
 * guessing. Two made-up records sharing their first 12 hex, in a real SQLite
 * store; the refusals come before anything is verified or signed.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { generateKeyPairSync } from "node:crypto";
import { join } from "node:path";
import { pinArtifact } from "../../src/pin/pin.ts";
import { keySigner } from "../../src/sign/signer.ts";
import { openStore } from "../../src/store/open-store.ts";
import type { Store } from "../../src/store/store.ts";
import { rejection } from "../helpers/expect-error.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";
import { artifact } from "../store/records.ts";

let work: TestDir;
let store: Store;
const shared = "7b91ebb75060";
const twin = (last: string) => ({ ...artifact(`twin-${last}`), digest: `${shared}${last.repeat(52)}` });
const signer = keySigner(generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey);
const request = (digest: string) => ({ digest, env: "prod", reason: "", actor: "t", signer, pinsDir: null });

beforeAll(async () => {
  work = await makeTempDir("bunseal-short-digest-");
  store = await openStore(`sqlite:${join(work.path, "store.db")}`);
  for (const last of ["a", "b"]) await store.putArtifact(twin(last));
});
afterAll(async () => {
  await store?.close();
  await work?.cleanup();
});

test("pin refuses a 12-hex prefix two artifacts start, listing both (DIGEST_AMBIGUOUS, exit 2)", async () => {
  const error = await rejection(pinArtifact(store, request(`sha256:${shared}`)));
  expect(error.code).toBe("DIGEST_AMBIGUOUS");
  expect(error.message).toContain(`sha256:${shared}${"a".repeat(52)}`);
  expect(error.message).toContain(`sha256:${shared}${"b".repeat(52)}`);
});

test("pin resolves a longer prefix to the one artifact it starts (which must then verify like any other)", async () => {
  // the made-up record's bundle is no signed statement: reaching verification means the prefix resolved
  const error = await rejection(pinArtifact(store, request(`sha256:${shared}a`)));
  expect(error.code).toBe("PIN_REFUSED");
  expect(error.message).toContain("twin-a");
});

test("pin refuses fewer than 12 hex as a usage error, and names a prefix nothing starts as not in the store", async () => {
  expect((await rejection(pinArtifact(store, request("sha256:7b91ebb7506")))).code).toBe("USAGE");
  const missing = await rejection(pinArtifact(store, request("sha256:000000000000")));
  expect(missing.code).toBe("NOT_FOUND");
  expect(missing.message).toContain("sha256:000000000000");
});
