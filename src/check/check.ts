/**
 * `bunseal check`: reprotest for Bun projects. Builds the project several
 * times, first repeated in the same environment, then once under every
 * variation at once; if that differs, once per variation, to name the ones
 * the output depends on, each with the same cause report as `rebuild`.
 *   probe → baseline → repeats → all variations → one variation at a time → explain
 * It degrades, never crashes: a variation that cannot run here is skipped
 * with its reason, and a build that fails under a variation is a finding (the
 * output depends on that variation) while the other variations still run.
 */
import { hostname } from "node:os";
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../config/load.ts";
import { configBuilds } from "../config/schema.ts";
import type { Context } from "../context.ts";
import { buildArtifact, type BuildOutcome } from "../pipeline/build.ts";
import { requireSandbox } from "../sandbox/unavailable.ts";
import { compareTars, type FileDifference } from "../rebuild/compare.ts";
import { explainDifferences, type BuildFacts, type Cause } from "../rebuild/explain.ts";
import { currentUser, recordedFacts } from "../rebuild/facts.ts";
import { readRecordedBuild } from "../rebuild/recorded.ts";
import { readSource } from "../source/git.ts";
import { findWorkspaceRoot } from "../workspace/workspace-root.ts";
import { isBunsealError } from "../errors.ts";
import { inlinedEnvNames } from "../build/bun-options.ts";
import { frozenClock } from "../diagnose/factors.ts";
import { confirmByCulprits, confirmByFrozenClock } from "./confirm.ts";
import { copyOnProjectFilesystem, filesystemAvailable, reachableByOthers } from "./filesystem-copy.ts";
import { probeVariations } from "./probe-variations.ts";
import { CHECK_HOSTNAME, CHECK_UID, planVariations, VARIATION_NAMES, type VariationName, type VariationPlan } from "./variations.ts";
import { buildSiblingsOnce, type CheckSiblings } from "./siblings.ts";
import { createWorkspace, type Workspace } from "./workspace.ts";

export interface CheckRequest {
  projectDir: string;
  /** builds in the same environment, the baseline included (default 3) */
  runs?: number;
  /** the variations to try (default: all this machine can run) */
  vary?: readonly VariationName[];
  /** hard limit of each build in ms (`--timeout`) */
  timeoutMs?: number;
  /** false: every build without the sandbox (`--no-sandbox`), recorded as kind "none"; otherwise no sandbox here is SANDBOX_UNAVAILABLE before anything runs */
  sandbox?: false;
}

export interface Trial {
  label: string;
  variations: VariationName[];
  /** null when the build failed */
  digest: string | null;
  identical: boolean;
  /** the build under these variations failed; it counts against reproducibility, and the check goes on */
  failed: boolean;
  /** why it failed (the BunsealError code when there is one), null when it did not */
  error: { code: string | null; message: string } | null;
}

export interface CheckReport {
  reproducible: boolean;
  /** "same-environment" when repeated builds alone differ; "variation" when only varied ones do */
  failure: "same-environment" | "variation" | null;
  builds: number;
  baseline: { digest: string };
  /** how the builds' boundary was enforced, as the baseline's statement records it (every build of a check is enclosed the same way) */
  sandbox: { kind: string; network: boolean; reads: string; reason?: string };
  /** a workspace member that imports siblings' build outputs: those built once and shown to every build, as its baseline's statement records them */
  siblings?: { member: string; package: string; at: string; artifact: { name: string; digest: string } }[];
  /** the Bun every build of the check used, as the baseline's statement records it: the project's pin, as `build` follows it */
  bun: { version: string; pin?: { version: string; from: string } };
  trials: Trial[];
  /** variations the output depends on, those whose build failed included */
  culprits: VariationName[];
  /** variations skipped because they cannot run here, each with the reason */
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
  // where no sandbox can run, nothing of the project may start: refused before the copies and their builds
  await requireSandbox(request.sandbox === false);
  // the work tree as it is, changes included: check runs before a release is cut
  const source = await readSource(projectDir, { allowDirty: true });
  const { config } = await loadConfig(projectDir);
  const builds = configBuilds(config);
  const multipleEntrypoints = builds.some((b) => b.entrypoints.length > 1);
  const allowedEnv = new Map(config.env.filter((n) => ctx.env[n] !== undefined).map((n) => [n, ctx.env[n]!]));

