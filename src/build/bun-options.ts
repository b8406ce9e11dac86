/**
 * The config's build options as Bun.build takes them, so that bunseal's bytes
 * are `bun build`'s bytes. Pure: the worker adds what only it can know (the
 * entrypoints it expanded, the plugins it loaded, a scratch outdir for
 * `compile`), and tests compare each mapping with the CLI's flags and each
 * default with Bun.build's (test/build-options/defaults.test.ts).
 */
import type { BuildOptions } from "../config/schema.ts";
import { BunsealError } from "../errors.ts";

/** Options derived from the config alone: everything but entrypoints, plugins, outdir. */
export type BunOptions = Omit<Bun.BuildConfig, "entrypoints" | "plugins" | "outdir" | "compile"> & { compile?: Bun.BuildConfig["compile"] };

/**
 * `env` (the build's environment: the fixed names and the allowed ones) is
 * what the worker runs with; `allowed` are the config's `env` names. Bun's own
 * `env: "inline"` inlines every variable the process has, PATH and
 * SOURCE_DATE_EPOCH included, so it is given as `define`s of the allowed
 * names only (the same bytes as Bun's inlining of those names), and Bun's is off.
 */
export function bunBuildOptions(options: BuildOptions, env: Readonly<Record<string, string>>, allowed: readonly string[]): BunOptions {
  const out: BunOptions = {
    target: options.target,
    format: options.format,
    minify: options.minify,
    sourcemap: options.sourcemap,
    splitting: options.splitting,
    external: options.external,
    define: { ...envDefines(options.env, env, allowed), ...options.define },
    // resolved (src/config/schema.ts): Bun.build's chunk and asset names, or what the statement recorded;
    // the entry template only when one was given
    naming: options.naming,
  };
  if (options.env !== undefined) out.env = "disable";
  if (options.bytecode !== undefined) out.bytecode = options.bytecode;
  if (options.packages !== undefined) out.packages = options.packages;
  if (options.conditions !== undefined) out.conditions = options.conditions;
  if (options.root !== undefined) out.root = options.root;
  if (options.publicPath !== undefined) out.publicPath = options.publicPath;
  if (options.banner !== undefined) out.banner = options.banner;
  if (options.footer !== undefined) out.footer = options.footer;
  if (options.drop !== undefined) out.drop = options.drop;
  if (options.loader !== undefined) out.loader = options.loader as Bun.BuildConfig["loader"];
  if (options.jsx !== undefined) out.jsx = options.jsx;
  if (options.compile !== undefined && options.compile !== false) out.compile = bunCompile(options.compile);
  return out;
}

/**
 * The allowed names whose values `build.env` inlines into the output, sorted.
 * Also what `bunseal check` must not vary: the output depends on these values
 * by the config's own say, so another value changing it is no nondeterminism.
 */
export function inlinedEnvNames(mode: BuildOptions["env"], allowed: readonly string[]): string[] {
  if (mode === undefined || mode === "disable") return [];
  const prefix = mode === "inline" ? "" : mode.slice(0, -1);
  return allowed.filter((name) => name.startsWith(prefix)).sort();
}

function envDefines(mode: BuildOptions["env"], env: Readonly<Record<string, string>>, allowed: readonly string[]): Record<string, string> {
  const defines: Record<string, string> = {};
  for (const name of inlinedEnvNames(mode, allowed)) {
    const value = env[name];
    if (value !== undefined) defines[`process.env.${name}`] = JSON.stringify(value);
  }
  return defines;
}

function bunCompile(compile: NonNullable<BuildOptions["compile"]>): Bun.BuildConfig["compile"] {
  if (compile === true || typeof compile === "string") return compile as Bun.BuildConfig["compile"];
  if (compile === false) return undefined;
  return compile as Bun.BuildConfig["compile"];
}

/** The target a `compile` option names, if it names one (`true` compiles for the machine building). */
export function compileTarget(compile: BuildOptions["compile"]): string | undefined {
  return typeof compile === "string" ? compile : typeof compile === "object" && compile !== null ? compile.target : undefined;
}

/** The compile target of the machine building, as Bun names it. */
export function hostCompileTarget(platform: string = process.platform, arch: string = process.arch): string {
  return `bun-${platform === "win32" ? "windows" : platform}-${arch}`;
}

/**
 * Refuses a compile target other than this machine's when no base executable
 * was fetched for it. Bun makes an executable from a base Bun for the target;
 * for the host that is the Bun building, for any other Bun would download one
 * from GitHub, which the sandbox cannot reach (and which would be an
 * unrecorded input). The pipeline fetches it beforehand from the npm registry
 * (src/runtime/fetch-base-executable.ts) and the plan passes it as
 * `compile.executablePath`; a plan made without it lands here.
 */
export function checkCompileTarget(compile: BuildOptions["compile"], host: string = hostCompileTarget(), field = "build.compile"): void {
  const target = compileTarget(compile);
  if (target === undefined || target === host) return;
  throw new BunsealError("COMPILE_TARGET_UNSUPPORTED", `${field}: expected the target of this machine (${JSON.stringify(host)}) or a base executable fetched for ${JSON.stringify(target)}, got neither`, {
    field,
    expected: host,
    found: target,
  });
}

/** Whether an entrypoint is a pattern for Bun.Glob rather than a path. */
export function isGlob(entrypoint: string): boolean {
  return /[*?[\]{}]/.test(entrypoint);
}

/**
 * Entrypoints with their patterns expanded, in the project folder as the
 * build sees it (the commit's files and the declared extras). Sorted, and each
 * pattern's matches in place of the pattern, so the list, and with it the
 * output, does not depend on the order the file system lists a folder in.
 * A pattern that matches nothing is an error: an empty release is no release.
 */
export function expandEntrypoints(projectDir: string, entrypoints: readonly string[]): string[] {
  const expanded: string[] = [];
  for (const entry of entrypoints) {
    if (!isGlob(entry)) {
      expanded.push(entry);
      continue;
    }
    const matches = [...new Bun.Glob(entry.replace(/^\.\//, "")).scanSync({ cwd: projectDir, onlyFiles: true, dot: false })].map((p) => `./${p}`).sort();
    if (matches.length === 0) throw new Error(`entrypoints: the pattern ${JSON.stringify(entry)} matched no file; expected at least one`);
    expanded.push(...matches);
  }
  return [...new Set(expanded)];
}
