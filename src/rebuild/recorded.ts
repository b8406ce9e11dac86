/**
 * What a verified statement says about how its artifact was built, in the
 * shape `rebuild` needs: where the source is, which Bun, which lockfile, which
 * inputs and packages, and what came out.
 */
import { BUILD_TYPE, ExternalParametersSchema, InternalParametersSchema, type ExternalParameters, type InternalParameters } from "../attest/build-type.ts";
import type { ProvenanceV1 } from "../attest/slsa-provenance.ts";
import type { Statement } from "../attest/statement.ts";
import type { RecordedOptions } from "../config/load.ts";
import { resolveBuildOptions } from "../config/schema.ts";
import { BunsealError } from "../errors.ts";

/**
 * The chunk and asset names bunseal passed before it wrote them into the
 * record (`bun build`'s, not Bun.build's): a recorded naming without them was
 * built with these. Every later statement records both.
 */
const NAMING_BEFORE_RECORDED = { chunk: "[name]-[hash].[ext]", asset: "[name]-[hash].[ext]" } as const;

export interface RecordedBuild {
  external: ExternalParameters;
  /** the build options as the statement resolved them, for the rebuild to build with */
  options: RecordedOptions;
  internal: InternalParameters;
  builderId: string;
  invocationId?: string;
  /** when the build ran, as its statement says */
  startedOn?: Date;
  /** the tar: the first subject */
  artifact: { name: string; sha256: string };
  /** every other subject: the files inside the tar */
  files: Map<string, string>;
  /** input path → sha256 */
  inputs: Map<string, string>;
  /**
   * the inputs whose metadata alone the build read (role "stat": a macro's `statSync(f).mtimeMs`), sorted:
   * the files an `mtime` cause can name; empty where stats were not traced (`internal.sandbox.stats`)
   */
  stats: string[];
  /** `name@version` → integrity digest (hex, with its algorithm) */
  packages: Map<string, string>;
  /** `name@version` of the packages whose install scripts the build let run */
  trustedScripts: string[];
}

/** Reads a statement bunseal wrote; callers about to act on someone else's statement pass a Verified one. */
export function readRecordedBuild(statement: Statement<ProvenanceV1>): RecordedBuild {
  const definition = statement.predicate.buildDefinition;
  if (definition.buildType !== BUILD_TYPE) {
    throw new BunsealError("STATEMENT_INVALID", `the attestation's build type is ${definition.buildType}; expected ${BUILD_TYPE}: only bunseal builds can be rebuilt`, { field: "predicate.buildDefinition.buildType", expected: BUILD_TYPE, found: definition.buildType });
  }
  // verify has already checked these; parsing again gives the typed values
  const external = ExternalParametersSchema.parse(definition.externalParameters);
  const internal = InternalParametersSchema.parse(definition.internalParameters);
  const [first, ...rest] = statement.subject;
  if (!first?.name || !first.digest.sha256) {
    throw new BunsealError("STATEMENT_INVALID", "the statement's first subject is not a named sha256 digest; expected the artifact tar", { field: "subject[0]", expected: "the artifact tar with a sha256" });
  }
  const inputs = new Map<string, string>();
  const packages = new Map<string, string>();
  const trustedScripts: string[] = [];
  const stats: string[] = [];
  for (const dep of definition.resolvedDependencies ?? []) {
    const role = (dep.annotations as { role?: string } | undefined)?.role;
    if (role === "package") {
      const annotations = dep.annotations as { version?: string; installScripts?: boolean; trusted?: boolean };
      const key = `${dep.name}@${annotations.version ?? ""}`;
      const [algorithm, hex] = Object.entries(dep.digest ?? {})[0] ?? [];
      packages.set(key, algorithm ? `${algorithm}:${hex}` : "(no integrity)");
      if (annotations.installScripts && annotations.trusted) trustedScripts.push(key);
    } else if (role === "stat") {
      if (dep.name) stats.push(dep.name);
    } else if (role !== "source" && dep.name && dep.digest?.sha256) {
      inputs.set(dep.name, dep.digest.sha256);
    }
  }
  return {
    external,
    // a statement from before maps followed the outdir recorded no layout: its maps were relative to the project
    options: { ...recordedOptions(external), mapSources: internal.mapSources ?? "project" },
    internal,
    builderId: statement.predicate.runDetails.builder.id,
    invocationId: statement.predicate.runDetails.metadata?.invocationId,
    startedOn: statement.predicate.runDetails.metadata?.startedOn ? new Date(statement.predicate.runDetails.metadata.startedOn) : undefined,
    artifact: { name: first.name, sha256: first.digest.sha256 },
    files: new Map(rest.filter((s) => s.name && s.digest.sha256).map((s) => [s.name!, s.digest.sha256!])),
    inputs,
    stats: [...new Set(stats)].sort(),
    packages,
    trustedScripts,
  };
}

/**
 * The options to rebuild with: as recorded, resolved as the bunseal that
 * recorded them did. Target and format were always recorded; a naming without
 * chunk or asset names is from before they were (see NAMING_BEFORE_RECORDED).
 */
export function recordedOptions(external: ExternalParameters): RecordedOptions {
  if (external.builds !== undefined) {
    return { builds: Object.fromEntries(Object.entries(external.builds).map(([name, build]) => [name, resolveBuildOptions(build, NAMING_BEFORE_RECORDED)])) };
  }
  // the schema admits the single form only with both fields
  return { entrypoints: external.entrypoints!, build: resolveBuildOptions(external.build!, NAMING_BEFORE_RECORDED) };
}
