/**
 * Stage `inputs`: every file the build read, each with its sha256.
 *
 * Bun's metafile lists the modules it bundled, but not the modules it ran at
 * build time: a macro (`import x from "./m.ts" with { type: "macro" }`) shows
 * up only as an external import of its importer. Those files change the output
 * as much as any bundled module, so they are found here by following such
 * imports, and the macros' own imports, with Bun's transpiler. The config's
 * plugins (`build.plugins`), which the worker loaded and reports, are followed the same way.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative, sep } from "node:path";
import { BunsealError } from "../errors.ts";
import { sha256Hex } from "../util/digest.ts";
import type { MetafileSummary } from "../build/worker-protocol.ts";

export type InputRole = "module" | "macro" | "preload" | "plugin" | "extra" | "read" | "compile-base" | "copy" | "virtual" | "manifest" | "lockfile" | "tsconfig" | "bunfig" | "config" | "sibling" | "generated" | "stat";

export interface InputFile {
  /** POSIX path relative to the project */
  path: string;
  sha256: string;
  size: number;
  role: InputRole;
}

/**
 * Files that steer the build without being modules; recorded when present,
 * unless the third name is present too: bun.lockb locks the install only where
 * no bun.lock is, since Bun 1.4.5 installs from bun.lock when it has both
 * (as src/inputs/lockfile.ts reads them).
 */
const PROJECT_FILES: readonly (readonly [string, InputRole, string?])[] = [
  ["package.json", "manifest"],
  ["bun.lock", "lockfile"],
  ["bun.lockb", "lockfile", "bun.lock"],
  ["tsconfig.json", "tsconfig"],
  ["bunfig.toml", "bunfig"],
  ["bunseal.json", "config"],
];

const MACRO_EXTENSIONS = ["", ".ts", ".tsx", ".js", ".jsx", ".mjs", ".mts", ".cjs", ".cts", "/index.ts", "/index.js"];

/** Digests already computed for some files (path relative to project → sha256/size), so no file is read twice. */
export type KnownDigests = Map<string, { sha256: string; size: number }>;

export interface CollectOptions {
  known?: ReadonlyMap<string, { sha256: string; size: number }>;
  /** contents of virtual modules the build resolved, by metafile key */
  virtual?: ReadonlyMap<string, string>;
  /** declared extra inputs (`inputs.extra`), relative to the project */
  extras?: readonly string[];
  /** the config's `copy` sources, relative to the project: packed as they are, so inputs as much as any module */
  copies?: readonly string[];
  /**
   * Files the build wrote in its writable layer (path relative to the project → the file that holds
   * them): what it read at those paths is that file, not the disk's, recorded with the role "generated"
   */
  written?: ReadonlyMap<string, string | null>;
}

/**
 * The file the build read at `path` when it made that path itself in its
 * writable layer: its file there, or a refusal when what it made is no
 * regular file (a link to another file of the tree would have the record name
 * the disk's file for what the build read through the link).
 */
function madeByBuild(written: ReadonlyMap<string, string | null>, path: string): string | undefined {
  if (!written.has(path)) return undefined;
  const file = written.get(path);
  if (file === null || file === undefined) throw new BunsealError("BUILD_FAILED", `${path}: the build read this path after putting a link (or another file that is no regular file) there in its writable layer; what it read cannot be known, so nothing is signed`, { file: path, expected: "a regular file, or the commit's own file" });
  return file;
}

