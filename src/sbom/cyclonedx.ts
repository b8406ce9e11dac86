/**
 * A CycloneDX 1.6 SBOM of one artifact, from its provenance: the artifact as
 * `metadata.component`, the packages it ships (src/inventory/shipped.ts) as
 * components with their package URL, the registry's integrity as hashes and
 * the files of theirs that went into the artifact as evidence, and a reference
 * to the provenance it was made from. Deterministic: the same statement gives
 * the same bytes (the serial number and timestamp come from the statement).
 */
import type { ProvenanceV1 } from "../attest/slsa-provenance.ts";
import type { Statement } from "../attest/statement.ts";
import { packageInventory, type InventoryPackage } from "../inventory/shipped.ts";
import { sha256Hex } from "../util/digest.ts";
import { VERSION } from "../version.ts";

export const CYCLONEDX_PREDICATE_TYPE = "https://cyclonedx.org/bom";
export const CYCLONEDX_MEDIA_TYPE = "application/vnd.cyclonedx+json";

export interface SbomSubject {
  /** the artifact's file name and sha256 (hex), a subject of the statement */
  name: string;
  sha256: string;
  /** where the provenance is: the bundle's file name, or its digest */
  provenance: string;
}

const HASH_NAMES: Record<string, string> = { sha256: "SHA-256", sha384: "SHA-384", sha512: "SHA-512", sha1: "SHA-1" };

export function cycloneDxSbom(statement: Statement<ProvenanceV1>, subject: SbomSubject): Record<string, unknown> {
  const external = (statement.predicate.buildDefinition.externalParameters ?? {}) as { service?: string; source?: { uri?: string; commit?: string } };
  const shipped = packageInventory(statement).filter((p) => p.shipped);
  const components = shipped.map(component);
  const artifactRef = `artifact:${subject.name}`;
  const timestamp = statement.predicate.runDetails.metadata?.finishedOn ?? statement.predicate.runDetails.metadata?.startedOn;
  return {
    bomFormat: "CycloneDX",
    specVersion: "1.6",
    serialNumber: `urn:uuid:${uuidFrom(subject.sha256)}`,
    version: 1,
    metadata: {
      ...(timestamp ? { timestamp } : {}),
      tools: { components: [{ type: "application", name: "bunseal", version: VERSION }] },
      component: {
        type: "application",
        "bom-ref": artifactRef,
        name: external.service ?? subject.name,
        ...(external.source?.commit ? { version: external.source.commit } : {}),
        hashes: [{ alg: "SHA-256", content: subject.sha256 }],
        properties: [{ name: "bunseal:artifact", value: subject.name }],
        ...(external.source?.uri ? { externalReferences: [{ type: "vcs", url: external.source.uri }] } : {}),
      },
    },
    components,
    dependencies: [{ ref: artifactRef, dependsOn: components.map((c) => c["bom-ref"] as string) }, ...components.map((c) => ({ ref: c["bom-ref"] as string }))],
    externalReferences: [{ type: "attestation", url: subject.provenance, comment: "SLSA provenance v1 of this artifact (in-toto Statement, DSSE, Sigstore bundle)" }],
  };
}

function component(pkg: InventoryPackage): Record<string, unknown> {
  const scoped = /^(@[^/]+)\/(.+)$/.exec(pkg.name);
  const purl = pkg.uri?.startsWith("pkg:") ? pkg.uri : undefined;
  const hashes = Object.entries(pkg.digest)
    .filter(([alg]) => alg in HASH_NAMES)
    .map(([alg, content]) => ({ alg: HASH_NAMES[alg], content }));
  return {
    type: "library",
    // unique even when two copies of one version sit in two places
    "bom-ref": `${purl ?? `npm:${pkg.name}@${pkg.version ?? "unknown"}`}#${pkg.installPath}`,
    ...(scoped ? { group: scoped[1], name: scoped[2] } : { name: pkg.name }),
    ...(pkg.version ? { version: pkg.version } : {}),
    ...(purl ? { purl } : {}),
    ...(hashes.length > 0 ? { hashes } : {}),
    ...(pkg.uri && !purl ? { externalReferences: [{ type: "distribution", url: pkg.uri }] } : {}),
    properties: [{ name: "bunseal:installPath", value: pkg.installPath }],
    evidence: { occurrences: pkg.files.map((location) => ({ location })) },
  };
}

/** A UUID (version 5 layout) from a digest: one artifact, one serial number. */
function uuidFrom(hex: string): string {
  const h = sha256Hex(`bunseal-sbom:${hex}`).slice(0, 32).split("");
  h[12] = "5";
  h[16] = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  const s = h.join("");
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}
