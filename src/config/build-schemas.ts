/**
 * The parts of the configuration a statement records as its build type's
 * parameters (src/attest/build-type.ts): the build options, `builds`,
 * `prebuild`, `contracts`, `run`, `load` and `budgets`. Apart from the whole
 * config's schema (src/config/schema.ts, which re-exports these), so a
 * verifier that checks a statement's parameters does not build the schema of
 * a config file it never reads (issue #23).
 */
import { z } from "../vendor/zod.js";

export const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name ([A-Za-z_][A-Za-z0-9_]*)");
export const relativePath = z
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

export const entrypointsSchema = z.array(relativePath).min(1);

/** One build of several (`builds`): its entrypoints and the same options as the single form's `build`. */
export const NamedBuildSchema = z.strictObject({ entrypoints: entrypointsSchema, ...BuildOptionsSchema.shape });

/** `builds`: a server and a client of one service, say; each built by its own Bun.build, all in one artifact. */
export const BuildsSchema = z
  .record(z.string().regex(BUILD_NAME_PATTERN, "a build name of letters, digits, '.', '_' or '-', starting with a letter or digit, at most 64 characters"), NamedBuildSchema)
  .refine((builds) => Object.keys(builds).length > 0, "at least one build");
