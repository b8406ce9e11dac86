/**
 * Stage `inputs`: the dependency set of the build, read from Bun's text
 * lockfile `bun.lock` (JSONC: comments and trailing commas allowed, so it is
 * parsed with Bun.JSONC, the parser Bun itself uses for it), or from the
 * binary `bun.lockb` through Bun's own conversion to that text (lockb.ts).
 *
 * Top level, as Bun 1.4.5 writes it: lockfileVersion, configVersion,
 * workspaces, then when non-empty trustedDependencies, patchedDependencies,
 * overrides, catalog, catalogs, and packages. Any other key is refused, as is
 * a lockfileVersion Bun's reader does not define (0 to 3; 1.4.5 writes 2).
 * Entry shapes are in lockfile-entry.ts.
 *
 * Install scripts and trust, as observed with Bun 1.4.5:
 * - a package with a preinstall/install/postinstall script has
 *   `"hasInstallScript": true` in its metadata object; nothing else marks it.
 * - "trustedDependencies" is package.json's list filtered to names that are
 *   installed (`["nothing-installed"]` in package.json writes no key at all),
 *   and an explicit empty list is written as `[]`.
 * - package.json's list, when present, replaces Bun's built-in allowlist
 *   (esbuild's postinstall is blocked under `["bufferutil"]`); with no list the
 *   built-in allowlist applies (esbuild's and bufferutil's scripts run).
 * So when the lockfile has no "trustedDependencies", any package with install
 * scripts may have run them, and `trusted` says so (see LockedPackage).
 */
import { join, relative, resolve, sep } from "node:path";
import { BunsealError } from "../errors.ts";
import { sha256Hex } from "../util/digest.ts";
import { enclosingRepository, findWorkspaceRoot, readManifest, workspaceMembers } from "../workspace/workspace-root.ts";
import { BINARY_LOCKFILE_NAME, binaryLockfileToText } from "./lockb.ts";
import { fail, parseEntry, type ParsedEntry } from "./lockfile-entry.ts";

export { DEFAULT_REGISTRY, defaultTarballUrl, type PackageSource } from "./lockfile-entry.ts";

export const LOCKFILE_NAME = "bun.lock";
/** The text-lockfile versions Bun's reader defines; bunseal has no idea what a newer one means. */
export const KNOWN_LOCKFILE_VERSIONS: readonly number[] = [0, 1, 2, 3];

const TOP_LEVEL_KEYS = new Set(["lockfileVersion", "configVersion", "workspaces", "trustedDependencies", "patchedDependencies", "overrides", "catalog", "catalogs", "packages"]);

/**
 * One package of bun.lock: what its entry says (ParsedEntry: `name` is the real
 * package name even under an alias; `version` is exact for npm packages and the
 * resolution as Bun prints it otherwise; `resolved` is normalised, with the
 * lockfile's "" expanded to the registry.npmjs.org tarball URL, while
 * `lockfileResolved` is verbatim; `installScripts` is bun.lock's
 * `hasInstallScript`), plus where it sits and whether Bun may run its scripts.
 */
export interface LockedPackage extends ParsedEntry {
  /** the key under "packages": the install path, e.g. `@app/lib/ms` for a second copy nested under `@app/lib` */
  key: string;
  /**
   * Whether Bun may run this package's install scripts: listed in trustedDependencies
   * (by package name or install alias), or, when the lockfile has no such list, any
   * package with install scripts (Bun's built-in allowlist, which is not in the lockfile,
   * decides). Workspace and root packages are always trusted by Bun.
   */
  trusted: boolean;
  /** the patch file applied after install (patchedDependencies), relative to the project */
  patch?: string;
}

export interface Lockfile {
  lockfileVersion: number;
  /** sorted by name, then version, then key */
  packages: LockedPackage[];
  /** as written, sorted */
  trustedDependencies: string[];
  /** false when the lockfile has no "trustedDependencies" key: then Bun's built-in allowlist, or a package.json list naming nothing installed, decided */
  trustedDependenciesRecorded: boolean;
}

