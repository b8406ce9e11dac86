/**
 * The project's bunseal configuration: `bunseal.json`, or a `bunseal` key in
 * package.json. Every object is strict: an unknown key is a typo until proven
 * otherwise, and a typo in a release config must stop the release.
 */
import { z } from "../vendor/zod.js";
import { NAME_PATTERN } from "./names.ts";
import { BudgetsSchema, BuildOptionsSchema, BuildsSchema, ContractsSchema, entrypointsSchema, envName, LoadSchema, PrebuildSchema, relativePath, RunSchema, type NamedBuildSchema } from "./build-schemas.ts";

// the parts a statement records live in ./build-schemas.ts, which a verifier loads without this file's config schema
export { MinifySchema, NamingSchema, LoaderSchema, JsxSchema, EnvModeSchema, CompileTargetSchema, CompileSchema, PluginSpecSchema, BuildOptionsSchema, PrebuildSchema, ContractsSchema, BudgetsSchema, ReadySchema, RunSchema, LoadSchema, BUILD_NAME_PATTERN, NamedBuildSchema, BuildsSchema } from "./build-schemas.ts";

/** Names the config's `env` may not pass through: see the check below. */
const UNSAFE_ENV = /^(?:LD_[A-Z_]*|BUN_OPTIONS|BUN_CONFIG_[A-Z0-9_]*|BUN_INSTALL[A-Z0-9_]*|NODE_OPTIONS|NODE_PATH|PATH|HOME|TMPDIR|GCONV_PATH|LOCPATH|MALLOC_[A-Z_]*|GLIBC_TUNABLES)$/;
/**
 * An entry of the config's `env`: a name, which must be set when bunseal runs
 * (ENV_MISSING otherwise), or `{ "name", "optional": true }` for one that may
 * be absent (it is then not shown to the build).
 */
const envEntry = z.union([envName, z.strictObject({ name: envName, optional: z.boolean().optional() })]);
const entryName = (entry: z.output<typeof envEntry>) => (typeof entry === "string" ? entry : entry.name);

/**
 * Bun.build's names for chunks (an HTML entry's script and style, split
 * chunks) and assets when given none (measured on Bun 1.4.5; the CLI's
 * chunk default is "[name]-[hash].[ext]" instead). No entry template: Bun
 * folds an explicit one into split entries' chunk ids and sourcemaps'
 * debugId, even one equal to its default, so it is passed only when set.
 */
export const BUN_BUILD_NAMING = { chunk: "chunk-[hash].[ext]", asset: "[name]-[hash].[ext]" } as const;

type RawBuildOptions = z.output<typeof BuildOptionsSchema>;
export interface ResolvedNaming {
  entry?: string;
  chunk: string;
  asset: string;
}
/** Build options with every value bunseal records filled in: what Bun.build is given, and what the statement says. */
export type Resolved<T extends RawBuildOptions> = Omit<T, "target" | "format" | "naming"> & { target: "bun" | "node" | "browser"; format: "esm" | "cjs" | "iife"; naming: ResolvedNaming };

/**
 * The values Bun.build takes for what a config leaves out, written down so the
 * statement records them: a rebuild then builds what was built, whatever the
 * defaults of the bunseal that rebuilds. `naming` is the chunk and asset names
 * to assume when absent: Bun.build's for a config, the CLI's for a statement
 * recorded before bunseal wrote them down (src/rebuild/recorded.ts).
 */
export function resolveBuildOptions<T extends RawBuildOptions>(options: T, naming: { chunk: string; asset: string } = BUN_BUILD_NAMING): Resolved<T> {
  const given = options.naming === undefined ? {} : typeof options.naming === "string" ? { entry: options.naming } : options.naming;
  const runsOnBun = options.bytecode === true || (options.compile !== undefined && options.compile !== false);
  return {
    ...options,
    target: options.target ?? (runsOnBun ? "bun" : "browser"),
    format: options.format ?? (options.bytecode ? "cjs" : "esm"),
    naming: { chunk: naming.chunk, asset: naming.asset, ...given },
  };
}

/**
 * Files outside the commit that belong to the build (code generated before it,
 * ignored by git): declared here, they are shown to the build and recorded
 * with their digests. An undeclared ignored file is invisible to the build.
 */
export const InputsSchema = z.strictObject({
  extra: z.array(relativePath).min(1),
});

/**
 * Files of the commit packed into the artifact as they are (`copy`): what a
 * build script copies beside its bundles (`Bun.write`, `cp`). `to` is the
 * path in the artifact. Each `from` is recorded as an input (role "copy").
 */
export const CopySchema = z.array(z.strictObject({ from: relativePath, to: relativePath })).min(1);

