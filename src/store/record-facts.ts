/**
 * The facts a store record holds about an artifact, as its signed statement
 * states them: what `build --store` and `store import` write into the columns,
 * and what every command that reads a record checks the columns against once
 * the bundle has verified again (src/store/verify-stored.ts). The columns are
 * an index for finding records; a fact shown or acted on must be the signed one.
 */
import { BUILD_TYPE } from "../attest/build-type-uri.ts";
import type { ExternalParameters, InternalParameters } from "../attest/build-type.ts";
import type { ProvenanceV1 } from "../attest/slsa-provenance.ts";
import type { Statement } from "../attest/statement.ts";
import { BunsealError } from "../errors.ts";
import { packageInventory, parsePackageLabel } from "../inventory/shipped.ts";
import { canonicalJson } from "../util/canonical-json.ts";
import { parseDigest } from "../util/digest.ts";
import type { Finding } from "../verify/finding.ts";
import type { Verified } from "../verify/verify-bundle.ts";
import type { ArtifactRecord } from "./store.ts";

/** Everything of a record that comes from the statement (not who signed it, nor the bundle's text). */
export type RecordedFacts = Omit<ArtifactRecord, "signer" | "signerKeyId" | "signerPublicKey" | "signerTrustedRoot" | "bundle">;

export function recordedFacts(statement: Verified<Statement<ProvenanceV1>>): RecordedFacts {
  const definition = statement.predicate.buildDefinition;
  if (definition.buildType !== BUILD_TYPE) {
    throw new BunsealError("STATEMENT_INVALID", `the attestation's build type is ${definition.buildType}; expected ${BUILD_TYPE}: the store records bunseal builds`, { field: "predicate.buildDefinition.buildType", expected: BUILD_TYPE, found: definition.buildType });
  }
  // Read as the statement has them, not parsed again: verify checked them against these very schemas
  // (src/verify/check-statement.ts), and no fact read here has a default a parse would fill in.
  const external = definition.externalParameters as ExternalParameters;
  const internal = definition.internalParameters as InternalParameters;
  const [artifact, ...files] = statement.subject;
  if (!artifact?.name || !artifact.digest.sha256) {
    throw new BunsealError("STATEMENT_INVALID", "the statement's first subject is not a named sha256 digest; expected the artifact tar", { field: "subject[0]", expected: "the artifact tar with a sha256" });
  }
  // shipped or locked only, as the SBOM says it: one reading of the recorded modules' install paths
  const shipped = new Set(packageInventory(statement).filter((p) => p.shipped).map((p) => `${p.name}\0${p.installPath}`));
  const packages = (definition.resolvedDependencies ?? [])
    .filter((d) => (d.annotations as { role?: string } | undefined)?.role === "package")
    .map((d) => {
      const annotations = d.annotations as { version?: string };
      const [algorithm, hex] = Object.entries(d.digest ?? {})[0] ?? [];
      // the package's own name: a nested copy is recorded as "name (install/path)"
      const { name, installPath } = parsePackageLabel(d.name ?? "");
      return { name, version: annotations.version ?? "", integrity: algorithm ? `${algorithm}:${hex}` : null, shipped: shipped.has(`${name}\0${installPath}`) };
    });
  return {
    // lower-case hex, as everywhere in the store: a statement may write its subject in upper case and still verify
    digest: parseDigest(artifact.digest.sha256) ?? artifact.digest.sha256,
    name: artifact.name,
    service: external.service,
    commit: external.source.commit,
    sourceUri: external.source.uri,
    dirty: external.source.dirty,
    bunVersion: internal.bun.version,
    lockfileDigest: internal.lockfileDigest,
    schemaVersion: external.contracts?.schemaVersion ?? null,
    telemetryContract: external.contracts?.telemetryContract ?? null,
    featureFlags: external.featureFlags,
    builderId: statement.predicate.runDetails.builder.id,
    builtAt: statement.predicate.runDetails.metadata?.startedOn ?? new Date(0).toISOString(),
    // one entry a path, as the store has always keyed them (a repeated name keeps its first place and its last digest)
    files: [...new Map(files.filter((f) => f.name && f.digest.sha256).map((f) => [f.name!, f.digest.sha256!]))].map(([path, digest]) => ({ path, digest: parseDigest(digest) ?? digest })),
    packages,
  };
}

const SCALARS = ["digest", "name", "service", "commit", "sourceUri", "dirty", "bunVersion", "lockfileDigest", "schemaVersion", "telemetryContract", "builderId", "builtAt"] as const;

/**
 * Where a record's columns differ from its signed statement: one finding per
 * fact, naming what the store says and what was signed. A package's
 * shipped-or-locked is compared only where the record has it (rows stored
 * before migration 3 hold null there).
 */
export function factMismatches(record: ArtifactRecord, signed: RecordedFacts): Finding[] {
  const findings: Finding[] = [];
  const differ = (field: string, stored: unknown, statement: unknown) =>
    findings.push({ code: "STORE_RECORD_MISMATCH", field, message: `${field}: the store says ${JSON.stringify(stored)}, the signed statement says ${JSON.stringify(statement)}; the store's row was changed after it was recorded`, expected: JSON.stringify(statement), found: JSON.stringify(stored) });
  for (const field of SCALARS) if (record[field] !== signed[field]) differ(field, record[field], signed[field]);
  if (canonicalJson(record.featureFlags) !== canonicalJson(signed.featureFlags)) differ("featureFlags", record.featureFlags, signed.featureFlags);
  if (canonicalJson(record.files) !== canonicalJson(signed.files)) differ("files", `${record.files.length} files`, `${signed.files.length} files`);
  const packages = record.packages.map((p, i) => ({ ...p, shipped: p.shipped === null ? signed.packages[i]?.shipped ?? null : p.shipped }));
  if (canonicalJson(packages) !== canonicalJson(signed.packages)) differ("packages", `${record.packages.length} packages`, `${signed.packages.length} packages`);
  return findings;
}