  // a workspace member is copied with its whole workspace: its imports of sibling packages and
  // the root's node_modules and lockfile are part of its build
  const tree = findWorkspaceRoot(projectDir, source.repoRoot);
  const subdir = relative(tree, projectDir);
  const workspace = await createWorkspace();
  let siblings: CheckSiblings | undefined;
  try {
    // probe: before any build, so a variation that cannot run is skipped, not a crash halfway through
    const { available, tools } = await probeVariations({
      multipleEntrypoints,
      env: ctx.env,
      buildFiles: { readable: [BUILD_WORKER], executable: [process.execPath], traversable: [workspace.root] },
    });
    // the real build runs on the project's own file system; the copies, usually, on a memory one
    if (available.get("filesystem") === true) available.set("filesystem", filesystemAvailable(projectDir, workspace.root));
    const asked = request.vary ?? VARIATION_NAMES;
    const wanted = asked.filter((name) => available.get(name) === true);
    const unavailable = asked.flatMap((variation) => (available.get(variation) === true ? [] : [{ variation, reason: String(available.get(variation)) }]));
    // names the config inlines on purpose (build.env) keep their value: a changed value there is the point, not nondeterminism
    const inlinedEnv = [...new Set(builds.flatMap((b) => inlinedEnvNames(b.options.env, config.env)))].sort();
    const planFor = (names: VariationName[], outDir: string) => planVariations(names, { allowedEnv, multipleEntrypoints, available, tools, outDir, inlinedEnv });
    // siblings: the workspace members whose build outputs it imports, built once; every build below is shown them
    siblings = await buildSiblingsOnce({ tree, subdir, source, workspace, timeoutMs: request.timeoutMs, sandbox: request.sandbox }, ctx);
    const limits = { timeoutMs: request.timeoutMs, sandbox: request.sandbox, siblings };

    const build = async (label: string, variations: VariationName[]) => {
      const outDir = await workspace.outDir(label);
      return buildIn(workspace, { tree, subdir }, outDir, label, variations, planFor(variations, outDir), source, limits, stageOf(ctx, label));
    };
    const compare = async (base: Built, other: Built) => {
      const comparison = await compareTars(base.outcome.artifact.path, other.outcome.artifact.path);
      return { comparison, causes: comparison.identical ? [] : explainDifferences(comparison, facts(base, allowedEnv), facts(other, allowedEnv)) };
    };
    const trials: Trial[] = [];
    const record = (built: Built, identical: boolean) => trials.push({ label: built.label, variations: built.variations, digest: built.outcome.artifact.digest, identical, failed: false, error: null });
    const recordFailure = (failure: FailedBuild) => trials.push({ label: failure.label, variations: failure.variations, digest: null, identical: false, failed: true, error: failure.error });

    // baseline: if the project does not build as it is, there is nothing to compare; that error is the verdict
    ctx.log(`check: baseline build`);
    const baseline = await build("baseline", []);
    if ("error" in baseline) throw baseline.cause;
    const finish = (failure: CheckReport["failure"], culprits: VariationName[], causes: Cause[], differences: FileDifference[], notes: string[]) =>
      report(baseline, trials, failure, culprits, unavailable, causes, differences, notes);

    // repeats, same environment
    for (let i = 1; i < runs; i++) {
      const repeat = await build(`repeat-${i}`, []);
      if ("error" in repeat) {
        recordFailure(repeat);
        return finish("same-environment", [], [], [], [`${repeat.label} failed where the baseline built, in the same environment: ${repeat.error.message}`]);
      }
      const { comparison, causes } = await compare(baseline, repeat);
      record(repeat, comparison.identical);
      if (!comparison.identical) {
        // timestamp or random: two more builds with the clock stopped at one instant tell them apart
        const frozen = tools.faketime && available.get("clock") === true ? frozenClock(tools) : undefined;
        const stopped = async (label: string) => {
          const outDir = await workspace.outDir(label);
          const plan = { ...planFor([], outDir), build: frozen!.variation ?? {} };
          return buildIn(workspace, { tree, subdir }, outDir, label, [], plan, source, limits, stageOf(ctx, label));
        };
        const differing = comparison.files.filter((f) => f.kind === "changed").map((f) => f.path);
        const first = frozen ? await stopped("frozen-clock-1") : undefined;
        const second = first && !("error" in first) ? await stopped("frozen-clock-2") : undefined;
        let confirmed = causes;
        if (first && second && !("error" in first) && !("error" in second)) {
          const stoppedComparison = await compareTars(first.outcome.artifact.path, second.outcome.artifact.path);
          const stillDiffering = new Set(stoppedComparison.files.map((f) => f.path));
          confirmed = confirmByFrozenClock(causes, differing, differing.filter((f) => !stillDiffering.has(f)));
        }
        return finish("same-environment", [], confirmed, comparison.files, ["the output differs between builds in the same environment; no variation can be blamed"]);
      }
    }

    // everything varied at once
    if (wanted.length === 0) return finish(null, [], [], [], ["no variation could run here"]);
    ctx.log(`check: one build varying ${wanted.join(", ")}`);
    const all = await build("all-variations", wanted);
    const notes = all.plan.notes;
    let allCompared: Awaited<ReturnType<typeof compare>> | undefined;
    if ("error" in all) recordFailure(all);
    else {
      allCompared = await compare(baseline, all);
      record(all, allCompared.comparison.identical);
      if (allCompared.comparison.identical) return finish(null, [], [], [], notes);
    }

    // one variation at a time: a failed build is a finding, and the next variation still runs
    const culprits: VariationName[] = [];
    let causes: Cause[] = [];
    let differences = allCompared?.comparison.files ?? [];
    const failures: string[] = [];
    for (const name of wanted) {
      ctx.log(`check: varying ${name} alone`);
      const single = await build(name, [name]);
      if ("error" in single) {
        recordFailure(single);
        culprits.push(name);
        failures.push(`${name}: the build failed: ${single.error.message.split("\n").slice(0, 3).join(" ")}`);
        continue;
      }
      const compared = await compare(baseline, single);
      record(single, compared.comparison.identical);
      if (!compared.comparison.identical) {
        if (culprits.length === failures.length) differences = compared.comparison.files;
        culprits.push(name);
        causes = [...causes, ...compared.causes.map((c) => ({ ...c, evidence: `[${name}] ${c.evidence}` }))];
      }
    }
    if (culprits.length === 0) {
      // only the combination changes the output, or makes the build fail
      causes = allCompared?.causes ?? [];
      if ("error" in all) failures.push(`the build failed only with every variation at once: ${all.error.message.split("\n").slice(0, 3).join(" ")}`);
    }
    return finish("variation", culprits, confirmByCulprits(causes, culprits, differences[0]?.path ?? null), differences, [...failures, ...notes]);
  } finally {
    await siblings?.dispose();
    await workspace.dispose();
  }
}

