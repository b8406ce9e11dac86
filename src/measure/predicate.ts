/**
 * The runtime measurement `bunseal measure` signs beside an artifact's
 * provenance: an in-toto Statement about the artifact's digest whose
 * predicate says how it started and served on which machine, under which
 * budgets, and (side by side) against which other artifact.
 *
 * Every figure is measured by bunseal from outside the artifact's sandbox:
 * the clock is bunseal's, memory is read from /proc, latencies are timed by
 * the load generator. JSON Schema: schemas/runtime-measurement.schema.json.
 */
import { z } from "../vendor/zod.js";
import { BudgetsSchema, LoadSchema, ReadySchema } from "../config/schema.ts";

export const MEASUREMENT_PREDICATE_TYPE = "https://bunseal.dev/runtime-measurement/v1";

const ms = z.number().nonnegative();
const Timestamp = z.iso.datetime({ offset: false });

/** What one run of the artifact showed: a start, and for a service the load it served. */
export const RunSampleSchema = z.strictObject({
  /** from spawn to ready; null when it never got ready */
  coldStartMs: ms.nullable(),
  /** resident memory of the artifact's processes when it got ready, in bytes */
  rssAtReadyBytes: z.number().int().nonnegative().nullable(),
  /** the most resident memory seen while it ran (under load for a service), in bytes */
  peakRssBytes: z.number().int().nonnegative().nullable(),
  /** requests sent under load, and those that failed (non-2xx, a reset, no answer) */
  requests: z.number().int().nonnegative(),
  failedRequests: z.number().int().nonnegative(),
  /** latency of each answered request, ms (kept per run so a side-by-side ratio can be resampled) */
  latenciesMs: z.array(ms),
  /** the process ended on its own before it was stopped (for `ready: {exit: 0}`: ended with another status) */
  crashed: z.boolean(),
  /** it never became ready within the timeout */
  neverReady: z.boolean(),
  /** what went wrong, in one line (the exit status, the last line of stderr), for a finding */
  problem: z.string().optional(),
});
export type RunSample = z.output<typeof RunSampleSchema>;

const Percentiles = z.strictObject({ p50: ms, p95: ms, p99: ms.optional() });

/** The figures summarised over every run. */
export const FiguresSchema = z.strictObject({
  runs: z.number().int().positive(),
  coldStartMs: Percentiles.nullable(),
  /** MiB: the median at ready, and the peak over all runs */
  rssMb: z.strictObject({ atReady: z.number().nonnegative(), peak: z.number().nonnegative() }).nullable(),
  latencyMs: Percentiles.nullable(),
  requests: z.number().int().nonnegative(),
  /** failed requests and failed starts (crashes, never ready) over all requests and starts */
  errorRate: z.number().min(0).max(1),
  crashes: z.number().int().nonnegative(),
  neverReady: z.number().int().nonnegative(),
  artifactBytes: z.number().int().nonnegative(),
});
export type Figures = z.output<typeof FiguresSchema>;

export const FIGURE_NAMES = ["coldStartP95Ms", "rssMb", "latencyP95Ms", "errorRate", "artifactBytes"] as const;
export type FigureName = (typeof FIGURE_NAMES)[number];

/** One figure of the artifact over the same figure of the one it was run against, with its 95 % interval. */
export const RatioSchema = z.strictObject({
  figure: z.enum(FIGURE_NAMES),
  ratio: z.number().nonnegative(),
  low: z.number().nonnegative(),
  high: z.number().nonnegative(),
  /** the whole interval lies beyond 1 + regressionPct/100 */
  regression: z.boolean(),
});

export const FindingSchema = z.strictObject({
  code: z.enum(["BUDGET_EXCEEDED", "BUDGET_REGRESSION", "START_FAILED"]),
  figure: z.string(),
  /** the budget, in words with its value ("at most 250 ms", "a ratio within 1.10") */
  budget: z.string(),
  /** what was measured, in words with its value */
  measured: z.string(),
});
export type Finding = z.output<typeof FindingSchema>;

const ArtifactRef = z.strictObject({ name: z.string().min(1), digest: z.strictObject({ sha256: z.string().regex(/^[0-9a-f]{64}$/) }) });

export const MeasurementPredicateSchema = z.strictObject({
  measuredAt: Timestamp,
  service: z.string().min(1),
  /** how it was run (env by name only: values can be configuration worth keeping private) */
  run: z.strictObject({ command: z.array(z.string()).min(1), ready: ReadySchema, port: z.string().optional(), env: z.array(z.string()) }),
  load: LoadSchema.optional(),
  runs: z.number().int().positive(),
  timeoutMs: z.number().int().positive(),
  budgets: BudgetsSchema,
  figures: FiguresSchema,
  samples: z.array(RunSampleSchema.omit({ latenciesMs: true })),
  /** side by side: the other artifact, run alternately in the same session */
  against: z
    .strictObject({
      artifact: ArtifactRef,
      /** the environment whose current pin it is, when chosen by `--env` */
      env: z.string().optional(),
      figures: FiguresSchema,
      ratios: z.array(RatioSchema),
    })
    .optional(),
  verdict: z.strictObject({ passed: z.boolean(), findings: z.array(FindingSchema) }),
  machine: z.strictObject({
    cpuModel: z.string(),
    cores: z.number().int().positive(),
    memoryBytes: z.number().int().positive(),
    kernel: z.string(),
    bunVersion: z.string(),
    bunsealVersion: z.string(),
    sandbox: z.string().describe("how the artifact was enclosed (bwrap, loopback network only)"),
  }),
});
export type MeasurementPredicate = z.output<typeof MeasurementPredicateSchema>;
