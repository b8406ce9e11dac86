/**
 * Stage `inputs`: every file the build read, each with its sha256.
 *
 * Bun's metafile lists the modules it bundled, but not the modules it ran at
 * build time: a macro (`import x from "./m.ts" with { type: "macro" }`) shows
 * up only as an external import of its importer. Those files change the output
 * as much as any bundled module, so they are found here by following such
 * imports, and the macros' own imports, with Bun's transpiler.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative, sep } from "node:path";
import { BunsealError } from "../errors.ts";
import { sha256Hex } from "../util/digest.ts";
import type { MetafileSummary } from "../build/worker-protocol.ts";

export type InputRole = "module" | "macro" | "virtual" | "manifest" | "lockfile" | "tsconfig" | "bunfig" | "config";

export interface InputFile {
  /** POSIX path relative to the project */
  path: string;
  sha256: string;
  size: number;
  role: InputRole;
}

/** Files that steer the build without being modules; recorded when present. */
const PROJECT_FILES: readonly [string, InputRole][] = [
  ["package.json", "manifest"],
  ["bun.lock", "lockfile"],
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
}

export function collectInputs(projectDir: string, metafile: MetafileSummary, options: CollectOptions = {}): InputFile[] {
  const found = new Map<string, InputFile>();
  const hashFile = (path: string, role: InputRole) => {
    if (found.has(path)) return;
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

  for (const key of metafile.inputs) {
    if (key.includes(":") && !existsSync(join(projectDir, key))) {
      const contents = options.virtual?.get(key) ?? "";
      const data = new TextEncoder().encode(contents);
      found.set(key, { path: key, role: "virtual", sha256: sha256Hex(data), size: data.byteLength });
      continue;
    }
    hashFile(toPosix(key), "module");
  }
  const macroQueue = metafile.relativeExternals.map((imp) => resolveFrom(projectDir, imp.importer, imp.path) ?? "");
  // Macro modules and everything they import relatively, transitively.
  const transpiler = new Bun.Transpiler({ loader: "tsx" });
  while (macroQueue.length > 0) {
    const path = macroQueue.pop()!;
    if (path === "" || found.has(path)) continue;
    hashFile(path, "macro");
    let source: string;
    try {
      source = readFileSync(join(projectDir, path), "utf8");
    } catch {
      continue;
    }
    for (const imp of safeScan(transpiler, source)) {
      if (isRelative(imp)) macroQueue.push(resolveFrom(projectDir, path, imp) ?? "");
    }
  }
  for (const [path, role] of PROJECT_FILES) {
    if (existsSync(join(projectDir, path))) hashFile(path, role);
  }
  return [...found.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
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
