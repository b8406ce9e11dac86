/**
 * Generated artifacts for the store benches (bench/trace.ts, bench/serve.ts):
 * 50 services, 20 files and 50 locked packages each (two thirds shipped), one
 * a minute from 2026-01-01, digests derived from the index so a bench can name
 * any of them without keeping a list.
 */
import { join } from "node:path";
import type { ArtifactRecord } from "../src/store/store.ts";
import { exampleServiceRepo } from "../test/helpers/example-service.ts";
import { BUNSEAL } from "./lib.ts";

export const hex = (n: number, salt: string) => new Bun.CryptoHasher("sha256").update(`${salt}:${n}`).digest("hex");
export const PACKAGES = Array.from({ length: 400 }, (_, i) => `pkg-${i}`);

/** The i-th artifact; `template` supplies what is the same for all (a real record's bundle, signer, …). */
export function syntheticArtifact(i: number, template: ArtifactRecord, extra: Partial<ArtifactRecord> = {}): ArtifactRecord {
  const digest = hex(i, "artifact");
  return {
    ...template,
    digest,
    name: `svc-${i % 50}-${digest.slice(0, 12)}.tar`,
    service: `svc-${i % 50}`,
    commit: hex(i, "commit").slice(0, 40),
    builtAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
    files: Array.from({ length: 20 }, (_, f) => ({ path: `dist/chunk-${f}.js`, digest: hex(i * 20 + f, "file") })),
    packages: Array.from({ length: 50 }, (_, p) => ({ name: PACKAGES[(i * 7 + p * 13) % PACKAGES.length]!, version: `1.${(i + p) % 9}.0`, integrity: `sha512:${hex(p, "pkg")}`, shipped: p % 3 !== 0 })),
    ...extra,
  };
}

/**
 * One real artifact beside the generated ones: the example service, built and
 * signed with a fresh key in `scratch`, so what a bench traces verifies.
 */
export async function signedExampleArtifact(scratch: string): Promise<{ digest: string; bundle: string; artifact: string; publicKey: string }> {
  const repo = await exampleServiceRepo();
  try {
    const keys = join(scratch, "keys");
    Bun.spawnSync([...BUNSEAL, "keygen", "--out", keys]);
    const built = JSON.parse(Bun.spawnSync([...BUNSEAL, "build", repo.path, "--key", join(keys, "bunseal.key"), "--out", join(scratch, "example-out"), "--json"]).stdout.toString());
    return { digest: built.artifact.digest.slice(7), bundle: built.bundle.path, artifact: built.artifact.path, publicKey: join(keys, "bunseal.pub") };
  } finally {
    await repo.cleanup();
  }
}
