/**
 * Stage `attest`: the in-toto Statement with a SLSA Provenance v1 predicate
 * that says exactly what produced the artifact.
 */
import { canonicalJson } from "../util/canonical-json.ts";
import { sha256Hex } from "../util/digest.ts";
import type { ExternalParameters, InternalParameters } from "./build-type.ts";
import { BUILD_TYPE } from "./build-type.ts";
import type { ResourceDescriptor } from "./resource-descriptor.ts";
import { SLSA_PROVENANCE_V1, type ProvenanceV1 } from "./slsa-provenance.ts";
import { STATEMENT_TYPE_V1, type Statement } from "./statement.ts";
import type { InputFile } from "../inputs/collect.ts";
import type { LockedPackage } from "../inputs/lockfile.ts";

export interface AttestInput {
  artifact: { name: string; sha256: string; size: number };
  files: readonly { path: string; sha256: string; size: number }[];
  externalParameters: ExternalParameters;
  internalParameters: InternalParameters;
  inputs: readonly InputFile[];
  packages: readonly LockedPackage[];
  builder: { id: string; version: Record<string, string> };
  invocationId: string;
  startedOn: Date;
  finishedOn: Date;
  metafileSha256: string;
  buildDurationMs: number;
}

export type ProvenanceStatement = Statement<ProvenanceV1>;

export function makeStatement(input: AttestInput): ProvenanceStatement {
  const subject = [
    { name: input.artifact.name, digest: { sha256: input.artifact.sha256 } },
    ...input.files.map((f) => ({ name: f.path, digest: { sha256: f.sha256 } })),
  ];
  const source = input.externalParameters.source;
  const resolvedDependencies: ResourceDescriptor[] = [
    { uri: source.uri, digest: { gitCommit: source.commit }, annotations: { role: "source" } },
    ...input.inputs.map((f) => ({ name: f.path, digest: { sha256: f.sha256 }, annotations: { role: f.role, size: f.size } })),
    // Workspace and root packages are the project's own source, already covered by the commit.
    ...input.packages.filter((p) => p.source !== "workspace" && p.source !== "root").map(packageDescriptor),
  ];
  const metrics = {
    buildDurationMs: Math.round(input.buildDurationMs),
    artifactBytes: input.artifact.size,
    outputBytes: Object.fromEntries(input.files.map((f) => [f.path, f.size])),
  };
  const predicate: ProvenanceV1 = {
    buildDefinition: {
      buildType: BUILD_TYPE,
      externalParameters: input.externalParameters,
      internalParameters: input.internalParameters,
      resolvedDependencies,
    },
    runDetails: {
      builder: { id: input.builder.id, version: input.builder.version },
      metadata: { invocationId: input.invocationId, startedOn: input.startedOn.toISOString(), finishedOn: input.finishedOn.toISOString() },
      byproducts: [
        { name: "metafile.json", digest: { sha256: input.metafileSha256 }, mediaType: "application/json", annotations: { note: "Bun's metafile with keys sorted" } },
        { name: "build-metrics", mediaType: "application/json", digest: { sha256: sha256Hex(canonicalJson(metrics)) }, annotations: metrics },
      ],
    },
  };
  return { _type: STATEMENT_TYPE_V1, subject, predicateType: SLSA_PROVENANCE_V1, predicate };
}

function packageDescriptor(pkg: LockedPackage): ResourceDescriptor {
  const descriptor: ResourceDescriptor = {
    // A package URL only for registry packages; git, tarball and folder packages are named by where they came from.
    uri: pkg.source === "npm" ? `pkg:npm/${pkg.name.replace(/^@/, "%40")}@${pkg.version}` : pkg.resolved,
    name: packageLabel(pkg),
    downloadLocation: pkg.resolved,
    annotations: { role: "package", source: pkg.source, version: pkg.version, installScripts: pkg.installScripts, trusted: pkg.trusted },
  };
  const digest = integrityToDigest(pkg.integrity);
  if (digest) descriptor.digest = digest;
  return descriptor;
}

/** A package's name as recorded: the name, and its install path when it is a nested second copy. */
export function packageLabel(pkg: Pick<LockedPackage, "name" | "key">): string {
  return pkg.key === pkg.name ? pkg.name : `${pkg.name} (${pkg.key})`;
}

/** SRI (`sha512-<base64>`) → DigestSet (`{ sha512: <hex> }`). */
export function integrityToDigest(integrity: string | undefined): Record<string, string> | undefined {
  const match = integrity ? /^(sha256|sha384|sha512)-([A-Za-z0-9+/=]+)$/.exec(integrity.trim()) : null;
  if (!match) return undefined;
  return { [match[1]!]: Buffer.from(match[2]!, "base64").toString("hex") };
}