/**
 * The build worker the build process starts with (src/build/run-build.ts):
 * the `user` variation runs it as another uid, which must be able to read it.
 */
const BUILD_WORKER = fileURLToPath(new URL("../build/worker.ts", import.meta.url));

interface FailedBuild {
  label: string;
  variations: VariationName[];
  plan: VariationPlan;
  error: { code: string | null; message: string };
  cause: unknown;
}

/** One build in a fresh copy. Its failure is returned, not thrown: the caller decides whether it ends the check. */
async function buildIn(workspace: Workspace, from: { tree: string; subdir: string }, outDir: string, label: string, variations: VariationName[], plan: VariationPlan, source: Awaited<ReturnType<typeof readSource>>, limits: { timeoutMs?: number; sandbox?: false; siblings?: CheckSiblings }, ctx: Context): Promise<Built | FailedBuild> {
  // a copy that cannot be made is the machine's problem, not the variation's: that one still throws
  const dir = await workspace.copy(from.tree, { longerPath: plan.longerPath, reverseCreation: plan.reverseCreation }, from.subdir);
  // a member's copy is built as the original is: inside its repository, which is the workspace's copy
  const copied = from.subdir === "" ? source : { ...source, repoRoot: dir.slice(0, dir.length - from.subdir.length - 1) };
  // the filesystem variation: the project's files on its own file system, shown at the copy's path. The
  // project's own folder is that, as it lists for the real build, at no cost; only when the build runs
  // as another user who cannot reach it is a copy made beside it, on the same file system
  const root = from.subdir === "" ? dir : copied.repoRoot;
  const onDisk = plan.projectFilesystem && variations.includes("user") && !reachableByOthers(from.tree) ? copyOnProjectFilesystem(root, from.tree) : undefined;
  const rootFrom = onDisk ? { path: onDisk.path, packages: onDisk.packages } : plan.projectFilesystem ? { path: from.tree, packages: [] } : undefined;
  try {
    const outcome = await buildArtifact(
      // the Bun `build` would build with (the project's pin): a check of another Bun's bytes would say nothing of the release's
      { projectDir: dir, outDir, source: copied, variation: plan.build, timeoutMs: limits.timeoutMs, sandbox: limits.sandbox, rootFrom, followPin: true, siblings: limits.siblings?.shownIn(root) },
      { ...ctx, env: { ...ctx.env, ...plan.hostEnvNoise }, log: () => {} },
    );
    return { label, variations, dir, plan, outcome };
  } catch (cause) {
    const error = isBunsealError(cause) ? { code: cause.code, message: cause.message } : { code: null, message: cause instanceof Error ? cause.message : String(cause) };
    return { label, variations, plan, error, cause };
  } finally {
    onDisk?.dispose();
  }
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
    sandbox: (baseline.outcome.statementValue.predicate.buildDefinition.internalParameters as { sandbox: CheckReport["sandbox"] }).sandbox,
    ...((({ siblings }) => (siblings ? { siblings } : {}))(baseline.outcome.statementValue.predicate.buildDefinition.internalParameters as { siblings?: CheckReport["siblings"] })),
    bun: (({ version, pin }) => ({ version, ...(pin ? { pin } : {}) }))((baseline.outcome.statementValue.predicate.buildDefinition.internalParameters as { bun: CheckReport["bun"] }).bun),
    trials,
    culprits,
    unavailable,
    causes,
    differences,
    notes,
  };
}

/** Each build's stages shown under its label on the progress line ("check repeat-1: bun build: svc"). */
function stageOf(ctx: Context, label: string): Context {
  return ctx.progress ? { ...ctx, progress: (stage) => ctx.progress!(`check ${label}: ${stage}`) } : ctx;
}
