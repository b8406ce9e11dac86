/**
 * Stage `inputs`: the dependency set of the build, read from Bun's text
 * lockfile `bun.lock` (JSONC: comments and trailing commas allowed, so it is
 * parsed with Bun.JSONC, the parser Bun itself uses for it).
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
import { join } from "node:path";
import { BunsealError } from "../errors.ts";
import { sha256Hex } from "../util/digest.ts";
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

/** Reads `<projectDir>/bun.lock` once: the parsed form, and the bytes and digest of exactly what was parsed. */
export async function readLockfile(projectDir: string): Promise<{ lockfile: Lockfile; bytes: Uint8Array; sha256: string } | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await Bun.file(join(projectDir, LOCKFILE_NAME)).bytes();
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new BunsealError("INPUT_UNREADABLE", `${LOCKFILE_NAME}: cannot be read (${(cause as Error).message})`, { file: LOCKFILE_NAME, cause });
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new BunsealError("LOCKFILE_INVALID", `${LOCKFILE_NAME}: expected UTF-8 text, got bytes that are not`, { file: LOCKFILE_NAME, field: "(top level)", expected: "UTF-8 text", cause });
  }
  return { lockfile: parseLockfile(text, LOCKFILE_NAME), bytes, sha256: sha256Hex(bytes) };
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
