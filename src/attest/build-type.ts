/**
 * bunseal's SLSA build type: what `externalParameters` and
 * `internalParameters` mean for a bunseal build. The URI is stable and
 * documented in the README; a new shape gets a new version in the URI.
 * Strict: a statement that claims this build type and carries a field we did
 * not write is not one of ours.
 */
import { z } from "../vendor/zod.js";
import { BudgetsSchema, BuildOptionsSchema, BuildsSchema, ContractsSchema, LoadSchema, PrebuildSchema, RunSchema } from "../config/build-schemas.ts";

export { BUILD_TYPE, DEFAULT_BUILDER_ID } from "./build-type-uri.ts";

const Sha256Ref = z.string().regex(/^sha256:[0-9a-f]{64}$/, "sha256:<64 hex>");

export const SourceParametersSchema = z.strictObject({
  /** SLSA source URI: git+<remote>@<ref> */
  uri: z.string().min(1),
  commit: z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, "a full git commit id"),
  ref: z.string().nullable(),
  /** the project's folder inside the repository ("" for the root) */
  subdir: z.string(),
  dirty: z.boolean(),
  changedPaths: z.array(z.string()),
});

export const ExternalParametersSchema = z
  .strictObject({
    service: z.string().min(1),
    /** the single form: `entrypoints` and `build`, as every statement before `builds` has them */
    entrypoints: z.array(z.string().min(1)).min(1).optional(),
    build: BuildOptionsSchema.optional(),
    /** several builds, each under `<name>/` in the artifact; instead of `entrypoints` and `build` */
    builds: BuildsSchema.optional(),
    config: z.strictObject({ source: z.string().min(1), digest: Sha256Ref }),
    featureFlags: z.record(z.string(), z.union([z.boolean(), z.string(), z.number()])),
    contracts: ContractsSchema.nullable(),
    template: z.string().nullable(),
    /** the config's `prebuild` commands, run in the sandbox before the bundle; absent when it has none */
    prebuild: PrebuildSchema.optional(),
    /**
     * How the artifact runs, the load it is measured under, and its budgets, as the commit's config fixed them:
     * `bunseal measure` reads them from here, never from a working directory's bunseal.json the build did not
     * read. Each absent when the config has none (budgets: when it sets none), so other statements keep their shape.
     */
    run: RunSchema.optional(),
    load: LoadSchema.optional(),
    budgets: BudgetsSchema.optional(),
    source: SourceParametersSchema,
  })
  .superRefine((params, ctx) => {
    // one form or the other, never a mix: a reader must not have to guess which entrypoints were released
    const single = params.entrypoints !== undefined && params.build !== undefined;
    const several = params.builds !== undefined;
    if (single === several || (several && (params.entrypoints !== undefined || params.build !== undefined))) {
      ctx.addIssue({ code: "custom", path: [several ? "builds" : "entrypoints"], message: 'either "entrypoints" with "build", or "builds"', input: params.builds ?? params.entrypoints });
    }
  });

export const InternalParametersSchema = z.strictObject({
  bun: z.strictObject({
    version: z.string().min(1),
    revision: z.string().min(1),
    /** the Bun the project pins (package.json packageManager, an exact engines.bun, a `bun` dependency its scripts run), where it does */
    pin: z.strictObject({ version: z.string().min(1), from: z.string().min(1) }).optional(),
  }),
  platform: z.string().min(1),
  arch: z.string().min(1),
  /** names of the variables the build could see; values are never recorded */
  env: z.array(z.string()),
  /** names of the variables whose values were scanned for in the outputs */
  secrets: z.array(z.string()),
  sourceDateEpoch: z.number().int().nonnegative(),
  lockfileDigest: Sha256Ref.nullable(),
  /** what sourcemap `sources` are relative to: "outdir" (dist/<build>, as Bun.build with that outdir writes them) or "project"; absent in statements made before it was recorded, whose maps are "project" */
  mapSources: z.enum(["outdir", "project"]).optional(),
  /** `build --workspace`: the members whose outputs of the same run this build was shown (inputs of role "sibling"), each by its artifact */
  siblings: z
    .array(z.strictObject({ member: z.string().min(1), package: z.string().min(1), at: z.string().min(1), artifact: z.strictObject({ name: z.string().min(1), digest: Sha256Ref }) }))
    .optional(),
  /**
   * How the build's boundary was enforced: "bubblewrap" (namespaces: only the
   * commit's files, installed packages and declared extras visible; no network
   * unless `network`), or "none" with the reason. Absent in statements made
   * before the sandbox existed.
   */
  sandbox: z
    .strictObject({
      kind: z.enum(["bubblewrap", "none"]),
      network: z.boolean(),
      reads: z.enum(["fanotify", "strace", "untraced"]),
      /** how the build's stat calls were traced (a file whose metadata alone it read is an input of role "stat"): "strace", or "untraced"; absent before stats were traced */
      stats: z.enum(["strace", "untraced"]).optional(),
      reason: z.string().optional(),
      /** where the build's writes went: a writable layer over the tree, discarded with the sandbox (what it wrote and read is "generated"), or nowhere (the tree read-only: no layer could be made); absent before the layer existed */
      writes: z.enum(["layer", "read-only"]).optional(),
    })
    .optional(),
});

export type ExternalParameters = z.infer<typeof ExternalParametersSchema>;
export type InternalParameters = z.infer<typeof InternalParametersSchema>;
