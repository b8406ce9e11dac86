/**
 * Rebuild stage `explain`, second half: from the pattern findings to causes an
 * experiment confirmed (src/diagnose), with the factors this machine can vary.
 */
import { probeVariations } from "../check/probe-variations.ts";
import { diagnose, type Experiment } from "../diagnose/diagnose.ts";
import { availableFactors, frozenClock } from "../diagnose/factors.ts";
import type { BuildOutcome } from "../pipeline/build.ts";
import type { Cause } from "./cause.ts";
import type { Comparison } from "./compare.ts";
import { confirmCauses, suspects } from "./confirm-causes.ts";
import { experimentBuilds, type ExperimentSetup } from "./experiment-builds.ts";
import type { RecordedBuild } from "./recorded.ts";

export interface ExperimentInput {
  comparison: Comparison;
  /** what the byte patterns suggest */
  found: readonly Cause[];
  rebuilt: BuildOutcome;
  recorded: RecordedBuild;
  setup: ExperimentSetup;
  maxExperiments: number;
}

export async function runExperiments(input: ExperimentInput): Promise<{ causes: Cause[]; experiments: Experiment[] }> {
  const { ctx } = input.setup;
  const differing = input.comparison.files.filter((f) => f.kind === "changed").map((f) => f.path);
  const probe = await probeVariations({ multipleEntrypoints: false, env: ctx.env, buildFiles: { readable: [], executable: [], traversable: [] } });
  const env = new Map(input.recorded.internal.env.flatMap((name) => (ctx.env[name] === undefined ? [] : [[name, ctx.env[name]!] as const])));
  const diagnosis = await diagnose({
    differing,
    reference: { files: new Map(input.rebuilt.files.map((f) => [f.path, f.digest.slice("sha256:".length)])), tarPath: input.rebuilt.artifact.path },
    build: experimentBuilds(input.setup),
    factors: availableFactors({ tools: probe.tools, hostname: probe.available.get("hostname") === true, env }),
    suspects: suspects(input.found),
    frozenClock: probe.available.get("clock") === true ? frozenClock(probe.tools) : undefined,
    maxExperiments: input.maxExperiments,
    log: ctx.log,
  });
  return { causes: confirmCauses(input.found, diagnosis.confirmed), experiments: diagnosis.experiments };
}
