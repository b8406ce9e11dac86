import { expect, test } from "bun:test";
import { join } from "node:path";
import * as bunseal from "../src/index.ts";
import { exampleServiceRepo } from "./helpers/example-service.ts";
import { makeTempDir } from "./helpers/testdir.ts";

test("the library builds and verifies without the CLI, and never prints", async () => {
  await using repo = await exampleServiceRepo();
  await using keys = await makeTempDir();
  const pair = await bunseal.generateKeyPair(keys.path);
  const logs: string[] = [];
  const written: string[] = [];
  // every way out: Node's streams, and Bun's console (which the CLI writes whole lines through)
  const saved = { out: process.stdout.write, err: process.stderr.write, log: console.log, error: console.error };
  process.stdout.write = ((chunk: string) => (written.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => (written.push(String(chunk)), true)) as typeof process.stderr.write;
  console.log = console.error = (...args: unknown[]) => void written.push(args.join(" "));
  let outcome;
  try {
    outcome = await bunseal.buildArtifact(
      { projectDir: repo.path, signer: bunseal.keySigner(await bunseal.loadPrivateKey(pair.privateKeyPath)) },
      bunseal.defaultContext({ log: (m) => logs.push(m), now: () => new Date("2026-01-02T03:04:05Z") }),
    );
  } finally {
    [process.stdout.write, process.stderr.write, console.log, console.error] = [saved.out, saved.err, saved.log, saved.error];
  }
  expect(written).toEqual([]);
  expect(logs.length).toBeGreaterThan(0);
  expect(outcome.statementValue.predicate.runDetails.metadata?.startedOn).toBe("2026-01-02T03:04:05.000Z");
  const report = await bunseal.verifyBundle({
    artifact: outcome.artifact.path,
    bundlePath: outcome.bundle!.path,
    keys: [await bunseal.loadPublicKey(pair.publicKeyPath)],
    expectations: { commit: repo.commit },
  });
  expect(report.verified).toBe(true);
  expect(report.verifiedStatement?.subject[0]?.digest.sha256).toBe(outcome.artifact.digest.slice(7));
  expect(report.signer?.keyId).toBe(pair.keyId);
  expect(join(repo.path, ".bunseal", "out")).toBe(outcome.artifact.path.slice(0, outcome.artifact.path.lastIndexOf("/")));
});

test("every error code maps to one of the three failure kinds", () => {
  for (const kind of Object.values(bunseal.ERROR_CODES)) expect(["rejected", "input", "environment"]).toContain(kind);
});
