/**
 * One entry of bun.lock's "packages" object. The entry is an array whose first
 * item is "<name>@<resolution>"; the resolution's form says which of these
 * shapes follows (written by Bun 1.4.5, checked against its text-lockfile
 * writer, oven-sh/bun src/install/lockfile/bun.lock.rs):
 *
 *   npm            ["name@1.2.3", "<registry tarball URL, or "" for the default registry>", {info}, "sha512-..."]
 *   git            ["name@git+<url>#<commit>", {info}, "<commit>", "sha512-..."?]
 *   github         ["name@github:<owner>/<repo>#<sha7>", {info}, "<owner>-<repo>-<sha7>", "sha512-..."?]
 *   remote tarball ["name@https://.../x.tgz", {info}, "sha512-..."?]
 *   local tarball  ["name@../x.tgz", {info}, "sha512-..."?]   (Bun drops the "file:" of the dependency)
 *   folder         ["name@file:../dir", {info}]
 *   link           ["name@link:../dir", {info}]
 *   workspace      ["name@workspace:packages/lib"]           (lockfileVersion 0 added an {info})
 *   root           ["name@root:", {bin?}]                    (a workspace depending on the root package)
 *
 * {info} holds dependency ranges, os/cpu/libc, bin, and, for install scripts,
 * `"hasInstallScript": true`: Bun sets it on any package whose package.json
 * has a preinstall, install or postinstall script (seen on npm, git, github,
 * file:, link: and tarball entries) and omits the key otherwise. Unknown info
 * keys are refused: a renamed or new flag must not read as "no install script".
 */
import { BunsealError, describeValue } from "../errors.ts";

export const DEFAULT_REGISTRY = "https://registry.npmjs.org";

export type PackageSource = "npm" | "git" | "github" | "tarball" | "local-tarball" | "folder" | "link" | "workspace" | "root";

export interface ParsedEntry {
  name: string;
  version: string;
  source: PackageSource;
  resolved: string;
  lockfileResolved: string;
  integrity?: string;
  installScripts: boolean;
}

export interface EntryContext {
  file: string;
  lockfileVersion: number;
}

const INFO_KEYS = new Set(["dependencies", "devDependencies", "optionalDependencies", "peerDependencies", "optionalPeers", "bundled", "os", "cpu", "libc", "bin", "binDir", "hasInstallScript"]);
const ROOT_INFO_KEYS = new Set(["bin", "binDir"]);
const DEP_GROUPS = new Set(["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"]);
// Exact semver (Bun requires major.minor.patch for an npm resolution).
const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const INTEGRITY = /^(?:sha1|sha256|sha384|sha512)-[A-Za-z0-9+/]+={0,2}$/;
const GIT_COMMIT = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
// The github tag names a cache folder; Bun refuses anything that could walk out of it.
const GITHUB_TAG = /^[A-Za-z0-9._-]+$/;
const NAME_PART = /^[^\s/\\@]+$/;

export function fail(ctx: { file: string }, field: string, expected: string, found: unknown): never {
  const got = describeValue(found);
  throw new BunsealError("LOCKFILE_INVALID", `${ctx.file}: ${field}: expected ${expected}, got ${got}`, { file: ctx.file, field, expected, found: got });
}

