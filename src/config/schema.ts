/**
 * The project's bunseal configuration: `bunseal.json`, or a `bunseal` key in
 * package.json. Every object is strict: an unknown key is a typo until proven
 * otherwise, and a typo in a release config must stop the release.
 */
import { z } from "zod";
import { NAME_PATTERN } from "./names.ts";

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name ([A-Za-z_][A-Za-z0-9_]*)");
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

/** The `bun build` options that change what comes out; anything else is fixed by bunseal. */
export const BuildOptionsSchema = z.strictObject({
  target: z.enum(["bun", "node", "browser"]).default("bun"),
  format: z.enum(["esm", "cjs", "iife"]).default("esm"),
  minify: MinifySchema.default(false),
  sourcemap: z.enum(["none", "linked", "inline", "external"]).default("none"),
  splitting: z.boolean().default(false),
  external: z.array(z.string().min(1)).default([]),
  define: z.record(z.string(), z.string()).default({}),
  naming: NamingSchema.optional(),
  /** whether the build (its macros, plugins, preloads) may reach the network; off unless asked, and recorded */
  network: z.boolean().optional(),
});

/**
 * Files outside the commit that belong to the build (code generated before it,
 * ignored by git): declared here, they are shown to the build and recorded
 * with their digests. An undeclared ignored file is invisible to the build.
 */
export const InputsSchema = z.strictObject({
  extra: z.array(relativePath).min(1),
});

export const ContractsSchema = z.strictObject({
  /** the database/API schema version the service expects; rollback refuses to cross it */
  schemaVersion: z.string().min(1),
  /** the telemetry contract (event names/fields) the service emits */
  telemetryContract: z.string().min(1),
});

export const BudgetsSchema = z.strictObject({
  maxArtifactBytes: z.number().int().positive().optional(),
  maxBuildMs: z.number().int().positive().optional(),
});

export const ConfigSchema = z
  .strictObject({
    $schema: z.string().optional(),
    service: z.string().regex(NAME_PATTERN, "a service name of letters, digits, '.', '_' or '-', starting with a letter or digit, at most 100 characters"),
    entrypoints: z.array(relativePath).min(1),
    build: BuildOptionsSchema.default(BuildOptionsSchema.parse({})),
    contracts: ContractsSchema.optional(),
    featureFlags: z.record(z.string(), z.union([z.boolean(), z.string(), z.number()])).default({}),
    template: z.string().min(1).optional(),
    env: z.array(envName).default([]),
    secrets: z.array(envName).default([]),
    budgets: BudgetsSchema.default({}),
    inputs: InputsSchema.optional(),
    outDir: relativePath.default(".bunseal/out"),
  })
  .superRefine((config, ctx) => {
    for (const key of ["entrypoints", "env", "secrets"] as const) {
      const seen = new Set<string>();
      config[key].forEach((value, index) => {
        if (seen.has(value)) ctx.addIssue({ code: "custom", path: [key, index], message: "each entry once (this one repeats an earlier entry)", input: value });
        seen.add(value);
      });
    }
    // A secret the build can see is a secret the build can inline.
    config.secrets.forEach((name, index) => {
      if (config.env.includes(name)) ctx.addIssue({ code: "custom", path: ["secrets", index], message: 'a name not also listed in "env" (the build must never see a secret)', input: name });
    });
  });

/** The configuration as written in the file (defaults not yet applied). */
export type ConfigInput = z.input<typeof ConfigSchema>;
/** The configuration with every default filled in: what the build runs with. */
export type Config = z.output<typeof ConfigSchema>;
export type BuildOptions = Config["build"];
export type Contracts = z.output<typeof ContractsSchema>;
