/**
 * An ArtifactRecord from a verified attestation: what `build --store` and
 * `store import` put in the store. Only a Verified statement becomes a
 * record, so everything `trace` says rests on a signature that checked out.
 */
import type { KeyObject } from "node:crypto";
import type { ProvenanceV1 } from "../attest/slsa-provenance.ts";
import type { Statement } from "../attest/statement.ts";
import { readRecordedBuild } from "../rebuild/recorded.ts";
import { keyIdOf } from "../sign/keys.ts";
import { parseDigest } from "../util/digest.ts";
import type { Verified } from "../verify/verify-bundle.ts";
import type { ArtifactRecord } from "./store.ts";

export function artifactRecord(statement: Verified<Statement<ProvenanceV1>>, bundleJson: string, signer: KeyObject): ArtifactRecord {
  const recorded = readRecordedBuild(statement);
  const definition = statement.predicate.buildDefinition;
  const packages = (definition.resolvedDependencies ?? [])
    .filter((d) => (d.annotations as { role?: string } | undefined)?.role === "package")
    .map((d) => {
      const annotations = d.annotations as { version?: string };
      const [algorithm, hex] = Object.entries(d.digest ?? {})[0] ?? [];
      // the package's own name: a nested copy is recorded as "name (install/path)"
      return { name: (d.name ?? "").replace(/ \(.*\)$/, ""), version: annotations.version ?? "", integrity: algorithm ? `${algorithm}:${hex}` : null };
    });
  return {
    // lower-case hex, as everywhere in the store: a statement may write its subject in upper case and still verify
    digest: parseDigest(recorded.artifact.sha256) ?? recorded.artifact.sha256,
    name: recorded.artifact.name,
    service: recorded.external.service,
    commit: recorded.external.source.commit,
    sourceUri: recorded.external.source.uri,
    dirty: recorded.external.source.dirty,
    bunVersion: recorded.internal.bun.version,
    lockfileDigest: recorded.internal.lockfileDigest,
    schemaVersion: recorded.external.contracts?.schemaVersion ?? null,
    telemetryContract: recorded.external.contracts?.telemetryContract ?? null,
    featureFlags: recorded.external.featureFlags,
    builderId: recorded.builderId,
    signerKeyId: keyIdOf(signer),
    signerPublicKey: signer.export({ type: "spki", format: "pem" }) as string,
    builtAt: statement.predicate.runDetails.metadata?.startedOn ?? new Date(0).toISOString(),
    bundle: bundleJson,
    files: [...recorded.files].map(([path, digest]) => ({ path, digest: parseDigest(digest) ?? digest })),
    packages,
  };
}
