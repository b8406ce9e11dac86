/**
 * A real artifact and a statement about it, made by bunseal's own
 * `makeStatement` and signed by bunseal's own signer with a key generated for
 * the test: what a build of `inputs` modules would produce, without running
 * the build. For tests of statements at sizes or spellings a fixture file
 * could not hold.
 */
import { join } from "node:path";
import { packTar } from "../../src/artifact/tar-pack.ts";
import { DEFAULT_BUILDER_ID } from "../../src/attest/build-type.ts";
import { makeStatement, type ProvenanceStatement } from "../../src/attest/provenance.ts";
import { generateKeyPair, loadPrivateKey, loadPublicKey } from "../../src/sign/keys.ts";
import { keySigner } from "../../src/sign/signer.ts";
import { signStatement } from "../../src/sign/sign-statement.ts";
import { canonicalJson } from "../../src/util/canonical-json.ts";
import { sha256Hex } from "../../src/util/digest.ts";
import type { KeyObject } from "node:crypto";

const CLOCK = new Date("2026-01-01T00:00:00Z");
const EPOCH = CLOCK.getTime() / 1000;
const COMMIT = "1e5a7c9d2b4f6a8c0e1d3b5f7a9c2e4d6b8f0a13";

export interface SignedCase {
  dir: string;
  artifactPath: string;
  artifactSha256: string;
  bundlePath: string;
  publicKeyPath: string;
  publicKey: KeyObject;
  privateKey: KeyObject;
  statement: ProvenanceStatement;
}

/** The artifact (two files packed as bunseal packs them) and a statement about it with `inputs` module inputs. */
export async function artifactAndStatement(inputs: number): Promise<{ tar: Uint8Array; statement: ProvenanceStatement }> {
  const files = [
    { path: "dist/index.js", data: new TextEncoder().encode('console.log("large");\n') },
    { path: "dist/version.txt", data: new TextEncoder().encode(`${COMMIT}\n`) },
  ];
  const tar = await packTar(files, { mtime: EPOCH });
  const digest = (text: string) => sha256Hex(text);
  const statement = makeStatement({
    artifact: { name: "large-service.tar", sha256: sha256Hex(tar), size: tar.byteLength },
    files: files.map((f) => ({ path: f.path, sha256: sha256Hex(f.data), size: f.data.byteLength })),
    externalParameters: {
      service: "large-service",
      entrypoints: ["src/index.ts"],
      build: { target: "bun", format: "esm", minify: false, sourcemap: "none", splitting: false, external: [], define: {} },
      config: { source: "bunseal.json", digest: `sha256:${digest("bunseal.json")}` },
      featureFlags: {},
      contracts: null,
      template: null,
      source: { uri: "git+https://github.com/acme/large-service@refs/heads/main", commit: COMMIT, ref: "refs/heads/main", subdir: "", dirty: false, changedPaths: [] },
    },
    internalParameters: { bun: { version: "1.4.5", revision: "0".repeat(40) }, platform: "linux", arch: "x64", env: [], secrets: [], sourceDateEpoch: EPOCH, lockfileDigest: null, sandbox: { kind: "bubblewrap", network: false, reads: "fanotify" } },
    // the paths bench/gen-large-project.ts writes, so the statement is the size a real build of that many modules makes
    inputs: Array.from({ length: inputs }, (_, i) => ({
      path: i === 0 ? "src/index.ts" : `src/features/group-${Math.floor(i / 100)}/module-${i}.ts`,
      sha256: digest(`module ${i}`),
      size: 1500 + (i % 500),
      role: "module" as const,
    })),
    packages: [],
    builder: { id: DEFAULT_BUILDER_ID, version: { bunseal: "0.1.0", bun: "1.4.5" } },
    invocationId: "urn:uuid:00000000-0000-4000-8000-000000000001",
    startedOn: CLOCK,
    finishedOn: new Date(CLOCK.getTime() + 1234),
    metafileSha256: digest("metafile.json"),
    buildDurationMs: 1234,
  });
  return { tar, statement };
}

/**
 * Writes the artifact, a fresh key pair and the bundle of `statement` (or of
 * the statement `edit` returns) signed with that key, into `dir`.
 */
export async function writeSignedCase(dir: string, inputs: number, edit: (s: ProvenanceStatement) => unknown = (s) => s): Promise<SignedCase> {
  const { tar, statement } = await artifactAndStatement(inputs);
  const keys = await generateKeyPair(join(dir, "keys"));
  const privateKey = await loadPrivateKey(keys.privateKeyPath);
  const signed = edit(statement);
  const bundle = await signStatement(new TextEncoder().encode(canonicalJson(signed)), keySigner(privateKey));
  const artifactPath = join(dir, "large-service.tar");
  const bundlePath = `${artifactPath}.sigstore.json`;
  await Promise.all([Bun.write(artifactPath, tar), Bun.write(bundlePath, JSON.stringify(bundle))]);
  return { dir, artifactPath, artifactSha256: sha256Hex(tar), bundlePath, publicKeyPath: keys.publicKeyPath, publicKey: await loadPublicKey(keys.publicKeyPath), privateKey, statement };
}