export function parseLockfile(text: string, file = LOCKFILE_NAME): Lockfile {
  const ctx = { file, lockfileVersion: -1 };
  let root: unknown;
  try {
    root = Bun.JSONC.parse(text);
  } catch (cause) {
    throw new BunsealError("LOCKFILE_INVALID", `${file}: expected JSONC, got a syntax error: ${(cause as Error).message}`, { file, field: "(top level)", expected: "JSONC", cause });
  }
  if (!isObject(root)) fail(ctx, "(top level)", "an object", root);
  for (const key of Object.keys(root)) {
    if (!TOP_LEVEL_KEYS.has(key)) fail(ctx, key, `no such key (bun.lock keys bunseal knows: ${[...TOP_LEVEL_KEYS].join(", ")})`, root[key]);
  }
  const version = root.lockfileVersion;
  if (typeof version !== "number" || !KNOWN_LOCKFILE_VERSIONS.includes(version)) {
    fail(ctx, "lockfileVersion", `one of ${KNOWN_LOCKFILE_VERSIONS.join(", ")}`, version);
  }
  ctx.lockfileVersion = version;
  if (root.configVersion !== undefined && typeof root.configVersion !== "number") fail(ctx, "configVersion", "a number", root.configVersion);
  for (const key of ["workspaces", "overrides", "catalog", "catalogs"]) {
    if (root[key] !== undefined && !isObject(root[key])) fail(ctx, key, "an object", root[key]);
  }

  const trustedRecorded = root.trustedDependencies !== undefined;
  const trustedList = root.trustedDependencies ?? [];
  if (!Array.isArray(trustedList)) fail(ctx, "trustedDependencies", "an array of package names", trustedList);
  trustedList.forEach((name, i) => {
    if (typeof name !== "string" || name === "") fail(ctx, `trustedDependencies[${i}]`, "a package name", name);
  });
  const trusted = new Set<string>(trustedList);

  const patches = new Map<string, string>();
  const patched = root.patchedDependencies ?? {};
  if (!isObject(patched)) fail(ctx, "patchedDependencies", "an object", patched);
  for (const [key, path] of Object.entries(patched)) {
    if (typeof path !== "string" || path === "") fail(ctx, `patchedDependencies[${JSON.stringify(key)}]`, "a patch file path", path);
    patches.set(key, path);
  }

  const entries = root.packages ?? {};
  if (!isObject(entries)) fail(ctx, "packages", "an object", entries);
  const packages: LockedPackage[] = [];
  const patchUsed = new Set<string>();
  for (const [key, value] of Object.entries(entries)) {
    const entry = parseEntry(key, value, ctx);
    const own = entry.source === "workspace" || entry.source === "root";
    const listed = trusted.has(entry.name) || trusted.has(installName(key));
    const patch = patches.get(`${entry.name}@${entry.version}`);
    if (patch !== undefined) patchUsed.add(`${entry.name}@${entry.version}`);
    packages.push({
      key,
      ...entry,
      trusted: own || (trustedRecorded ? listed : entry.installScripts),
      ...(patch === undefined ? {} : { patch }),
    });
  }
  // A patch that matches nothing would mean bunseal misread which package Bun patches.
  for (const key of patches.keys()) {
    if (!patchUsed.has(key)) fail(ctx, `patchedDependencies[${JSON.stringify(key)}]`, 'a "name@version" of a package in "packages"', key);
  }
  packages.sort((a, b) => compare(a.name, b.name) || compare(a.version, b.version) || compare(a.key, b.key));
  return { lockfileVersion: version, packages, trustedDependencies: [...trusted].sort(compare), trustedDependenciesRecorded: trustedRecorded };
}

/** What readLockfile found: the parsed form, and the bytes and digest of exactly the file that was read. */
export interface LockfileRead {
  lockfile: Lockfile;
  /** the lockfile's bytes: bun.lock's text, or bun.lockb's binary (what lockfileDigest is the sha256 of) */
  bytes: Uint8Array;
  sha256: string;
  /** `bun.lock` or `bun.lockb` */
  name: string;
  /** the absolute folder that holds it: the project, or the workspace root the project belongs to */
  dir: string;
  /** its path relative to the project, POSIX separators: `bun.lock`, or `../../bun.lock` in a workspace member */
  path: string;
}

