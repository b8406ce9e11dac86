/**
 * Seeded fuzzing of every parser that reads something an attacker (or a
 * corrupt disk) can hand bunseal: signed bundles with their artifact, pin
 * files, configs (bunseal.json), lockfiles (bun.lock) and tars. 10,000
 * mutations in all, each run through the library entry that parses it.
 *
 * Two properties, whatever the input:
 * - never an internal error: every failure is a BunsealError with a stable
 *   code (a TypeError or RangeError would reach the user as "a bug");
 * - never "verified" when the mutation changed signed bytes (the DSSE payload,
 *   the signature, or the artifact the statement names).
 *
 * Reproduce a failure from the seed it reports:
 *   BUNSEAL_FUZZ_CASE=bundle:123456 bun test test/fuzz
 * BUNSEAL_FUZZ_SEED changes the base seed (to explore beyond the fixed run);
 * BUNSEAL_FUZZ_VERBOSE=1 prints every failure with its seed, known ones included.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash, type KeyObject } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { packTar } from "../../src/artifact/tar-pack.ts";
import { listTar, readTarFiles } from "../../src/artifact/tar-read.ts";
import { loadConfig } from "../../src/config/load.ts";
import { isBunsealError } from "../../src/errors.ts";
import { parseLockfile } from "../../src/inputs/lockfile.ts";
import { pinStatement } from "../../src/pin/pin-statement.ts";
import { verifyPinFile } from "../../src/pin/verify-pin-file.ts";
import { loadPrivateKey, loadPublicKey } from "../../src/sign/keys.ts";
import { keySigner } from "../../src/sign/signer.ts";
import { signStatement } from "../../src/sign/sign-statement.ts";
import { canonicalJson } from "../../src/util/canonical-json.ts";
import { parseBundle } from "../../src/verify/read-bundle.ts";
import { verifyBundle } from "../../src/verify/verify-bundle.ts";
import { archive, entry, pax } from "../artifact/craft-tar.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";
import { int, mulberry32, mutateBytes, mutateJson, pick, toJsonText, type Rand } from "./mutate.ts";

const BASE_SEED = Number(process.env.BUNSEAL_FUZZ_SEED ?? 20_260_101);
/** `target:seed` runs that one case alone */
const ONLY = process.env.BUNSEAL_FUZZ_CASE;
/** 10,000 in all, weighted toward the inputs that carry trust */
const BUDGET = { bundle: 2500, pin: 1500, config: 1500, lockfile: 2000, tar: 2500 } as const;
type Target = keyof typeof BUDGET;

const FIXTURES = join(import.meta.dir, "..", "fixtures");
const CORPUS = join(FIXTURES, "attestations", "valid", "key-signed");
const encoder = new TextEncoder();

interface Failure {
  target: Target;
  seed: number;
  mutation: string;
  problem: string;
}

let work: TestDir;
let key: KeyObject;
let privateKey: KeyObject;
const failures: Failure[] = [];

beforeAll(async () => {
  work = await makeTempDir("bunseal-fuzz-");
  key = await loadPublicKey(join(CORPUS, "key.pub"));
  privateKey = await loadPrivateKey(join(FIXTURES, "attestations", "keys", "trusted", "bunseal.key"));
});
afterAll(async () => {
  await work?.cleanup();
  // every failure with its seed, known ones included, for whoever fixes them
  if (process.env.BUNSEAL_FUZZ_VERBOSE) for (const f of failures) console.log(`${f.target}:${f.seed} (${f.mutation}): ${f.problem}`);
});

/** Runs `count` seeded cases of `target` (or the one case BUNSEAL_FUZZ_CASE names). */
async function fuzz(target: Target, count: number, one: (rand: Rand, seed: number) => Promise<void>): Promise<number> {
  const seeds = ONLY ? (ONLY.startsWith(`${target}:`) ? [Number(ONLY.split(":")[1])] : []) : Array.from({ length: count }, (_, i) => BASE_SEED + i);
  for (const seed of seeds) await one(mulberry32(seed), seed);
  return seeds.length;
}

/** Awaits `run`; an error that is not a BunsealError is recorded as a failure. */
async function expectNoInternalError<T>(target: Target, seed: number, mutation: string, run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch (error) {
    if (!isBunsealError(error)) failures.push({ target, seed, mutation, problem: `internal error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`.slice(0, 400) });
    return undefined;
  }
}

