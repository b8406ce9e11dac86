/**
 * Which locked packages an artifact ships. The lockfile names every package
 * installed, dev tools and tree-shaken modules included; an incident responder
 * asking "do we ship lodash@4.17.20?" needs the ones whose files went into the
 * bundle. Those are the bundled modules (inputs with role `module`) under
 * `node_modules/`: the install path of each (`node_modules/a/node_modules/b/x.js`
 * is the copy of b nested under a, bun.lock's key `a/b`) is matched to the
 * locked package installed there.
 */
import type { ProvenanceV1 } from "../attest/slsa-provenance.ts";
import type { Statement } from "../attest/statement.ts";

export interface InventoryPackage {
  name: string;
  version: string | null;
  /** bun.lock's key: where it is installed (`a/b` for b nested under a; an alias for an aliased install) */
  installPath: string;
  /** a package URL for registry packages; otherwise where it came from */
  uri: string | null;
  /** the registry's integrity, as the statement records it (hex) */
  digest: Record<string, string>;
  /** at least one of its files went into an output */
  shipped: boolean;
  /** its files that did, relative to the project, sorted */
  files: string[];
}

/** The install path (bun.lock key) of a project file under node_modules, or undefined for the project's own files. */
export function installPathOf(path: string): string | undefined {
  const parts = path.split("/");
  if (parts[0] !== "node_modules") return undefined;
  const names: string[] = [];
  let i = 0;
  while (parts[i] === "node_modules" && i + 1 < parts.length) {
    const scoped = parts[i + 1]!.startsWith("@");
    if (scoped && i + 2 >= parts.length) break;
    names.push(scoped ? `${parts[i + 1]}/${parts[i + 2]}` : parts[i + 1]!);
    i += scoped ? 3 : 2;
  }
  return names.length > 0 && i < parts.length ? names.join("/") : undefined;
}

/** A package as the statement records it: `name`, or, nested or aliased, `name (install path)`. */
export function parsePackageLabel(label: string): { name: string; installPath: string } {
  const labelled = /^(.+) \((.+)\)$/.exec(label);
  return labelled ? { name: labelled[1]!, installPath: labelled[2]! } : { name: label, installPath: label };
}

/** Every locked package of the statement, shipped ones first, each group sorted by name then version. */
export function packageInventory(statement: Statement<ProvenanceV1>): InventoryPackage[] {
  const dependencies = (statement.predicate.buildDefinition.resolvedDependencies ?? []) as { name?: string; uri?: string; digest?: Record<string, string>; annotations?: Record<string, unknown> }[];
  const filesByPath = new Map<string, string[]>();
  for (const d of dependencies) {
    if (d.annotations?.role !== "module" || !d.name) continue;
    const at = installPathOf(d.name);
    if (at !== undefined) filesByPath.set(at, [...(filesByPath.get(at) ?? []), d.name]);
  }
  const packages = dependencies
    .filter((d) => d.annotations?.role === "package" && d.name)
    .map((d): InventoryPackage => {
      const { name, installPath } = parsePackageLabel(d.name!);
      const files = (filesByPath.get(installPath) ?? []).sort();
      const version = typeof d.annotations?.version === "string" ? d.annotations.version : null;
      return { name, version, installPath, uri: d.uri ?? null, digest: d.digest ?? {}, shipped: files.length > 0, files };
    });
  const order = (a: InventoryPackage, b: InventoryPackage) => Number(b.shipped) - Number(a.shipped) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || String(a.version).localeCompare(String(b.version)) || (a.installPath < b.installPath ? -1 : 1);
  return packages.sort(order);
}
