/**
 * The project's bunseal configuration: `bunseal.json`, or a `bunseal` key in
 * package.json. Every object is strict: an unknown key is a typo until proven
 * otherwise, and a typo in a release config must stop the release.
 */
import { z } from "../vendor/zod.js";
import { NAME_PATTERN } from "./names.ts";

/** Names the config's `env` may not pass through: see the check below. */
const UNSAFE_ENV = /^(?:LD_[A-Z_]*|BUN_OPTIONS|BUN_CONFIG_[A-Z0-9_]*|BUN_INSTALL[A-Z0-9_]*|NODE_OPTIONS|NODE_PATH|PATH|HOME|TMPDIR|GCONV_PATH|LOCPATH|MALLOC_[A-Z_]*|GLIBC_TUNABLES)$/;
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name ([A-Za-z_][A-Za-z0-9_]*)");
/**
 * An entry of the config's `env`: a name, which must be set when bunseal runs
 * (ENV_MISSING otherwise), or `{ "name", "optional": true }` for one that may
 * be absent (it is then not shown to the build).
 */
const envEntry = z.union([envName, z.strictObject({ name: envName, optional: z.boolean().optional() })]);
const entryName = (entry: z.output<typeof envEntry>) => (typeof entry === "string" ? entry : entry.name);
const relativePath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith("/") && !p.split(/[\\/]/).includes(".."), "a path relative to the project, without '..'");

export const MinifySchema = z.union([
  z.boolean(),
  z.strictObject({
    whitespace: z.boolean().optional(),
    syntax: z.boolean().optional(),
    identifiers: z.boolean().optional(),
    /** keep function and class names when identifiers are minified (`--keep-names`) */
    keepNames: z.boolean().optional(),
  }),
]);

export const NamingSchema = z.union([
  z.string().min(1),
  z.strictObject({
    entry: z.string().min(1).optional(),
    chunk: z.string().min(1).optional(),
    asset: z.string().min(1).optional(),
  }),
]);

/** Bun's loaders (bun-types `Loader`), keyed by extension as `bun build --loader .ext:loader` takes them. */
export const LoaderSchema = z.record(
  z.string().regex(/^\.[A-Za-z0-9_.-]+$/, "a file extension starting with '.'"),
  z.enum(["js", "jsx", "ts", "tsx", "json", "jsonc", "toml", "yaml", "xml", "file", "napi", "wasm", "text", "css", "html"]),
);

export const JsxSchema = z.strictObject({
  runtime: z.enum(["automatic", "classic"]).optional(),
  importSource: z.string().min(1).optional(),
  factory: z.string().min(1).optional(),
  fragment: z.string().min(1).optional(),
  sideEffects: z.boolean().optional(),
  development: z.boolean().optional(),
});

/**
 * `"inline"`, `"disable"`, or a prefix ending in `*`. Whatever it says, only
 * names listed in the config's `env` are ever inlined (see src/build/bun-options.ts).
 */
export const EnvModeSchema = z.union([z.enum(["inline", "disable"]), z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*\*$/, "\"inline\", \"disable\" or a prefix ending in '*' (\"PUBLIC_*\")")]);

/** `bun build --compile --target`: which executable to make. */
export const CompileTargetSchema = z.string().regex(/^bun-(linux|darwin|windows)-(x64|arm64|aarch64)(-(baseline|modern))?(-(glibc|musl))?$/, "a Bun compile target such as \"bun-linux-x64\"");

/**
 * `compile` as Bun.build takes it. No `executablePath`: the base executable is
 * the Bun that builds (cross-compiling would need another one fetched and shown
 * to the sandbox; see src/build/bun-options.ts).
 */
export const CompileSchema = z.union([
  z.boolean(),
  CompileTargetSchema,
  z.strictObject({
    target: CompileTargetSchema.optional(),
    /** the executable's path inside the artifact; default: the entrypoint's name without its extension */
    outfile: relativePath.optional(),
    execArgv: z.array(z.string()).optional(),
    autoloadDotenv: z.boolean().optional(),
    autoloadBunfig: z.boolean().optional(),
    autoloadTsconfig: z.boolean().optional(),
    autoloadPackageJson: z.boolean().optional(),
  }),
]);

/** A plugin: a module of the project (`./plugins/x.ts`) or an installed package from the lockfile (`bun-plugin-x`). */
export const PluginSpecSchema = z.union([
  relativePath.refine((p) => p.startsWith("./"), "a module path starting with './'"),
  z.string().regex(/^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*(\/[A-Za-z0-9._-]+)*$/, "a package name from the lockfile"),
]);

/**
 * The `bun build` options that change what comes out; anything else is fixed by bunseal.
 * Names, values and defaults are Bun.build's own (bun-types `BuildConfig`): an
 * object copied from a script's `Bun.build({...})` call builds the same bytes
 * here (test/build-options/defaults.test.ts measures each default against
 * Bun.build). Absent means Bun.build's default; the few defaults bunseal must
 * write down to record them (target, format, chunk and asset names) are
 * filled in by resolveBuildOptions with the value Bun.build would take,
 * which for target and format depends on compile and bytecode.
 */