export interface ReadLockfileOptions {
  /**
   * The highest folder a workspace root may be in: the repository's top level.
   * Default: the nearest folder above the project that holds a `.git`; with
   * none, only the project itself is looked in.
   */
  repoRoot?: string;
  /** the Bun that reads a binary lockfile (default: the one running bunseal) */
  bunPath?: string;
}

/**
 * Finds and reads the lockfile Bun would install the project from, once: in
 * the workspace root that lists the project (Bun writes one lockfile there for
 * every member), else in the project. bun.lock wins over bun.lockb when both
 * are there, as in Bun 1.4.5's `bun install`. A bun.lockb is read through Bun
 * (see lockb.ts); one that cannot be read stops the build, since "no
 * dependencies" would be a false record.
 */
export async function readLockfile(projectDir: string, options: ReadLockfileOptions = {}): Promise<LockfileRead | undefined> {
  const project = resolve(projectDir);
  const dir = findWorkspaceRoot(project, options.repoRoot ?? enclosingRepository(project));
  if (dir === project) refuseOrphanMember(project);
  const rel = (name: string) => relative(project, join(dir, name)).split(sep).join("/");
  for (const name of [LOCKFILE_NAME, BINARY_LOCKFILE_NAME]) {
    const path = rel(name);
    let bytes: Uint8Array;
    try {
      bytes = await Bun.file(join(dir, name)).bytes();
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw new BunsealError("INPUT_UNREADABLE", `${path}: cannot be read (${(cause as Error).message})`, { file: path, cause });
    }
    const found = { bytes, sha256: sha256Hex(bytes), name, dir, path };
    if (name === LOCKFILE_NAME) {
      let text: string;
      try {
        text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      } catch (cause) {
        throw new BunsealError("LOCKFILE_INVALID", `${path}: expected UTF-8 text, got bytes that are not`, { file: path, field: "(top level)", expected: "UTF-8 text", cause });
      }
      return { ...found, lockfile: parseLockfile(text, path) };
    }
    const text = await binaryLockfileToText({ bytes, manifests: await manifestsOf(dir, path), file: path, bunPath: options.bunPath });
    return { ...found, lockfile: parseLockfile(text, path) };
  }
  return undefined;
}

/**
 * A package that depends on `workspace:` packages but that no workspace root
 * in the repository lists: Bun could not install it from its commit, and its
 * lockfile, wherever it is, would not be the one recorded.
 */
function refuseOrphanMember(project: string): void {
  const manifest = readManifest(project, "package.json");
  if (!manifest || manifest.patterns.length > 0) return;
  for (const group of ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"]) {
    const deps = manifest.pkg[group];
    if (typeof deps !== "object" || deps === null) continue;
    for (const [name, range] of Object.entries(deps)) {
      if (typeof range !== "string" || !range.startsWith("workspace:")) continue;
      throw new BunsealError(
        "WORKSPACE_ROOT_NOT_FOUND",
        `package.json: ${group}.${name}: expected a workspace root above this package (a package.json with "workspaces" listing this folder, inside the git repository), got none for ${project}; add the folder to the root's "workspaces", or build from inside the repository that has it`,
        { file: "package.json", field: `${group}.${name}`, expected: "a workspace root listing this package", found: range },
      );
    }
  }
}

/** The package.json files Bun reads beside a lockfile: the root's and every workspace member's. */
async function manifestsOf(dir: string, lockfilePath: string): Promise<Map<string, Uint8Array>> {
  const root = readManifest(dir);
  if (!root) {
    throw new BunsealError("LOCKFILE_INVALID", `${lockfilePath}: expected a package.json beside it, got none; a lockfile is read against the manifest it locks`, { file: lockfilePath, expected: "package.json beside the lockfile" });
  }
  const manifests = new Map<string, Uint8Array>();
  for (const member of ["", ...workspaceMembers(root)]) {
    const path = member === "" ? "package.json" : `${member}/package.json`;
    manifests.set(path, await Bun.file(join(dir, path)).bytes());
  }
  return manifests;
}

/** The dependency name a package is installed under: the last segment of its key (two for a scope). */
function installName(key: string): string {
  const parts = key.split("/");
  const last = parts.pop()!;
  const scope = parts.at(-1);
  return scope?.startsWith("@") ? `${scope}/${last}` : last;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// Code-unit order, not localeCompare: the same on every machine.
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
