/**
 * What a statement records, read for the policy. The statement may have
 * failed an earlier verify stage (verify runs every stage), so nothing here
 * trusts its shape: a field of the wrong type reads as absent, and a rule
 * that needs it then fails ("nothing recorded").
 *
 * Source facts: bunseal's build type records them in
 * externalParameters.source {uri, ref, commit}. Any other build type has no
 * such field, so they are taken from the first resolvedDependencies entry
 * with a `gitCommit` digest (as the SLSA GitHub generator and others record
 * the source): its uri, that digest, and the ref after `@` in the uri.
 */
import { BUILD_TYPE } from "../attest/build-type-uri.ts";
import type { ProvenanceV1 } from "../attest/slsa-provenance.ts";
import type { Statement } from "../attest/statement.ts";
import { splitSourceUri } from "../source/uri.ts";

export interface PackageFact {
  /** the package name (a nested copy's install path, recorded as `name (path)`, is dropped) */
  name?: string;
  /** as recorded: a name and, for a nested copy, its install path */
  label: string;
  version?: string;
  /** the package has install scripts and Bun may have run them (trusted, or trust not recorded) */
  ranInstallScripts: boolean;
  field: string;
}

export interface StatementFacts {
  builderId?: string;
  source: { uri?: string; ref?: string; commit?: string; field: { uri: string; ref: string; commit: string } };
  startedOn?: string;
  bunVersion?: string;
  contracts: { schemaVersion?: string; telemetryContract?: string };
  /**
   * undefined when the statement cannot say which packages were built in: no
   * resolvedDependencies, or (for another build type) none marked as a
   * package. Only bunseal's build type records every locked package, so only
   * there does an empty list mean "no packages".
   */
  packages?: PackageFact[];
  dirty?: boolean;
}

const DEF = "predicate.buildDefinition";

export function statementFacts(statement: Statement<ProvenanceV1>): StatementFacts {
  const predicate = record(statement.predicate);
  const definition = record(predicate.buildDefinition);
  const run = record(predicate.runDetails);
  const external = record(definition.externalParameters);
  const internal = record(definition.internalParameters);
  const contracts = record(external.contracts);
  const dependencies = Array.isArray(definition.resolvedDependencies) ? definition.resolvedDependencies.map(record) : undefined;
  const packages = dependencies?.flatMap((d, i) => (record(d.annotations).role === "package" ? [packageFact(d, i)] : []));
  const bunseal = definition.buildType === BUILD_TYPE;
  return {
    builderId: string(record(run.builder).id),
    source: bunseal ? bunsealSource(record(external.source)) : dependencySource(dependencies ?? []),
    startedOn: string(record(run.metadata).startedOn),
    bunVersion: string(record(internal.bun).version),
    contracts: { schemaVersion: string(contracts.schemaVersion), telemetryContract: string(contracts.telemetryContract) },
    packages: bunseal || (packages?.length ?? 0) > 0 ? packages : undefined,
    dirty: typeof record(external.source).dirty === "boolean" ? (record(external.source).dirty as boolean) : undefined,
  };
}

function bunsealSource(source: Record<string, unknown>): StatementFacts["source"] {
  const at = `${DEF}.externalParameters.source`;
  return { uri: string(source.uri), ref: string(source.ref), commit: string(source.commit), field: { uri: `${at}.uri`, ref: `${at}.ref`, commit: `${at}.commit` } };
}

function dependencySource(dependencies: Record<string, unknown>[]): StatementFacts["source"] {
  const index = dependencies.findIndex((d) => string(record(d.digest).gitCommit) !== undefined);
  const at = `${DEF}.resolvedDependencies[${index < 0 ? "?" : index}]`;
  const field = { uri: `${at}.uri`, ref: `${at}.uri (after @)`, commit: `${at}.digest.gitCommit` };
  if (index < 0) return { field };
  const found = dependencies[index]!;
  const uri = string(found.uri);
  return { uri, ref: uri === undefined ? undefined : splitSourceUri(uri).ref, commit: string(record(found.digest).gitCommit), field };
}

function packageFact(descriptor: Record<string, unknown>, index: number): PackageFact {
  const annotations = record(descriptor.annotations);
  const label = string(descriptor.name);
  return {
    name: label?.replace(/ \(.*\)$/, ""),
    label: label ?? string(descriptor.uri) ?? `resolvedDependencies[${index}]`,
    version: string(annotations.version),
    ranInstallScripts: annotations.installScripts === true && annotations.trusted !== false,
    field: `${DEF}.resolvedDependencies[${index}]`,
  };
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function string(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}