export const ConfigSchema = z
  .strictObject({
    $schema: z.string().optional(),
    service: z.string().regex(NAME_PATTERN, "a service name of letters, digits, '.', '_' or '-', starting with a letter or digit, at most 100 characters"),
    /** the single form: `entrypoints` and `build`; or, instead of both, `builds` */
    entrypoints: entrypointsSchema.optional(),
    build: BuildOptionsSchema.optional(),
    builds: BuildsSchema.optional(),
    contracts: ContractsSchema.optional(),
    featureFlags: z.record(z.string(), z.union([z.boolean(), z.string(), z.number()])).default({}),
    template: z.string().min(1).optional(),
    env: z.array(envEntry).default([]),
    secrets: z.array(envName).default([]),
    budgets: BudgetsSchema.default({}),
    run: RunSchema.optional(),
    load: LoadSchema.optional(),
    inputs: InputsSchema.optional(),
    copy: CopySchema.optional(),
    prebuild: PrebuildSchema.optional(),
    outDir: relativePath.default(".bunseal/out"),
  })
  .superRefine((config, ctx) => {
    // Exactly one form: with both, which entrypoints are released would be a guess.
    if (config.builds !== undefined) {
      for (const key of ["entrypoints", "build"] as const) {
        if (config[key] !== undefined) ctx.addIssue({ code: "custom", path: [key], message: 'either "builds" or "entrypoints" with "build", not both (move this into one of "builds")', input: config[key] });
      }
    } else if (config.entrypoints === undefined) {
      ctx.addIssue({ code: "custom", path: ["entrypoints"], message: 'an array of entrypoints (the field is required), or "builds" instead, each with its own entrypoints', input: undefined });
    }
    const unique = (values: readonly string[], path: (string | number)[]) => {
      const seen = new Set<string>();
      values.forEach((value, index) => {
        if (seen.has(value)) ctx.addIssue({ code: "custom", path: [...path, index], message: "each entry once (this one repeats an earlier entry)", input: value });
        seen.add(value);
      });
    };
    unique(config.entrypoints ?? [], ["entrypoints"]);
    for (const [name, build] of Object.entries(config.builds ?? {})) unique(build.entrypoints, ["builds", name, "entrypoints"]);
    const envNames = config.env.map(entryName);
    unique(envNames, ["env"]);
    unique((config.copy ?? []).map((c) => c.to), ["copy"]);
    unique(config.secrets, ["secrets"]);
    // The build's environment is also the environment of the programs that start the sandbox (a shell,
    // bwrap, as root), before anything is taken away: a variable that loads code into them or configures
    // the runtime is the project's code outside the boundary (an empty LD_LIBRARY_PATH entry is the repository).
    envNames.forEach((name, index) => {
      if (UNSAFE_ENV.test(name)) ctx.addIssue({ code: "custom", path: ["env", index], message: "a variable that does not configure the dynamic loader, Bun or Node themselves (LD_*, BUN_OPTIONS, BUN_CONFIG_*, NODE_OPTIONS, PATH, HOME are bunseal's to set)", input: name });
    });
    // The artifact runs with the environment the build was allowed, nothing more: a name outside `env` is a
    // value of bunseal's machine that would leak into the run (and into the signed measurement's conditions).
    Object.keys(config.run?.env ?? {}).forEach((name) => {
      if (!envNames.includes(name)) ctx.addIssue({ code: "custom", path: ["run", "env", name], message: 'a name listed in "env" (the artifact runs with what the build is allowed to see)', input: name });
      if (UNSAFE_ENV.test(name)) ctx.addIssue({ code: "custom", path: ["run", "env", name], message: "a variable that does not configure the dynamic loader, Bun or Node themselves", input: name });
    });
    if (config.load !== undefined && config.run !== undefined && !("http" in config.run.ready)) {
      ctx.addIssue({ code: "custom", path: ["load"], message: 'load for a service whose run.ready is { "http": PATH } (a CLI or a job is measured by its start alone)', input: config.load });
    }
    if (config.load !== undefined && config.run === undefined) ctx.addIssue({ code: "custom", path: ["load"], message: 'load together with "run" (how to start the artifact)', input: config.load });
    // A secret the build can see is a secret the build can inline.
    config.secrets.forEach((name, index) => {
      if (envNames.includes(name)) ctx.addIssue({ code: "custom", path: ["secrets", index], message: 'a name not also listed in "env" (the build must never see a secret)', input: name });
    });
  })
  // The single form's output is what it always was (entrypoints, build with its
  // defaults resolved, no "builds" key). The builds form keeps "entrypoints"
  // empty and "build" at the defaults only so the type stays one shape: read
  // the builds through configBuilds, never those two.
  // `env` is read as names everywhere; the optional ones are listed apart, and only when there are
  // any, so a config written before they existed keeps its digest.
  .transform((config) => {
    const { entrypoints, build, builds, env: entries, ...fields } = config;
    const optionalEnv = entries.flatMap((e) => (typeof e === "object" && e.optional === true ? [e.name] : []));
    const rest = { ...fields, env: entries.map(entryName), ...(optionalEnv.length > 0 ? { optionalEnv } : {}) };
    const resolvedBuilds = builds === undefined ? undefined : Object.fromEntries(Object.entries(builds).map(([name, b]) => [name, resolveBuildOptions(b)]));
    return { ...rest, ...(resolvedBuilds ? { builds: resolvedBuilds } : {}), entrypoints: entrypoints ?? [], build: resolveBuildOptions(build ?? BuildOptionsSchema.parse({})) };
  });

/** The configuration as written in the file (defaults not yet applied). */
export type ConfigInput = z.input<typeof ConfigSchema>;
/** The configuration with every default filled in: what the build runs with. */
export type Config = z.output<typeof ConfigSchema>;
export type BuildOptions = Resolved<RawBuildOptions>;
export type NamedBuild = Resolved<z.output<typeof NamedBuildSchema>>;

/** A build as bunseal runs it: the single form is one build named "" (its outputs at the artifact's root). */
export interface ConfiguredBuild {
  name: string;
  entrypoints: string[];
  options: BuildOptions;
}

/** The config's builds, sorted by name so their order, and the artifact, never depend on the file's key order. */
export function configBuilds(config: Config): ConfiguredBuild[] {
  if (config.builds === undefined) return [{ name: "", entrypoints: config.entrypoints, options: config.build }];
  return Object.keys(config.builds)
    .sort()
    .map((name) => {
      const { entrypoints, ...options } = config.builds![name]!;
      return { name, entrypoints, options };
    });
}
export type Contracts = z.output<typeof ContractsSchema>;
