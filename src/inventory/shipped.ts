/**
 * Which locked packages an artifact ships. The lockfile names every package
 * installed, dev tools and tree-shaken modules included; an incident responder
 * asking "do we ship lodash@4.17.20?" needs the ones whose files went into the
 * bundle. Those are the bundled modules (inputs with role `module`) under
 * `node_modules/`: the install path of each (`node_modules/a/node_modules/b/x.js`
 * is the copy of b nested under a, bun.lock's key `a/b`) is matched to the
 * locked package installed there.
 *
 * Bun's isolated linker (`linker = "isolated"`, the default of a workspace
 * whose bun.lock has configVersion 1) installs no package at its lockfile key:
 * each is one folder of a store, `node_modules/.bun/<entry>/node_modules/<name>/`,
 * linked into the members that depend on it, and Bun resolves the links, so a
 * bundled module's path runs through the store (from a workspace member,
 * `../../node_modules/.bun/…`). Those files are matched by the package's name
 * and its resolution, which the entry folder spells (measured with Bun 1.4.5):
 *   npm            `hono@4.6.0`, `@trpc+server@11.0.0` (a scope's `/` as `+`)
 *   with peers     `@t3-oss+env-core@0.13.8+8be17bfc89967209` (a hash of the peers chosen)
 *   tarball        `is-number@https+++registry.npmjs.org+is-number+-+is-number-7.0.0.tgz+e350a27e483a7bc4`
 *   local tarball  `tgzpkg@.+tgzpkg-0.0.3.tgz+ed79b5f0579ac3b8`
 *   git            `gitdep@git+file++++tmp+gitdep+2d499e47ffd1c802df82f12a8031a3a4dd4e5dee`
 *   folder         `localdir@file+local`
 * An alias is stored under the real name. The store keeps one copy of a name
 * and resolution, whichever lockfile keys install it, so its files are those of
 * every locked entry with that name and resolution.
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

/** A file of a package in Bun's isolated store: the package's name and the entry folder's resolution part (after `name@`). */
export interface StoredFile {
  name: string;
  resolution: string;
}

/**
 * The package a project file belongs to when it lies in Bun's isolated store
 * (`node_modules/.bun/<entry>/node_modules/<name>/…`, in the project's
 * node_modules or an enclosing folder's, as a workspace member sees the
 * root's); undefined otherwise. A store file the project wrote elsewhere
 * (`src/node_modules/.bun/…`) is no installed package and is not read as one.
 */
export function storedPackageOf(path: string): StoredFile | undefined {
  const parts = path.split("/");
  let i = 0;
  while (parts[i] === "..") i++;
  if (parts[i] !== "node_modules" || parts[i + 1] !== ".bun" || parts[i + 3] !== "node_modules") return undefined;
  const entry = parts[i + 2]!;
  const scoped = parts[i + 4]?.startsWith("@") === true;
  const name = scoped ? `${parts[i + 4]}/${parts[i + 5] ?? ""}` : parts[i + 4];
  // at least one file below the package folder
  if (!name || name.endsWith("/") || parts.length <= i + (scoped ? 6 : 5)) return undefined;
  // a scope's `@` stays in the folder's name, its `/` is `+`
  const prefix = `${name.replace("/", "+")}@`;
  if (!entry.startsWith(prefix) || entry.length === prefix.length) return undefined;
  return { name, resolution: entry.slice(prefix.length) };
}

/**
 * Whether a store entry's resolution part is this locked resolution: the same
 * once spelled as a folder name, or followed by `+<hex>`, the hash Bun appends
 * for a peer set or a tarball.
 */
export function storeResolutionMatches(stored: string, locked: string): "exact" | "hashed" | false {
  const s = storeSpelling(stored);
  const l = storeSpelling(locked);
  if (s === l) return "exact";
  return s.startsWith(`${l}+`) && /^[0-9a-f]+$/.test(s.slice(l.length + 1)) ? "hashed" : false;
}

// Bun writes `/`, `:` and `#` of a resolution as `+` in the entry's folder name. Both sides are spelled
// alike, every character outside a file name's plain ones as `+`, so a character Bun keeps or turns into
// `+` compares equal either way.
function storeSpelling(text: string): string {
  return text.replace(/[^A-Za-z0-9._+-]/g, "+");
}

/** A package as the statement records it: `name`, or, nested or aliased, `name (install path)`. */
export function parsePackageLabel(label: string): { name: string; installPath: string } {
  const labelled = /^(.+) \((.+)\)$/.exec(label);
  return labelled ? { name: labelled[1]!, installPath: labelled[2]! } : { name: label, installPath: label };
}

