/**
 * `bunseal deps verify`: for every registry package in bun.lock, the
 * registry's signature over it and its provenance attestation, where the
 * registry provides them, with every answer cached for offline runs. Reports
 * packages without provenance, and packages whose provenance names another
 * repository than their package.json does. A registry that serves neither
 * gets a plain "not available from this registry", not a failure.
 */
import { BunsealError } from "../errors.ts";
import { describeProvenance } from "../inspect/describe-provenance.ts";
import { readLockfile } from "../inputs/lockfile.ts";
import { RegistryClient } from "./registry-client.ts";
import { checkRegistrySignature, type SignatureVerdict } from "./registry-signature.ts";
import { normalizeRepository } from "./repository.ts";

export interface ProvenanceVerdict {
  state: "verified" | "unverified" | "none" | "unavailable" | "invalid" | "mismatch";
  /** the repository the provenance names */
  repository?: string | null;
  /** the repository the package's package.json names */
  declared?: string | null;
  reason?: string;
}

export interface DependencyResult {
  name: string;
  version: string;
  signature: SignatureVerdict;
  provenance: ProvenanceVerdict;
  ok: boolean;
}

export interface DepsReport {
  registry: string;
  /** false when the registry serves neither signing keys nor attestations */
  registrySupported: boolean;
  packages: DependencyResult[];
  counts: { total: number; signed: number; withProvenance: number; failures: number };
}

export interface DepsOptions {
  registry?: string;
  cacheDir?: string;
  offline?: boolean;
  /** checks a provenance bundle's signature (keyless, against a trusted root); absent: provenance is read, not verified */
  verifyBundle?: (bundle: Record<string, unknown>, subjectIntegrity: string | undefined) => Promise<{ verified: boolean; reason?: string }>;
}

const PARALLEL = 8;

export async function verifyDependencies(projectDir: string, options: DepsOptions = {}): Promise<DepsReport> {
  const lock = await readLockfile(projectDir);
  if (!lock) throw new BunsealError("LOCKFILE_INVALID", `${projectDir} has no bun.lock; expected a locked project`, { file: "bun.lock", expected: "a bun.lock" });
  const client = new RegistryClient({ registry: options.registry ?? process.env.npm_config_registry ?? process.env.NPM_CONFIG_REGISTRY ?? "https://registry.npmjs.org", cacheDir: options.cacheDir, offline: options.offline });
  const keys = (await client.keys())?.keys ?? null;
  const packages = lock.lockfile.packages.filter((p) => p.source === "npm");
  const results: DependencyResult[] = [];
  for (let i = 0; i < packages.length; i += PARALLEL) {
    results.push(...(await Promise.all(packages.slice(i, i + PARALLEL).map((p) => checkPackage(client, keys, p.name, p.version, options)))));
  }
  results.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : 1));
  return {
    registry: client.registry,
    registrySupported: keys !== null || results.some((r) => r.provenance.state !== "unavailable"),
    packages: results,
    counts: {
      total: results.length,
      signed: results.filter((r) => r.signature.state === "valid").length,
      withProvenance: results.filter((r) => r.provenance.state === "verified" || r.provenance.state === "unverified").length,
      failures: results.filter((r) => !r.ok).length,
    },
  };
}

async function checkPackage(client: RegistryClient, keys: Parameters<typeof checkRegistrySignature>[2], name: string, version: string, options: DepsOptions): Promise<DependencyResult> {
  const meta = await client.version(name, version);
  const integrity = meta?.dist?.integrity;
  const signature = checkRegistrySignature({ name, version, integrity }, meta?.dist?.signatures, keys, undefined);
  const provenance = await checkProvenance(client, meta, integrity, keys !== null, options);
  const ok = signature.state !== "invalid" && provenance.state !== "invalid" && provenance.state !== "mismatch";
  return { name, version, signature, provenance, ok };
}

async function checkProvenance(client: RegistryClient, meta: Awaited<ReturnType<RegistryClient["version"]>>, integrity: string | undefined, registryHasKeys: boolean, options: DepsOptions): Promise<ProvenanceVerdict> {
  const link = meta?.dist?.attestations?.url;
  if (!link) return { state: registryHasKeys ? "none" : "unavailable" };
  const answer = await client.attestations(link);
  const attestation = answer?.attestations.find((a) => a.predicateType.startsWith("https://slsa.dev/provenance/"));
  if (!attestation) return { state: "none" };
  const envelope = (attestation.bundle as { dsseEnvelope?: { payload?: string } }).dsseEnvelope;
  if (!envelope?.payload) return { state: "invalid", reason: "the attestation bundle carries no DSSE envelope" };
  const statement = JSON.parse(Buffer.from(envelope.payload, "base64").toString("utf8"));
  const repository = normalizeRepository(describeProvenance(statement).sourceRepository);
  const declared = normalizeRepository(meta?.repository);
  if (options.verifyBundle) {
    const checked = await options.verifyBundle(attestation.bundle, integrity);
    if (!checked.verified) return { state: "invalid", repository, declared, reason: checked.reason ?? "the provenance bundle does not verify" };
  }
  if (declared && repository && declared !== repository) {
    return { state: "mismatch", repository, declared, reason: `the provenance says it was built from ${repository}; package.json names ${declared}` };
  }
  return { state: options.verifyBundle ? "verified" : "unverified", repository, declared };
}