export const BuildOptionsSchema = z.strictObject({
  /** default: "browser", or "bun" with `compile` or `bytecode` (Bun.build's choice; it refuses bytecode for any other target) */
  target: z.enum(["bun", "node", "browser"]).optional(),
  /** default: "esm", or "cjs" with `bytecode` (Bun.build refuses ESM bytecode without compile, and compiles cjs) */
  format: z.enum(["esm", "cjs", "iife"]).optional(),
  minify: MinifySchema.default(false),
  sourcemap: z.enum(["none", "linked", "inline", "external"]).default("none"),
  splitting: z.boolean().default(false),
  external: z.array(z.string().min(1)).default([]),
  define: z.record(z.string(), z.string()).default({}),
  naming: NamingSchema.optional(),
  /** whether the build (its macros, plugins, preloads) may reach the network; off unless asked, and recorded */
  network: z.boolean().optional(),
  bytecode: z.boolean().optional(),
  env: EnvModeSchema.optional(),
  packages: z.enum(["bundle", "external"]).optional(),
  conditions: z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
  root: relativePath.optional(),
  publicPath: z.string().optional(),
  banner: z.string().optional(),
  footer: z.string().optional(),
  drop: z.array(z.string().min(1)).optional(),
  loader: LoaderSchema.optional(),
  jsx: JsxSchema.optional(),
  plugins: z.array(PluginSpecSchema).optional(),
  compile: CompileSchema.optional(),
});

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

/**
 * Shell commands run before the bundle (`bun run generate`), each as
 * `/bin/sh -c <command>` in the project folder, inside the build's sandbox
 * with the build's environment, in order; one that fails fails the build.
 * Top level, not per build: they run once, before every build of the config,
 * in the one sandbox all the builds share. Recorded in the statement, so a
 * rebuild and a check run them too.
 */
export const PrebuildSchema = z.array(z.string().min(1).refine((c) => c.trim() !== "", "a command, not only spaces")).min(1);

export const ContractsSchema = z.strictObject({
  /** the database/API schema version the service expects; rollback refuses to cross it */
  schemaVersion: z.string().min(1),
  /** the telemetry contract (event names/fields) the service emits */
  telemetryContract: z.string().min(1),
});

export const BudgetsSchema = z.strictObject({
  maxArtifactBytes: z.number().int().positive().optional(),
  maxBuildMs: z.number().int().positive().optional(),
  /** runtime budgets, checked by `bunseal measure` (src/measure): cold start to ready, at the 95th percentile */
  coldStartP95Ms: z.number().positive().optional(),
  /** resident memory, at its peak (under load for a service), in MiB */
  rssMb: z.number().positive().optional(),
  /** latency under `load`, at the 95th percentile */
  latencyP95Ms: z.number().positive().optional(),
  /** the share of requests (and starts) that failed, 0..1 */
  errorRate: z.number().min(0).max(1).optional(),
  /** the artifact's size as measured (the same figure as maxArtifactBytes, in measure's terms) */
  artifactBytes: z.number().int().positive().optional(),
  /** a side-by-side ratio is a regression only when its whole 95 % interval lies beyond 1 + this / 100 (default 10) */
  regressionPct: z.number().positive().max(1000).optional(),
});

/** When the artifact is ready: an HTTP path that answers 2xx, a line on stdout that matches, or the process ending with status 0. */
export const ReadySchema = z.union([
  z.strictObject({ http: z.string().regex(/^\//, "a path starting with '/'") }),
  z.strictObject({ stdout: z.string().min(1) }),
  z.strictObject({ exit: z.literal(0) }),
]);

/**
 * How to run the artifact (`bunseal measure`): `command` relative to the
 * unpacked artifact (`["bun", "index.js"]`, or a compiled executable), `port`
 * the variable that carries a free port, `env` the values it gets (names the
 * config's `env` allows, as the build's).
 */
export const RunSchema = z.strictObject({
  command: z.array(z.string().min(1)).min(1),
  ready: ReadySchema,
  port: envName.optional(),
  env: z.record(envName, z.string()).default({}),
});

/** The load a service is measured under, once ready. */
export const LoadSchema = z.strictObject({
  path: z.string().regex(/^\//, "a path starting with '/'").default("/"),
  method: z.enum(["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"]).default("GET"),
  requests: z.number().int().positive().max(1_000_000).default(2000),
  concurrency: z.number().int().positive().max(1024).default(16),
});

/** A build's name: its outputs go under `<name>/` in the artifact, so it is one path segment. */
export const BUILD_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const entrypointsSchema = z.array(relativePath).min(1);

/** One build of several (`builds`): its entrypoints and the same options as the single form's `build`. */
export const NamedBuildSchema = z.strictObject({ entrypoints: entrypointsSchema, ...BuildOptionsSchema.shape });

/** `builds`: a server and a client of one service, say; each built by its own Bun.build, all in one artifact. */
export const BuildsSchema = z
  .record(z.string().regex(BUILD_NAME_PATTERN, "a build name of letters, digits, '.', '_' or '-', starting with a letter or digit, at most 64 characters"), NamedBuildSchema)
  .refine((builds) => Object.keys(builds).length > 0, "at least one build");

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