/** Every locked package of the statement, shipped ones first, each group sorted by name then version. */
export function packageInventory(statement: Statement<ProvenanceV1>): InventoryPackage[] {
  const dependencies = (statement.predicate.buildDefinition.resolvedDependencies ?? []) as { name?: string; uri?: string; digest?: Record<string, string>; annotations?: Record<string, unknown> }[];
  const locked = dependencies
    .filter((d) => d.annotations?.role === "package" && d.name)
    .map((d) => ({ d, ...parsePackageLabel(d.name!), version: typeof d.annotations?.version === "string" ? d.annotations.version : null }));
  const keys = new Set(locked.map((p) => p.installPath));
  // the project's own lockfile is among its inputs; a workspace member's is the root's, above it
  const lockfileHere = dependencies.some((d) => d.annotations?.role === "lockfile" && (d.name === "bun.lock" || d.name === "bun.lockb"));
  const filesByPath = new Map<string, string[]>();
  // isolated store files by package name, then by the entry's resolution part
  const stored = new Map<string, Map<string, string[]>>();
  for (const d of dependencies) {
    if (d.annotations?.role !== "module" || !d.name) continue;
    const inStore = storedPackageOf(d.name);
    if (inStore) {
      const byResolution = stored.get(inStore.name) ?? new Map<string, string[]>();
      stored.set(inStore.name, byResolution.set(inStore.resolution, [...(byResolution.get(inStore.resolution) ?? []), d.name]));
      continue;
    }
    for (const at of lockfileKeysOf(d.name, lockfileHere, keys)) filesByPath.set(at, [...(filesByPath.get(at) ?? []), d.name]);
  }
  const storeFiles = filesInStore(stored, locked);
  const packages = locked.map(({ d, name, installPath, version }, i): InventoryPackage => {
    const files = [...(filesByPath.get(installPath) ?? []), ...(storeFiles.get(i) ?? [])].sort();
    return { name, version, installPath, uri: d.uri ?? null, digest: d.digest ?? {}, shipped: files.length > 0, files };
  });
  const order = (a: InventoryPackage, b: InventoryPackage) => Number(b.shipped) - Number(a.shipped) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || String(a.version).localeCompare(String(b.version)) || (a.installPath < b.installPath ? -1 : 1);
  return packages.sort(order);
}

/**
 * The lockfile keys a module installed by the hoisted linker may be under.
 * bun.lock's keys are install paths from the lockfile's folder: a package in
 * the root's node_modules is `name`, a copy a workspace member could not share
 * is in the member's own node_modules and keyed `<member's name>/name`. So a
 * project with its own lockfile reads its node_modules as keys and nothing
 * above it; a workspace member reads the root's (`../../node_modules/…`) as
 * keys, and its own under the one member prefix that has it. The member's
 * name is not in the statement, but its keys' prefix is no locked package
 * (workspace packages are not recorded as packages); when several members
 * have that install path, the files are given to each: a responder asking
 * whether a version ships is better told too much than too little.
 */
function lockfileKeysOf(path: string, lockfileHere: boolean, keys: ReadonlySet<string>): string[] {
  const parts = path.split("/");
  let up = 0;
  while (parts[up] === "..") up++;
  const installPath = installPathOf(parts.slice(up).join("/"));
  if (installPath === undefined) return [];
  if (up > 0) return lockfileHere ? [] : [installPath];
  if (lockfileHere) return [installPath];
  const members = [...keys].filter((key) => {
    if (!key.endsWith(`/${installPath}`)) return false;
    const prefix = key.slice(0, -installPath.length - 1);
    return !keys.has(prefix) && /^(?:@[^/]+\/)?[^/@][^/]*$/.test(prefix);
  });
  return members.length > 0 ? members : [installPath];
}

/**
 * The store's files of each locked package (by its index in `locked`). An
 * entry folder goes to the locked packages of its name whose resolution it
 * spells exactly, else to those it spells with a hash appended; a folder that
 * matches none is no locked package's, and ships none.
 */
function filesInStore(stored: Map<string, Map<string, string[]>>, locked: readonly { name: string; version: string | null }[]): Map<number, string[]> {
  const files = new Map<number, string[]>();
  for (const [name, byResolution] of stored) {
    const candidates = locked.flatMap((p, i) => (p.name === name && p.version !== null ? [{ i, version: p.version }] : []));
    for (const [resolution, paths] of byResolution) {
      const exact = candidates.filter((c) => storeResolutionMatches(resolution, c.version) === "exact");
      const chosen = exact.length > 0 ? exact : candidates.filter((c) => storeResolutionMatches(resolution, c.version) === "hashed");
      for (const { i } of chosen) files.set(i, [...(files.get(i) ?? []), ...paths]);
    }
  }
  return files;
}
