/**
 * `bunseal check`: reprotest for Bun projects. Builds the project several
 * times, first repeated in the same environment, then once under every
 * variation at once; if that differs, once per variation, to name the ones
 * the output depends on, each with the same cause report as `rebuild`.
 *   baseline → repeats → all variations → one variation at a time → explain
 */
import { hostname } from "node:os";
import { resolve } from "node:path";
import { loadConfig } from "../config/load.ts";
import type { Context } from "../context.ts";
import { buildArtifact, type BuildOutcome } from "../pipeline/build.ts";
import { compareTars, type FileDifference } from "../rebuild/compare.ts";
import { explainDifferences, type BuildFacts, type Cause } from "../rebuild/explain.ts";
import { currentUser, recordedFacts } from "../rebuild/facts.ts";
import { readRecordedBuild } from "../rebuild/recorded.ts";
import { readSource } from "../source/git.ts";
import { CHECK_HOSTNAME, CHECK_UID, planVariations, probeVariations, VARIATION_NAMES, type VariationName, type VariationPlan } from "./variations.ts";
import { createWorkspace, type Workspace } from "./workspace.ts";

export interface CheckRequest {
  projectDir: string;
  /** builds in the same environment, the baseline included (default 3) */
  runs?: number;
  /** the variations to try (default: all this machine can run) */
  vary?: readonly VariationName[];
}

export interface Trial {
  label: string;
  variations: VariationName[];
  digest: string;
  identical: boolean;
}

export interface CheckReport {
  reproducible: boolean;
  /** "same-environment" when repeated builds alone differ; "variation" when only varied ones do */
  failure: "same-environment" | "variation" | null;
  builds: number;
  baseline: { digest: string };
  trials: Trial[];
  culprits: VariationName[];
  unavailable: { variation: VariationName; reason: string }[];
  causes: Cause[];
  differences: FileDifference[];
  notes: string[];
}

interface Built {
  label: string;
  variations: VariationName[];
  dir: string;
  plan: VariationPlan;
  outcome: BuildOutcome;
}

export async function checkProject(request: CheckRequest, ctx: Context): Promise<CheckReport> {
  const projectDir = resolve(request.projectDir);
  const runs = Math.max(2, request.runs ?? 3);
  // the work tree as it is, changes included: check runs before a release is cut
  const source = await readSource(projectDir, { allowDirty: true });
  const { config } = await loadConfig(projectDir);
  const available = await probeVariations(config.entrypoints.length > 1);
  const wanted = (request.vary ?? VARIATION_NAMES).filter((name) => available.get(name) === true);
  const unavailable = (request.vary ?? VARIATION_NAMES).flatMap((variation) => (available.get(variation) === true ? [] : [{ variation, reason: String(available.get(variation)) }]));
  const allowedEnv = new Map(config.env.filter((n) => ctx.env[n] !== undefined).map((n) => [n, ctx.env[n]!]));
  const planFor = (names: VariationName[]) => planVariations(names, { allowedEnv, multipleEntrypoints: config.entrypoints.length > 1, available });

  const workspace = await createWorkspace();
  try {
    const build = (label: string, variations: VariationName[]) => buildIn(workspace, projectDir, label, variations, planFor(variations), source, ctx);
    const compare = async (base: Built, other: Built) => {
      const comparison = await compareTars(base.outcome.artifact.path, other.outcome.artifact.path);
      return { comparison, causes: comparison.identical ? [] : explainDifferences(comparison, facts(base, allowedEnv), facts(other, allowedEnv)) };
    };
    const trials: Trial[] = [];
    const record = (built: Built, identical: boolean) => trials.push({ label: built.label, variations: built.variations, digest: built.outcome.artifact.digest, identical });

    // baseline and repeats, same environment
    ctx.log(`check: baseline build`);
    const baseline = await build("baseline", []);
    for (let i = 1; i < runs; i++) {
      const repeat = await build(`repeat-${i}`, []);
      const { comparison, causes } = await compare(baseline, repeat);
      record(repeat, comparison.identical);
      if (!comparison.identical) return report(baseline, trials, "same-environment", [], unavailable, causes, comparison.files, ["the output differs between builds in the same environment; no variation can be blamed"]);
    }

    // everything varied at once
    if (wanted.length === 0) return report(baseline, trials, null, [], unavailable, [], [], ["no variation could run here"]);
    ctx.log(`check: one build varying ${wanted.join(", ")}`);
    const all = await build("all-variations", wanted);
    const allCompared = await compare(baseline, all);
    record(all, allCompared.comparison.identical);
    if (allCompared.comparison.identical) return report(baseline, trials, null, [], unavailable, [], [], all.plan.notes);

    // one variation at a time
    const culprits: VariationName[] = [];
    let causes: Cause[] = [];
    let differences = allCompared.comparison.files;
    for (const name of wanted) {
      ctx.log(`check: varying ${name} alone`);
      const single = await build(name, [name]);
      const compared = await compare(baseline, single);
      record(single, compared.comparison.identical);
      if (!compared.comparison.identical) {
        if (culprits.length === 0) differences = compared.comparison.files;
        culprits.push(name);
        causes = [...causes, ...compared.causes.map((c) => ({ ...c, evidence: `[${name}] ${c.evidence}` }))];
      }
    }
    if (culprits.length === 0) causes = allCompared.causes; // only the combination changes the output
    return report(baseline, trials, "variation", culprits, unavailable, causes, differences, all.plan.notes);
  } finally {
    await workspace.dispose();
  }
}

async function buildIn(workspace: Workspace, projectDir: string, label: string, variations: VariationName[], plan: VariationPlan, source: Awaited<ReturnType<typeof readSource>>, ctx: Context): Promise<Built> {
  const dir = await workspace.copy(projectDir, { longerPath: plan.longerPath, reverseCreation: plan.reverseCreation });
  const outcome = await buildArtifact({ projectDir: dir, outDir: await workspace.outDir(label), source, variation: plan.build }, { ...ctx, env: { ...ctx.env, ...plan.hostEnvNoise }, log: () => {} });
  return { label, variations, dir, plan, outcome };
}

function facts(built: Built, allowedEnv: ReadonlyMap<string, string>): BuildFacts {
  const recorded = readRecordedBuild(built.outcome.statementValue);
  const varied = new Set(built.variations);
  const env = new Map([...allowedEnv].map(([k, v]) => [k, built.plan.build.env?.[k] ?? v]));
  return {
    ...recordedFacts(recorded),
    buildPath: built.dir,
    hostname: varied.has("hostname") ? CHECK_HOSTNAME : hostname(),
    user: varied.has("user") ? `uid ${CHECK_UID}` : currentUser(),
    timezone: built.plan.build.env?.TZ ?? "UTC",
    locale: built.plan.build.env?.LC_ALL ?? "C",
    env,
  };
}

function report(baseline: Built, trials: Trial[], failure: CheckReport["failure"], culprits: VariationName[], unavailable: CheckReport["unavailable"], causes: Cause[], differences: FileDifference[], notes: string[]): CheckReport {
  return {
    reproducible: failure === null,
    failure,
    builds: trials.length + 1,
    baseline: { digest: baseline.outcome.artifact.digest },
    trials,
    culprits,
    unavailable,
    causes,
    differences,
    notes,
  };
}