export function collectInputs(projectDir: string, metafile: MetafileSummary, options: CollectOptions = {}): InputFile[] {
  const found = new Map<string, InputFile>();
  const written = options.written ?? new Map<string, string | null>();
  const fileOf = (path: string) => madeByBuild(written, path) ?? join(projectDir, path);
  const hashFile = (path: string, role: InputRole) => {
    if (found.has(path)) return;
    const made = madeByBuild(written, path);
    if (made) {
      const data = readFileSync(made);
      found.set(path, { path, role: "generated", sha256: sha256Hex(data), size: data.byteLength });
      return;
    }
    const known = options.known?.get(path);
    if (known) {
      found.set(path, { path, role, ...known });
      return;
    }
    let data: Uint8Array;
    try {
      data = readFileSync(join(projectDir, path));
    } catch (cause) {
      throw new BunsealError("INPUT_UNREADABLE", `${path}: the build read this file but it cannot be read now (${(cause as Error).message})`, { file: path, cause });
    }
    found.set(path, { path, role, sha256: sha256Hex(data), size: data.byteLength });
  };

  // declared extras first: a generated module is both, and "extra" says why a file outside the commit was there
  for (const path of options.extras ?? []) hashFile(path, "extra");
  for (const path of options.copies ?? []) hashFile(path, "copy");
  for (const key of metafile.inputs) {
    if (key.includes(":") && !written.has(key) && !existsSync(join(projectDir, key))) {
      const contents = options.virtual?.get(key) ?? "";
      const data = new TextEncoder().encode(contents);
      found.set(key, { path: key, role: "virtual", sha256: sha256Hex(data), size: data.byteLength });
      continue;
    }
    hashFile(toPosix(key), "module");
  }
  // Code that ran at build time without being bundled, and everything it imports
  // relatively, transitively: macro modules, and the preloads of the project's
  // bunfig.toml (they run in the build worker before Bun.build).
  const transpiler = new Bun.Transpiler({ loader: "tsx" });
  const followCode = (queue: string[], role: InputRole) => {
    while (queue.length > 0) {
      const path = queue.pop()!;
      if (path === "" || found.has(path)) continue;
      hashFile(path, role);
      let source: string;
      try {
        source = readFileSync(fileOf(path), "utf8");
      } catch {
        continue;
      }
      for (const imp of safeScan(transpiler, source)) {
        if (isRelative(imp)) queue.push(resolveFrom(projectDir, path, imp) ?? "");
      }
    }
  };
  followCode(bunfigPreloads(projectDir).map((spec) => resolveFrom(projectDir, "bunfig.toml", spec.startsWith(".") ? spec : `./${spec}`) ?? ""), "preload");
  // the config's plugins (build.plugins) ran in the worker and shaped every module they touched
  followCode([...(metafile.plugins ?? [])], "plugin");
  followCode(metafile.relativeExternals.map((imp) => resolveFrom(projectDir, imp.importer, imp.path) ?? ""), "macro");
  for (const [path, role, unless] of PROJECT_FILES) {
    if (existsSync(join(projectDir, path)) && !(unless && existsSync(join(projectDir, unless)))) hashFile(path, role);
  }
  return [...found.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * The modules the project's bunfig.toml preloads into every `bun` run in its
 * folder, the build worker included. A bunfig that does not parse stops the
 * build: Bun would refuse it too, and a preload we cannot see is one we cannot record.
 */
function bunfigPreloads(projectDir: string): string[] {
  const path = join(projectDir, "bunfig.toml");
  if (!existsSync(path)) return [];
  let parsed: Record<string, unknown>;
  try {
    parsed = Bun.TOML.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (cause) {
    throw new BunsealError("CONFIG_INVALID", `bunfig.toml: expected valid TOML, got ${(cause as Error).message}`, { file: "bunfig.toml", expected: "valid TOML", cause });
  }
  const preload = parsed.preload;
  if (preload === undefined) return [];
  const list = Array.isArray(preload) ? preload : [preload];
  if (!list.every((p): p is string => typeof p === "string")) {
    throw new BunsealError("CONFIG_INVALID", "bunfig.toml: preload must be a string or a list of strings", { file: "bunfig.toml", field: "preload", expected: "a string or a list of strings" });
  }
  for (const spec of list) {
    if (!spec.startsWith("./") && !spec.startsWith("../") && !/^[^/.]/.test(spec)) {
      throw new BunsealError("CONFIG_INVALID", `bunfig.toml: preload "${spec}" is outside the project; expected a path relative to the project`, { file: "bunfig.toml", field: "preload", expected: "a relative path", found: spec });
    }
  }
  return list;
}

/**
 * Adds the files the build was traced opening (src/inputs/read-inputs.ts) that
 * are not inputs already, each hashed now with the role "read"; or, for the
 * files whose metadata alone it read (stat), with the role "stat": their
 * contents are what a rebuild's checkout is held to, their mtime is what a
 * clone changes.
 */
export function addReads(projectDir: string, inputs: readonly InputFile[], reads: readonly string[], written: ReadonlyMap<string, string | null> = new Map(), role: "read" | "stat" = "read"): InputFile[] {
  const known = new Set(inputs.map((f) => f.path));
  const added: InputFile[] = [];
  for (const path of reads) {
    if (known.has(path)) continue;
    let data: Uint8Array;
    const made = madeByBuild(written, path);
    try {
      data = readFileSync(made ?? join(projectDir, path));
    } catch (cause) {
      throw new BunsealError("INPUT_UNREADABLE", `${path}: the build ${role === "stat" ? "read this file's metadata" : "read this file"} but it cannot be read now (${(cause as Error).message})`, { file: path, cause });
    }
    added.push({ path, role: made ? "generated" : role, sha256: sha256Hex(data), size: data.byteLength });
  }
  if (added.length === 0) return [...inputs];
  return [...inputs, ...added].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function safeScan(transpiler: Bun.Transpiler, source: string): string[] {
  try {
    return transpiler.scanImports(source).map((i) => i.path);
  } catch {
    return [];
  }
}

function isRelative(spec: string): boolean {
  return spec.startsWith("./") || spec.startsWith("../");
}

/** Resolves a relative import the way Bun would for a file on disk; undefined when nothing matches. */
function resolveFrom(projectDir: string, importer: string, spec: string): string | undefined {
  const base = normalize(join(dirname(importer), spec));
  for (const ext of MACRO_EXTENSIONS) {
    const candidate = base + ext;
    if (statSync(join(projectDir, candidate), { throwIfNoEntry: false })?.isFile()) {
      const rel = toPosix(relative(".", candidate));
      // A macro outside the project is still an input; keep its path honest rather than dropping it.
      return rel;
    }
  }
  return undefined;
}

function toPosix(path: string): string {
  // A no-op on POSIX; only Windows paths need their separators turned.
  return sep === "/" ? path : path.split(sep).join("/");
}