function failuresOf(target: Target, kind?: "internal error" | "verified"): string[] {
  return failures.filter((f) => f.target === target && (kind === undefined || f.problem.startsWith(kind))).map((f) => `${f.target}:${f.seed} (${f.mutation}): ${f.problem}`);
}

describe("seeded mutations", () => {
  test(`${BUDGET.bundle} mutated bundles and artifacts: no internal error, nothing verifies once signed bytes change`, async () => {
    const bundleText = await Bun.file(join(CORPUS, "bundle.sigstore.json")).text();
    const bundleJson = JSON.parse(bundleText);
    const artifact = await Bun.file(join(CORPUS, "artifact.tar")).bytes();
    const original = await parseBundle(encoder.encode(bundleText), "bundle.sigstore.json");
    const envelope = original.bundle.content.$case === "dsseEnvelope" ? original.bundle.content.dsseEnvelope : undefined;
    const statement = JSON.parse(Buffer.from(envelope!.payload).toString("utf8"));
    const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
    const artifactDigest = sha256(artifact);

    const ran = await fuzz("bundle", BUDGET.bundle, async (rand, seed) => {
      let bytes: Uint8Array = encoder.encode(bundleText);
      let target = artifactDigest;
      let mutation: string;
      let resigned = false;
      const kind = int(rand, 10);
      if (kind < 3) {
        const m = mutateBytes(rand, bytes);
        [bytes, mutation] = [m.bytes, `bundle bytes: ${m.name}`];
      } else if (kind < 6) {
        const m = mutateJson(rand, bundleJson);
        [bytes, mutation] = [encoder.encode(toJsonText(m.value)), `bundle JSON: ${m.name}`];
      } else if (kind < 8) {
        // the statement changed after signing: the payload's bytes differ, the signature is the old one
        const m = mutateJson(rand, statement);
        const changed = structuredClone(bundleJson);
        changed.dsseEnvelope.payload = Buffer.from(toJsonText(m.value)).toString("base64");
        [bytes, mutation] = [encoder.encode(JSON.stringify(changed)), `payload, not re-signed: ${m.name}`];
      } else if (kind < 9) {
        // signed with the trusted key: reaches the statement checks with whatever the mutation made
        const m = mutateJson(rand, statement);
        const signed = await signStatement(encoder.encode(toJsonText(m.value)), keySigner(privateKey));
        [bytes, mutation, resigned] = [encoder.encode(JSON.stringify(signed)), `payload, re-signed: ${m.name}`, true];
      } else {
        const m = mutateBytes(rand, artifact);
        [target, mutation] = [sha256(m.bytes), `artifact: ${m.name}`];
      }
      const report = await expectNoInternalError("bundle", seed, mutation, () => verifyBundle({ artifact: `sha256:${target}`, bundlePath: "mutated.sigstore.json", bundleBytes: bytes, keys: [key], expectations: {} }));
      if (!report?.verified || resigned) return;
      // It verified: then what it vouches for must be exactly what was signed.
      const seen = await parseBundle(bytes, "mutated.sigstore.json");
      const dsse = seen.bundle.content.$case === "dsseEnvelope" ? seen.bundle.content.dsseEnvelope : undefined;
      const same = dsse !== undefined && Buffer.compare(dsse.payload, envelope!.payload) === 0 && Buffer.compare(dsse.signatures[0]!.sig, envelope!.signatures[0]!.sig) === 0 && dsse.payloadType === envelope!.payloadType && target === artifactDigest;
      if (!same) failures.push({ target: "bundle", seed, mutation, problem: "verified although signed bytes changed" });
    });
    expect(ran).toBe(ONLY ? ran : BUDGET.bundle);
    expect(failuresOf("bundle")).toEqual([]);
  }, 120_000);

  test(`${BUDGET.pin} mutated pin files: no internal error, no pin verifies once its signed statement or fields change`, async () => {
    const digest = "ab".repeat(32);
    const predicate = { service: "fuzz-service", env: "production", sequence: 3, previousDigest: "cd".repeat(32), actor: "release-bot", reason: "fuzz", pinnedAt: "2026-01-01T00:00:00.000Z", rollbackOf: null };
    const signedStatement = pinStatement(digest, "fuzz-service.tar", predicate);
    const bundle = await signStatement(encoder.encode(canonicalJson(signedStatement)), keySigner(privateKey));
    const pinFile = { pinFileVersion: 1, ...predicate, digest, bundle };
    const dir = join(work.path, "pins");
    await mkdir(dir, { recursive: true });
    const path = join(dir, "fuzz-service.production.json");
    // the unmutated file verifies, so a mutation is what any failure is about
    await writeFile(path, JSON.stringify(pinFile));
    expect((await verifyPinFile(path, [key], undefined)).failures).toEqual([]);
    const payload = Buffer.from((bundle as any).dsseEnvelope.payload, "base64");
    const sig = Buffer.from((bundle as any).dsseEnvelope.signatures[0].sig, "base64");

    const ran = await fuzz("pin", BUDGET.pin, async (rand, seed) => {
      let text: Uint8Array;
      let mutation: string;
      const kind = int(rand, 10);
      if (kind < 3) {
        const m = mutateBytes(rand, encoder.encode(JSON.stringify(pinFile)));
        [text, mutation] = [m.bytes, `pin file bytes: ${m.name}`];
      } else if (kind < 7) {
        const m = mutateJson(rand, pinFile);
        [text, mutation] = [encoder.encode(toJsonText(m.value)), `pin file JSON: ${m.name}`];
      } else {
        const m = mutateJson(rand, signedStatement);
        const changed = structuredClone(pinFile) as any;
        changed.bundle.dsseEnvelope.payload = Buffer.from(toJsonText(m.value)).toString("base64");
        [text, mutation] = [encoder.encode(JSON.stringify(changed)), `pin statement, not re-signed: ${m.name}`];
      }
      await writeFile(path, text);
      const report = await expectNoInternalError("pin", seed, mutation, () => verifyPinFile(path, [key], undefined));
      if (!report?.verified) return;
      const seen = JSON.parse(Buffer.from(text).toString("utf8"));
      // compared as the library decodes them (Buffer's base64, which skips what is not base64): those are the bytes that were checked
      const same = Buffer.from(seen.bundle.dsseEnvelope.payload, "base64").equals(payload) && Buffer.from(seen.bundle.dsseEnvelope.signatures[0].sig, "base64").equals(sig);
      // the file's own fields must be the signed ones
      const fieldsSame = (["service", "env", "sequence", "digest", "previousDigest", "actor", "reason", "pinnedAt", "rollbackOf"] as const).every((f) => seen[f] === (pinFile as any)[f]);
      if (!same || !fieldsSame) failures.push({ target: "pin", seed, mutation, problem: "verified although the pin's signed statement or its fields changed" });
    });
    expect(ran).toBe(ONLY ? ran : BUDGET.pin);
    // Before 8ebcd8c this found a malformed pin file's bundle or payload escaping verify-pin-file.ts
    // as a bare Error ("invalid bundle"), SyntaxError, TypeError or RangeError.
    expect(failuresOf("pin")).toEqual([]);
  }, 120_000);

  test(`${BUDGET.config} mutated configs (bunseal.json, package.json#bunseal): no internal error`, async () => {
    const config = {
      $schema: "./node_modules/bunseal/schemas/bunseal.schema.json",
      service: "fuzz-service",
      entrypoints: ["src/index.ts"],
      build: { target: "bun", format: "esm", minify: true, sourcemap: "external", splitting: false, external: ["pg"], define: { "process.env.MODE": '"prod"' } },
      featureFlags: { newCheckout: true, theme: "dark", limit: 3 },
      contracts: { schemaVersion: "3", telemetryContract: "events-v1" },
      secrets: ["API_TOKEN"],
    };
    const pkg = { name: "@acme/fuzz-service", version: "1.0.0", module: "src/index.ts" };
    const inConfig = join(work.path, "config-file");
    const inPackage = join(work.path, "config-package");
    await mkdir(join(inConfig, "src"), { recursive: true });
    await mkdir(join(inPackage, "src"), { recursive: true });
    await Promise.all([writeFile(join(inConfig, "src", "index.ts"), "export {};\n"), writeFile(join(inPackage, "src", "index.ts"), "export {};\n"), writeFile(join(inConfig, "package.json"), JSON.stringify(pkg))]);

    const ran = await fuzz("config", BUDGET.config, async (rand, seed) => {
      const inPkg = rand() < 0.3;
      const seedValue = inPkg ? { ...pkg, bunseal: config } : config;
      let text: Uint8Array;
      let mutation: string;
      if (rand() < 0.4) {
        const m = mutateBytes(rand, encoder.encode(JSON.stringify(seedValue, null, 2)));
        [text, mutation] = [m.bytes, `${inPkg ? "package.json" : "bunseal.json"} bytes: ${m.name}`];
      } else {
        const m = mutateJson(rand, seedValue);
        [text, mutation] = [encoder.encode(toJsonText(m.value)), `${inPkg ? "package.json" : "bunseal.json"} JSON: ${m.name}`];
      }
      await writeFile(join(inPkg ? inPackage : inConfig, inPkg ? "package.json" : "bunseal.json"), text);
      await expectNoInternalError("config", seed, mutation, () => loadConfig(inPkg ? inPackage : inConfig));
    });
    expect(ran).toBe(ONLY ? ran : BUDGET.config);
    expect(failuresOf("config")).toEqual([]);
  }, 120_000);

  test(`${BUDGET.lockfile} mutated lockfiles (bun.lock): no internal error`, async () => {
    const seeds: string[] = [];
    for (const name of ["kinds", "default-trust", "explicit-trust", "empty-trust", "patched"]) seeds.push(await Bun.file(join(import.meta.dir, "..", "inputs", "fixtures", name, "bun.lock")).text());
    // each seed parses as it is, so a failure is about the mutation
    for (const text of seeds) parseLockfile(text);
    const values = seeds.map((text) => Bun.JSONC.parse(text));

    const ran = await fuzz("lockfile", BUDGET.lockfile, async (rand, seed) => {
      const which = int(rand, seeds.length);
      let text: string;
      let mutation: string;
      if (rand() < 0.4) {
        const m = mutateBytes(rand, encoder.encode(seeds[which]!));
        // readLockfile refuses bytes that are not UTF-8 before parsing; here the parser gets what a decoder makes of them
        [text, mutation] = [Buffer.from(m.bytes).toString("utf8"), `bun.lock #${which} bytes: ${m.name}`];
      } else {
        const m = mutateJson(rand, values[which]);
        [text, mutation] = [toJsonText(m.value), `bun.lock #${which} JSON: ${m.name}`];
      }
      await expectNoInternalError("lockfile", seed, mutation, async () => parseLockfile(text));
    });
    expect(ran).toBe(ONLY ? ran : BUDGET.lockfile);
    expect(failuresOf("lockfile")).toEqual([]);
  }, 120_000);

  test(`${BUDGET.tar} mutated tars: no internal error from the strict reader`, async () => {
    const packed = await packTar(
      [
        { path: "dist/index.js", data: encoder.encode('console.log("fuzz");\n'.repeat(40)) },
        { path: "dist/deep/nested/file.txt", data: encoder.encode("x".repeat(700)) },
      ],
      { mtime: 1_767_225_600 },
    );
    const crafted = archive(
      pax({ path: "dist/a-long-name.js", mtime: "1767225600.5", uid: "0" }),
      entry({ name: "short", data: "pax-named\n" }),
      entry({ name: "dist/", type: "5" }),
      entry({ name: "dist/b.js", data: "b\n", magic: "gnu" }),
      entry({ name: "c.js", prefix: "dist/sub", data: "c\n" }),
    );
    const tars = [packed, crafted];
    for (const tar of tars) await listTar(tar);

    const ran = await fuzz("tar", BUDGET.tar, async (rand, seed) => {
      const which = int(rand, tars.length);
      let m = mutateBytes(rand, tars[which]!);
      let mutation = `tar #${which}: ${m.name}`;
      if (rand() < 0.6) {
        // most byte changes break a header's checksum and stop at the first block; resealing reaches the fields behind it
        const bytes = new Uint8Array(m.bytes);
        for (let at = 0; at + 512 <= bytes.length; at += 512) {
          const block = bytes.subarray(at, at + 512);
          if (block[257] === 0x75 /* "u" of ustar */) resealInPlace(block);
        }
        m = { name: m.name, bytes };
        mutation += ", headers resealed";
      }
      const read = pick(rand, [(b: Uint8Array) => listTar(b), (b: Uint8Array) => readTarFiles(b)]);
      await expectNoInternalError("tar", seed, mutation, async () => void (await read(m.bytes)));
    });
    expect(ran).toBe(ONLY ? ran : BUDGET.tar);
    expect(failuresOf("tar")).toEqual([]);
  }, 120_000);
});

function resealInPlace(block: Uint8Array): void {
  block.fill(0x20, 148, 156);
  const sum = block.reduce((a, b) => a + b, 0);
  block.set(encoder.encode(`${sum.toString(8).padStart(6, "0")}\0 `), 148);
}