export function parseEntry(key: string, value: unknown, ctx: EntryContext): ParsedEntry {
  const at = `packages[${JSON.stringify(key)}]`;
  if (!Array.isArray(value)) fail(ctx, at, "an array", value);
  const [spec] = value;
  if (typeof spec !== "string") fail(ctx, `${at}[0]`, 'a "name@resolution" string', spec);
  const { name, resolution } = splitSpec(spec, `${at}[0]`, ctx);
  const shape = (lengths: number[], description: string) => {
    if (!lengths.includes(value.length)) fail(ctx, at, `${description} (${lengths.join(" or ")} items)`, value);
  };
  const common = { name, version: resolution, resolved: resolution, lockfileResolved: resolution };

  if (resolution.startsWith("root:")) {
    shape([2], `["name@root:", {bin}]`);
    checkInfo(value[1], `${at}[1]`, ctx, ROOT_INFO_KEYS);
    return { ...common, source: "root", installScripts: false };
  }
  if (resolution.startsWith("workspace:")) {
    // Workspaces carry no metadata: their package.json is part of the source tree.
    if (ctx.lockfileVersion === 0) shape([1, 2], `["name@workspace:path", {info}?]`);
    else shape([1], `["name@workspace:path"]`);
    if (value.length === 2) checkInfo(value[1], `${at}[1]`, ctx);
    return { ...common, source: "workspace", installScripts: false };
  }
  for (const [prefix, source] of [["link:", "link"], ["file:", "folder"]] as const) {
    if (!resolution.startsWith(prefix)) continue;
    shape([2], `["name@${prefix}path", {info}]`);
    return { ...common, source, installScripts: checkInfo(value[1], `${at}[1]`, ctx) };
  }
  if (resolution.startsWith("git+") || resolution.startsWith("github:")) {
    const source = resolution.startsWith("git+") ? "git" : "github";
    shape([3, 4], `["name@${source === "git" ? "git+url" : "github:owner/repo"}#ref", {info}, "<resolved>", "<integrity>"?]`);
    const installScripts = checkInfo(value[1], `${at}[1]`, ctx);
    const tag = value[2];
    const tagOk = typeof tag === "string" && (source === "git" ? GIT_COMMIT.test(tag) : GITHUB_TAG.test(tag) && tag !== "." && tag !== "..");
    if (!tagOk) fail(ctx, `${at}[2]`, source === "git" ? "the resolved commit (40 or 64 hex digits)" : "the resolved tag <owner>-<repo>-<sha>", tag);
    return { ...common, source, installScripts, integrity: integrityAt(value, 3, at, ctx) };
  }
  if (/^https?:\/\//.test(resolution) || /\.(?:tgz|tar\.gz|tar)$/.test(resolution)) {
    const source = resolution.startsWith("http") ? "tarball" : "local-tarball";
    shape([2, 3], `["name@${source === "tarball" ? "url" : "path"}", {info}, "<integrity>"?]`);
    return { ...common, source, installScripts: checkInfo(value[1], `${at}[1]`, ctx), integrity: integrityAt(value, 2, at, ctx) };
  }
  if (SEMVER.test(resolution)) {
    shape([4], `["name@version", "<registry>", {info}, "<integrity>"]`);
    const registry = value[1];
    if (typeof registry !== "string" || (registry !== "" && !/^https?:\/\/[^\s]+$/.test(registry))) {
      fail(ctx, `${at}[1]`, 'the tarball URL, or "" for the default registry', registry);
    }
    return {
      ...common,
      source: "npm",
      resolved: registry === "" ? defaultTarballUrl(name, resolution) : registry,
      lockfileResolved: registry,
      installScripts: checkInfo(value[2], `${at}[2]`, ctx),
      integrity: integrityAt(value, 3, at, ctx),
    };
  }
  return fail(ctx, `${at}[0]`, "a resolution bunseal knows (a version, git+, github:, a tarball, file:, link:, workspace:, root:)", spec);
}

/**
 * The URL Bun builds for an empty registry field. At write time "" means "under
 * https://registry.npmjs.org"; a reader with a scope registry configured fetches
 * from there instead, but the integrity still pins the bytes.
 */
export function defaultTarballUrl(name: string, version: string): string {
  const base = name.startsWith("@") ? name.slice(name.indexOf("/") + 1) : name;
  return `${DEFAULT_REGISTRY}/${name}/-/${base}-${version}.tgz`;
}

function splitSpec(spec: string, field: string, ctx: EntryContext): { name: string; resolution: string } {
  // "@root:" alone: the root package has no name.
  if (spec.startsWith("@root:")) return { name: "", resolution: spec.slice(1) };
  const at = spec.indexOf("@", spec.startsWith("@") ? 1 : 0);
  const name = at > 0 ? spec.slice(0, at) : "";
  const parts = name.startsWith("@") ? name.slice(1).split("/") : [name];
  // The name becomes a folder under node_modules: "..", "/" or "\" would let it escape.
  const safe = parts.length === (name.startsWith("@") ? 2 : 1) && parts.every((p) => NAME_PART.test(p) && p !== "." && p !== "..");
  if (!safe || at === spec.length - 1) fail(ctx, field, 'a "name@resolution" string with a valid package name', spec);
  return { name, resolution: spec.slice(at + 1) };
}

function integrityAt(value: unknown[], index: number, at: string, ctx: EntryContext): string | undefined {
  if (value.length <= index) return undefined;
  const integrity = value[index];
  // Bun writes "" when it has no supported hash; that is "no integrity", for policy to judge.
  if (integrity === "") return undefined;
  if (typeof integrity !== "string" || !INTEGRITY.test(integrity)) fail(ctx, `${at}[${index}]`, 'an integrity string like "sha512-<base64>"', integrity);
  return integrity;
}

/** Checks the {info} object and returns whether it declares install scripts. */
function checkInfo(info: unknown, field: string, ctx: EntryContext, allowed = INFO_KEYS): boolean {
  if (typeof info !== "object" || info === null || Array.isArray(info)) fail(ctx, field, "a metadata object", info);
  for (const [key, v] of Object.entries(info)) {
    const f = `${field}.${key}`;
    if (!allowed.has(key)) fail(ctx, f, `no such key (bunseal knows ${[...allowed].join(", ")})`, v);
    const ok = DEP_GROUPS.has(key)
      ? isStringRecord(v)
      : key === "hasInstallScript" || key === "bundled"
        ? typeof v === "boolean"
        : key === "bin"
          ? typeof v === "string" || isStringRecord(v)
          : key === "binDir"
            ? typeof v === "string"
            : key === "optionalPeers"
              ? isStringArray(v)
              : typeof v === "string" || isStringArray(v); // os, cpu, libc
    if (!ok) fail(ctx, f, key === "hasInstallScript" || key === "bundled" ? "a boolean" : "strings", v);
  }
  return (info as { hasInstallScript?: boolean }).hasInstallScript === true;
}

function isStringRecord(v: unknown): boolean {
  return typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string");
}

function isStringArray(v: unknown): boolean {
  return Array.isArray(v) && v.every((x) => typeof x === "string");
}
