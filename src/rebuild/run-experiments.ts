/**
 * Rebuild stage `explain`, second half: from the pattern findings to causes an
 * experiment confirmed (src/diagnose), with the factors this machine can vary.
 */
import { probeVariations } from "../check/probe-variations.ts";
import { diagnose, type Confirmation, type Experiment, type FailingFactor } from "../diagnose/diagnose.ts";
import { resolveBun } from "../runtime/bun-runtime.ts";
import { tmpdir } from "node:os";
import { filesystemAvailable } from "../check/filesystem-copy.ts";

/** the worker script a build as another user must be able to read */
const BUILD_WORKER = ownScript(new URL("../build/worker.ts", import.meta.url));
import { availableFactors, frozenClock, frozenClocks, recordedClock } from "../diagnose/factors.ts";
import { diagnoseFailure } from "../diagnose/failure.ts";
import type { BuildOutcome } from "../pipeline/build.ts";
import type { Cause } from "./cause.ts";
import type { Comparison } from "./compare.ts";
import { confirmCauses, suspects } from "./confirm-causes.ts";
import { experimentBuilds, type ExperimentSetup } from "./experiment-builds.ts";
import type { RecordedBuild } from "./recorded.ts";
import { ownScript } from "../release/own-script.ts";

export interface ExperimentInput {
  comparison: Comparison;
  /** what the byte patterns suggest */
  found: readonly Cause[];
  rebuilt: BuildOutcome;
  recorded: RecordedBuild;
  setup: ExperimentSetup;
  maxExperiments: number;
}

export async function runExperiments(input: ExperimentInput): Promise<{ causes: Cause[]; experiments: Experiment[]; failures: FailingFactor[] }> {
  const { ctx } = input.setup;
  const differing = input.comparison.files.filter((f) => f.kind === "changed").map((f) => f.path);
  // another Bun than the recorded one (--bun): the one experiment that goes back toward the original is the recorded Bun
  const bunTrial = differing.length > 0 && input.maxExperiments > 0 && input.recorded.internal.bun.version !== input.setup.bun.version ? await recordedBunTrial(input, differing) : undefined;
  const probe = await probeVariations({
    multipleEntrypoints: false,
    env: ctx.env,
    buildFiles: { readable: [BUILD_WORKER], executable: [input.setup.bun.path], traversable: [input.setup.checkout.projectDir] },
  });
  const env = new Map(input.recorded.internal.env.flatMap((name) => (ctx.env[name] === undefined ? [] : [[name, ctx.env[name]!] as const])));
  const diagnosis = await diagnose({
    differing,
    reference: { files: new Map(input.rebuilt.files.map((f) => [f.path, f.digest.slice("sha256:".length)])), tarPath: input.rebuilt.artifact.path },
    build: experimentBuilds(input.setup),
    factors: availableFactors({ tools: probe.tools, hostname: probe.available.get("hostname") === true, user: probe.available.get("user") === true, otherFilesystem: filesystemAvailable(tmpdir(), input.setup.checkout.root) === true, env, sandboxed: input.setup.sandbox !== false }),
    suspects: suspects(input.found),
    frozenClock: probe.available.get("clock") === true ? frozenClock(probe.tools) : undefined,
    frozenClocks: probe.available.get("clock") === true ? frozenClocks(probe.tools) : undefined,
    maxExperiments: input.maxExperiments - (bunTrial ? 1 : 0),
    log: ctx.log,
  });
  return { causes: confirmCauses(input.found, [...(bunTrial?.confirmed ?? []), ...diagnosis.confirmed], { stats: input.recorded.stats }), experiments: [...(bunTrial ? [bunTrial.experiment] : []), ...diagnosis.experiments], failures: diagnosis.failures };
}

/** Builds the checkout once with the recorded Bun: the files that then equal the original's differed because of the Bun. */
async function recordedBunTrial(input: ExperimentInput, differing: readonly string[]): Promise<{ experiment: Experiment; confirmed: Confirmation[] }> {
  const { ctx } = input.setup;
  const version = input.recorded.internal.bun.version;
  const ran = `the same checkout built with the recorded Bun ${version} instead of ${input.setup.bun.version}`;
  try {
    const bun = await resolveBun(version, { onProgress: ctx.log });
    const sample = await experimentBuilds({ ...input.setup, bun })("recorded-bun", {});
    if ("error" in sample) return { experiment: { name: "recorded-bun", ran, showed: `${sample.aborted ? "could not be run" : "the build failed"}: ${sample.error.split("\n")[0]}`, builds: sample.aborted ? 0 : 1 }, confirmed: [] };
    const back = differing.filter((f) => sample.files.get(f) === input.recorded.files.get(f));
    return {
      experiment: { name: "recorded-bun", ran, showed: back.length > 0 ? `${back.join(", ")} came out as the original's` : "the files still differ from the original's", builds: 1 },
      confirmed: back.map((file) => ({ kind: "bun-version", file, experiment: `${file} comes out as the original's when built with the recorded Bun ${version}` })),
    };
  } catch (error) {
    return { experiment: { name: "recorded-bun", ran, showed: `could not be run: ${(error as Error).message.split("\n")[0]}`, builds: 0 }, confirmed: [] };
  }
}

/**
 * The rebuild's own build failed: the experiments look for the change that
 * makes it build again, toward the original (its recorded start time) and
 * across the factors this machine can vary. The finding is the factor, with
 * the build's error; with none found, the error stands as `unknown`.
 */
export async function explainFailure(input: { error: string; recorded: RecordedBuild; setup: ExperimentSetup; maxExperiments: number }): Promise<{ causes: Cause[]; experiments: Experiment[] }> {
  const { ctx } = input.setup;
  const failed: Cause = { kind: "unknown", file: null, evidence: `the rebuild's build failed: ${input.error}`, confirmed: false };
  if (input.maxExperiments <= 0) return { causes: [failed], experiments: [] };
  const probe = await probeVariations({
    multipleEntrypoints: false,
    env: ctx.env,
    buildFiles: { readable: [BUILD_WORKER], executable: [input.setup.bun.path], traversable: [input.setup.checkout.projectDir] },
  });
  const env = new Map(input.recorded.internal.env.flatMap((name) => (ctx.env[name] === undefined ? [] : [[name, ctx.env[name]!] as const])));
  const toward = recordedClock(probe.tools, input.recorded.startedOn);
  // the clock toward the original replaces the clock moved ahead: two faketimes in one build, the inner one wins
  const factors = [...(toward ? [toward] : []), ...availableFactors({ tools: probe.tools, hostname: probe.available.get("hostname") === true, user: probe.available.get("user") === true, otherFilesystem: filesystemAvailable(tmpdir(), input.setup.checkout.root) === true, env, sandboxed: input.setup.sandbox !== false }).filter((f) => !(toward && f.name === "clock"))];
  const { found, experiments } = await diagnoseFailure({ error: input.error, build: experimentBuilds(input.setup), factors, maxExperiments: input.maxExperiments, log: ctx.log });
  const causes: Cause[] = found.map((f) => ({ kind: f.kind, file: null, evidence: f.experiment, confirmed: true, experiment: f.experiment }));
  return { causes: causes.length > 0 ? causes : [failed], experiments };
}
