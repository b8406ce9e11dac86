/**
 * Synthetic statements and policies for the policy tests: a statement made
 * by the real makeStatement (bunseal's build type), with the facts a test is
 * about overridden, and a policy written to a temporary folder and loaded.
 */
import { generateKeyPairSync } from "node:crypto";
import { DEFAULT_BUILDER_ID, type ExternalParameters } from "../../src/attest/build-type.ts";
import { makeStatement, type ProvenanceStatement } from "../../src/attest/provenance.ts";
import type { LockedPackage } from "../../src/inputs/lockfile.ts";
import { loadPolicy, type LoadedPolicy } from "../../src/policy/load.ts";
import { keyIdOf } from "../../src/sign/keys.ts";
import { testdir } from "../helpers/testdir.ts";

export const COMMIT = "1e5a7c9d2b4f6a8c0e1d3b5f7a9c2e4d6b8f0a13";
export const REPO = "https://github.com/acme/shop";
export const STARTED = new Date("2026-01-01T00:00:00Z");
const HEX = (c: string) => c.repeat(64);

export function pkg(name: string, version: string, extra: Partial<LockedPackage> = {}): LockedPackage {
  return { key: name, name, version, source: "npm", resolved: `https://registry.npmjs.org/${name}/-/${name}-${version}.tgz`, lockfileResolved: "", integrity: `sha512-${Buffer.alloc(64, 7).toString("base64")}`, installScripts: false, trusted: false, ...extra };
}

export interface StatementOptions {
  source?: Partial<ExternalParameters["source"]>;
  contracts?: ExternalParameters["contracts"];
  bunVersion?: string;
  builderId?: string;
  startedOn?: Date;
  packages?: LockedPackage[];
}

export function statement(options: StatementOptions = {}): ProvenanceStatement {
  return makeStatement({
    artifact: { name: "shop-1e5a7c9d2b4f.tar", sha256: HEX("a"), size: 10 },
    files: [{ path: "index.js", sha256: HEX("b"), size: 5 }],
    externalParameters: {
      service: "shop",
      entrypoints: ["src/index.ts"],
      build: { target: "bun", format: "esm", minify: false, sourcemap: "none", splitting: false, external: [], define: {} },
      config: { source: "bunseal.json", digest: `sha256:${HEX("c")}` },
      featureFlags: {},
      contracts: options.contracts === undefined ? { schemaVersion: "2024-06-01.3", telemetryContract: "otel-http-v1" } : options.contracts,
      template: null,
      source: { uri: `git+${REPO}@refs/heads/main`, commit: COMMIT, ref: "refs/heads/main", subdir: "", dirty: false, changedPaths: [], ...options.source },
    },
    internalParameters: { bun: { version: options.bunVersion ?? "1.4.5", revision: "0".repeat(40) }, platform: "linux", arch: "x64", env: [], secrets: [], sourceDateEpoch: 0, lockfileDigest: `sha256:${HEX("d")}`, sandbox: { kind: "bubblewrap", network: false, reads: "fanotify" } },
    inputs: [{ path: "src/index.ts", sha256: HEX("e"), size: 5, role: "module" }],
    packages: options.packages ?? [pkg("hono", "4.13.19"), pkg("zod", "4.6.7")],
    builder: { id: options.builderId ?? DEFAULT_BUILDER_ID, version: { bunseal: "0.1.0", bun: "1.4.5" } },
    invocationId: "urn:uuid:00000000-0000-4000-8000-000000000001",
    startedOn: options.startedOn ?? STARTED,
    finishedOn: new Date((options.startedOn ?? STARTED).getTime() + 1000),
    metafileSha256: HEX("f"),
    buildDurationMs: 1000,
  });
}

export function publicKeyPem(): { pem: string; keyId: string } {
  const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { pem: publicKey.export({ type: "spki", format: "pem" }) as string, keyId: keyIdOf(publicKey) };
}

/** A trusted key, shared by the tests that are not about signers. */
export const TRUSTED = publicKeyPem();
export const KEY_SIGNER = { kind: "key", keyId: TRUSTED.keyId } as const;

/** Writes `policy` (with the trusted key as its signer unless it names signers) to policy.json in a fresh folder and loads it. */
export async function policy(rules: Record<string, unknown>): Promise<LoadedPolicy> {
  await using dir = await testdir({ "policy.json": JSON.stringify({ signers: [{ publicKey: TRUSTED.pem }], ...rules }) });
  // awaited here, not returned as a promise: the folder is removed when this function returns
  return await loadPolicy(`${dir.path}/policy.json`);
}
