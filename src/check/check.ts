/**
 * `bunseal check`: reprotest for Bun projects. Builds the project several
 * times, first repeated in the same environment, then once under every
 * variation at once; if that differs, once per variation, to name the ones
 * the output depends on, each with the same cause report as `rebuild`.
 *   probe → baseline → repeats → [frozen-clock pairs] → all variations → one variation at a time → explain
 * When the repeats differ, the check goes on: frozen-clock pairs tell the
 * clock from random (src/check/frozen-clocks.ts), and each varied build is
 * compared only where the builds with nothing varied agree
 * (src/check/stable-changes.ts). A cause is confirmed only by the build that
 * varied its factor alone (src/check/confirm.ts); byte patterns stay hypotheses.
 * It degrades, never crashes: a variation that cannot run here is skipped
 * with its reason, and a build that fails under a variation is a finding (the
 * output depends on that variation) while the other variations still run.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join, relative, resolve } from "node:path";
import { loadConfig } from "../config/load.ts";
import { configBuilds } from "../config/schema.ts";
import type { Context } from "../context.ts";
import { buildArtifact, type BuildOutcome } from "../pipeline/build.ts";
import { requireSandbox } from "../sandbox/unavailable.ts";
import { compareTars, type FileDifference } from "../rebuild/compare.ts";
import { explainDifferences, type BuildFacts, type Cause } from "../rebuild/explain.ts";
import { currentUser, recordedFacts } from "../rebuild/facts.ts";
import { readRecordedBuild, type RecordedBuild } from "../rebuild/recorded.ts";
import { installDependencies } from "../rebuild/install.ts";
import type { BuildVariation } from "../build/plan.ts";
import { readSource } from "../source/git.ts";
import { findWorkspaceRoot } from "../workspace/workspace-root.ts";
import { isBunsealError } from "../errors.ts";
import { inlinedEnvNames } from "../build/bun-options.ts";
import { frozenClock } from "../diagnose/factors.ts";
import { confirmByFailure, confirmByVariation, mergeCauses } from "./confirm.ts";
import { clockCause, frozenMonotonicClock, monotonicPairTimeout, type ClockVerdict } from "./frozen-clocks.ts";
import { stableComparer, type StableChanges } from "./stable-changes.ts";
import { copyOnProjectFilesystem, filesystemAvailable, reachableByOthers } from "./filesystem-copy.ts";
import { probeVariations } from "./probe-variations.ts";
import { CHECK_HOSTNAME, CHECK_UID, planVariations, VARIATION_NAMES, type VariationName, type VariationPlan } from "./variations.ts";
import { buildSiblingsOnce, type CheckSiblings } from "./siblings.ts";
import { createWorkspace, type Workspace } from "./workspace.ts";
import { ownScript } from "../release/own-script.ts";

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
  /**
   * only when builds with nothing varied differ (failure "same-environment"), for the varied builds:
   * the files this one changed where those builds agree ("(the archive)": the tar itself), which is what
   * blames its variations; `identical` alone would blame them for the random value
   */
  changedWhereStable?: string[];
  /** files whose change could not be placed against the unvaried builds (binary, too large a difference) */
  cannotTell?: string[];
}

export interface CheckReport {
  reproducible: boolean;
  /**
   * "same-environment" when repeated builds alone differ (the variations still ran: their findings are
   * in culprits and causes too); "variation" when only varied ones do; "baseline" when the project does
   * not build as it is, so nothing could be compared (`baseline.error` says why)
   */
  failure: "same-environment" | "variation" | "baseline" | null;
  /** every build the check ran, the baseline and the frozen-clock pairs included, each once */
  builds: number;
  /** digest null (and `error` set) when the baseline failed to build */
  baseline: { digest: string | null; error?: { code: string | null; message: string } };
  /** how the builds' boundary was enforced, as the baseline's statement records it (every build of a check is enclosed the same way); absent when the baseline failed */
  sandbox?: { kind: string; network: boolean; reads: string; reason?: string };
  /** a workspace member that imports siblings' build outputs: those built once and shown to every build, as its baseline's statement records them */
  siblings?: { member: string; package: string; at: string; artifact: { name: string; digest: string } }[];
  /** the Bun every build of the check used, as the baseline's statement records it: the project's pin, as `build` follows it; absent when the baseline failed */
  bun?: { version: string; pin?: { version: string; from: string } };
  /** every build after the baseline, the frozen-clock pairs (frozen-clock-1/2, frozen-monotonic-1/2) included */
  trials: Trial[];
  /** variations the output depends on, those whose build failed included */
  culprits: VariationName[];
  /** variations skipped because they cannot run here, each with the reason */
  unavailable: { variation: VariationName; reason: string }[];
  /** failure "baseline" only: the baseline's error again, where a failed command's `--json` has it (`error.code`), for scripts written before the report */
  error?: { code: string | null; message: string };
  /** confirmed ones (by the experiment that varied their factor) first; byte patterns follow as hypotheses, `confirmed: false`; one per kind and file */
  causes: Cause[];
  differences: FileDifference[];
  notes: string[];
}

interface Built {
  label: string;
  variations: VariationName[];
  dir: string;
  /** the copy's repository root (the workspace's, for a member): where the recorded input paths start */
  root: string;
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
      env: ctx.env,
      buildFiles: { readable: [BUILD_WORKER], executable: [process.execPath], traversable: [workspace.root] },
    });
    // the real build runs on the project's own file system; the copies, usually, on a memory one
    if (available.get("filesystem") === true) available.set("filesystem", filesystemAvailable(projectDir, workspace.root));
    if (available.get("install") === true) available.set("install", installAvailable(tree));
    const asked = request.vary ?? VARIATION_NAMES;
    const wanted = asked.filter((name) => available.get(name) === true);
    const unavailable = asked.flatMap((variation) => (available.get(variation) === true ? [] : [{ variation, reason: String(available.get(variation)) }]));
    // names the config inlines on purpose (build.env) keep their value: a changed value there is the point, not nondeterminism
    const inlinedEnv = [...new Set(builds.flatMap((b) => inlinedEnvNames(b.options.env, config.env)))].sort();
    const planFor = (names: VariationName[], outDir: string) => planVariations(names, { allowedEnv, available, tools, outDir, inlinedEnv });
    // siblings: the workspace members whose build outputs it imports, built once; every build below is shown them
    siblings = await buildSiblingsOnce({ tree, subdir, source, workspace, timeoutMs: request.timeoutMs, sandbox: request.sandbox }, ctx);
    const limits: Limits = { timeoutMs: request.timeoutMs, sandbox: request.sandbox, siblings, bunPath: process.execPath, env: ctx.env };

    /** `clock`: the build's clock changed without a variation (a frozen-clock pair), with its own time limit */
    const build = async (label: string, variations: VariationName[], clock?: { variation: BuildVariation; timeoutMs?: number }) => {
      const outDir = await workspace.outDir(label);
      const plan = clock ? { ...planFor([], outDir), build: clock.variation } : planFor(variations, outDir);
      const once = () => buildIn(workspace, { tree, subdir }, outDir, label, variations, plan, source, clock?.timeoutMs === undefined ? limits : { ...limits, timeoutMs: clock.timeoutMs }, stageOf(ctx, label));
      const first = await once();
      // faketime names its semaphore and shared memory after its own pid, and refuses to start where
      // a faketime that died left them: a later one given that pid fails before the build begins. That
      // is the machine's, never the variation's: tried once more (another pid); a second failure counts
      if ("error" in first && FAKETIME_COLLISION.test(first.error.message)) return once();
      return first;
    };
    const trials: Trial[] = [];
    const record = (built: Built, identical: boolean, extra: Partial<Trial> = {}) => trials.push({ label: built.label, variations: built.variations, digest: built.outcome.artifact.digest, identical, failed: false, error: null, ...extra });
    const recordFailure = (failure: FailedBuild) => trials.push({ label: failure.label, variations: failure.variations, digest: null, identical: false, failed: true, error: failure.error });

    // baseline: if the project does not build as it is, there is nothing to compare; that is the verdict, with the build's error
    ctx.log(`check: baseline build`);
    const startedAt = performance.now();
    const baseline = await build("baseline", []);
    if ("error" in baseline) {
      // a build this machine could not run (a timeout, no room, the sandbox) is no verdict on the project: thrown, as before
      if (!isBunsealError(baseline.cause) || baseline.cause.kind !== "rejected") throw baseline.cause;
      return baselineFailed(baseline, unavailable);
    }
    const baselineMs = performance.now() - startedAt;
    limits.recorded = readRecordedBuild(baseline.outcome.statementValue);
    const compare = async (other: Built) => {
      const comparison = await compareTars(baseline.outcome.artifact.path, other.outcome.artifact.path);
      return { comparison, hypotheses: comparison.identical ? [] : explainDifferences(comparison, facts(baseline, allowedEnv), facts(other, allowedEnv)) };
    };
    const stable = stableComparer(baseline.outcome.artifact.path);
    const confirmed: Cause[] = [];
    const hypotheses: Cause[] = [];
    const notes: string[] = [];
    let differences: FileDifference[] = [];

    // repeats, same environment: what differs here changes from run to run
    let sameEnvironment = false;
    for (let i = 1; i < runs; i++) {
      const repeat = await build(`repeat-${i}`, []);
      if ("error" in repeat) {
        recordFailure(repeat);
        sameEnvironment = true;
        notes.push(`${repeat.label} failed where the baseline built, in the same environment: ${firstLines(repeat.error.message)}`);
        continue;
      }
      const { comparison, hypotheses: found } = await compare(repeat);
      record(repeat, comparison.identical);
      if (comparison.identical) continue;
      sameEnvironment = true;
      stable.addUnvaried(repeat.outcome.artifact.path, comparison);
      hypotheses.push(...found);
      if (differences.length === 0) differences = comparison.files;
    }

    // the clock or not: pairs of builds with the clock stopped tell each such file apart
    if (stable.unstable().length > 0) {
      const differing = stable.unstable();
      const pair = async (prefix: string, variation: BuildVariation, timeoutMs?: number): Promise<{ error: string } | { stillDiffering: Set<string> }> => {
        const built: Built[] = [];
        for (const n of [1, 2]) {
          const one = await build(`${prefix}-${n}`, [], { variation, timeoutMs });
          if ("error" in one) {
            recordFailure(one);
            return { error: `${one.label} failed: ${firstLines(one.error.message)}` };
          }
          const comparison = await compareTars(baseline.outcome.artifact.path, one.outcome.artifact.path);
          record(one, comparison.identical);
          stable.addUnvaried(one.outcome.artifact.path, comparison, true);
          built.push(one);
        }
        const between = await compareTars(built[0]!.outcome.artifact.path, built[1]!.outcome.artifact.path);
        return { stillDiffering: new Set(between.files.map((f) => f.path)) };
      };
      const wall = tools.faketime && available.get("clock") === true ? frozenClock(tools)?.variation : undefined;
      const verdicts = new Map<string, ClockVerdict>();
      if (!wall) for (const f of differing) verdicts.set(f, { kind: "untested", why: `no faketime here: ${String(available.get("clock"))}` });
      else {
        ctx.log("check: two builds with the wall clock stopped");
        const wallPair = await pair("frozen-clock", wall);
        const rest = "error" in wallPair ? [] : differing.filter((f) => wallPair.stillDiffering.has(f));
        for (const f of differing) verdicts.set(f, "error" in wallPair ? { kind: "untested", why: wallPair.error } : rest.includes(f) ? { kind: "undetermined", why: "not tried" } : { kind: "timestamp" });
        if (rest.length > 0) {
          ctx.log("check: two builds with the monotonic clock stopped too");
          const monotonic = await pair("frozen-monotonic", frozenMonotonicClock(tools)!, monotonicPairTimeout(baselineMs, request.timeoutMs));
          for (const f of rest) verdicts.set(f, "error" in monotonic ? { kind: "undetermined", why: monotonic.error } : monotonic.stillDiffering.has(f) ? { kind: "random" } : { kind: "monotonic-clock" });
        }
      }
      for (const [file, verdict] of verdicts) {
        const cause = clockCause(file, verdict, hypotheses.find((c) => c.file === file && c.kind !== "unknown"));
        (cause.confirmed ? confirmed : hypotheses).unshift(cause);
      }
      notes.push("the output differs between builds in the same environment; the variations were still tried, each compared where the builds with nothing varied agree");
    }
    const finish = (failure: CheckReport["failure"], culprits: VariationName[]) =>
      report(baseline, trials, failure, culprits, unavailable, mergeCauses(confirmed, hypotheses), differences, notes);
    if (wanted.length === 0) {
      notes.push("no variation could run here");
      return finish(sameEnvironment ? "same-environment" : null, []);
    }

    // everything varied at once: when nothing changes, no variation alone need run
    ctx.log(`check: one build varying ${wanted.join(", ")}`);
    let all = await build("all-variations", wanted);
    if ("error" in all && all.stage === "install") {
      // the packages could not be installed again (offline, say): the others are varied without it, not each alone
      recordFailure(all);
      unavailable.push({ variation: "install", reason: `the packages could not be installed again: ${firstLines(all.error.message)}` });
      wanted.splice(wanted.indexOf("install"), 1);
      if (wanted.length === 0) return finish(sameEnvironment ? "same-environment" : null, []);
      all = await build("all-variations-but-install", wanted);
    }
    notes.push(...all.plan.notes);
    let allChanged: StableChanges | undefined;
    let allHypotheses: Cause[] = [];
    if ("error" in all) recordFailure(all);
    else {
      const { comparison, hypotheses: found } = await compare(all);
      allChanged = await stable.changes(all.outcome.artifact.path, comparison);
      record(all, comparison.identical, stableFields(sameEnvironment, allChanged));
      allHypotheses = found;
      if (allChanged.changed.length === 0 && allChanged.cannotTell.length === 0) return finish(sameEnvironment ? "same-environment" : null, []);
      if (differences.length === 0) differences = comparison.files;
    }

    // one variation at a time: a failed build is a finding, and the next variation still runs
    const culprits: VariationName[] = [];
    let culpritDifferences: FileDifference[] | undefined;
    for (const name of wanted) {
      ctx.log(`check: varying ${name} alone`);
      const single = await build(name, [name]);
      const described = single.plan.notes.join("; ").replace(`${name}: `, "");
      if ("error" in single && single.stage === "install") {
        // no finding either way (a registry out of reach, a script that fails): the variation could not run, and says so
        recordFailure(single);
        if (!unavailable.some((u) => u.variation === name)) unavailable.push({ variation: name, reason: `the packages could not be installed again: ${firstLines(single.error.message)}` });
        continue;
      }
      if ("error" in single) {
        recordFailure(single);
        culprits.push(name);
        notes.unshift(`${name}: the build failed: ${firstLines(single.error.message)}`);
        confirmed.push(confirmByFailure(name, described, firstLines(single.error.message)));
        continue;
      }
      const { comparison, hypotheses: found } = await compare(single);
      const changes = await stable.changes(single.outcome.artifact.path, comparison);
      record(single, comparison.identical, stableFields(sameEnvironment, changes));
      if (changes.cannotTell.length > 0) notes.push(`${name}: ${changes.cannotTell.join(", ")} differ, but whether outside what changes from run to run cannot be told (binary, or too large a difference)`);
      if (changes.changed.length === 0) continue;
      culprits.push(name);
      culpritDifferences ??= comparison.files;
      const hint = name === "install" ? await installHint(single, baseline) : "";
      confirmed.push(...confirmByVariation(name, described, changes.changed, found, hint));
      // patterns in files it changed only where unvaried builds differ too are the run-to-run value's, not this variation's
      hypotheses.push(...found.filter((c) => c.file === null || changes.changed.includes(c.file)));
    }
    if (!sameEnvironment && culpritDifferences) differences = culpritDifferences;
    if (culprits.length === 0 && !sameEnvironment && "error" in all) {
      // every variation alone built the same, only the combination failed: once is not a finding (a loaded
      // machine, a tool that could not start); it is built again, and only a failure that comes again is one
      const again = await build(`${all.label}-again`, all.variations);
      if ("error" in again) {
        recordFailure(again);
        notes.unshift(`the build failed only with every variation at once, twice: ${firstLines(again.error.message)}`);
        return finish("variation", culprits);
      }
      const { comparison, hypotheses: found } = await compare(again);
      const changes = await stable.changes(again.outcome.artifact.path, comparison);
      record(again, comparison.identical, {});
      if (changes.changed.length === 0 && changes.cannotTell.length === 0) {
        notes.unshift(`the build with every variation at once failed once (${firstLines(all.error.message)}) and came out the same when built again: a failure that does not come again is not counted`);
        return finish(null, []);
      }
      hypotheses.push(...found);
      if (differences.length === 0) differences = comparison.files;
      return finish("variation", culprits);
    }
    if (culprits.length === 0 && !sameEnvironment) {
      // only the combination changes the output
      hypotheses.push(...allHypotheses);
    }
    return finish(sameEnvironment ? "same-environment" : "variation", culprits);
  } finally {
    await siblings?.dispose();
    await workspace.dispose();
  }
}

/** A trial's stable-region fields: only where the builds with nothing varied differ, since only there do they say more than `identical`. */
function stableFields(sameEnvironment: boolean, changes: StableChanges): Partial<Trial> {
  if (!sameEnvironment) return {};
  return { changedWhereStable: changes.changed.map((f) => f ?? "(the archive)"), ...(changes.cannotTell.length > 0 ? { cannotTell: changes.cannotTell } : {}) };
}

const firstLines = (message: string) => message.split("\n").slice(0, 3).join(" ");

/** faketime's own error when its pid's semaphore or shared memory is left over (faketime 0.9.10: `perror("faketime: sem_open")`) */
const FAKETIME_COLLISION = /faketime: (sem|shm)_open: File exists/;

/**
 * The build worker the build process starts with (src/build/run-build.ts):
 * the `user` variation runs it as another uid, which must be able to read it.
 */
const BUILD_WORKER = ownScript(new URL("../build/worker.ts", import.meta.url));

interface FailedBuild {
  label: string;
  variations: VariationName[];
  plan: VariationPlan;
  error: { code: string | null; message: string };
  cause: unknown;
  /** "install": the packages could not be installed again (a registry out of reach, say): no finding of the project's */
  stage: "install" | "build";
}

interface Limits {
  timeoutMs?: number;
  sandbox?: false;
  siblings?: CheckSiblings;
  bunPath: string;
  env: Context["env"];
  /** the baseline's record: the install variation installs what it recorded, running only the scripts it let run */
  recorded?: RecordedBuild;
}

/** One build in a fresh copy. Its failure is returned, not thrown: the caller decides whether it ends the check. */
async function buildIn(workspace: Workspace, from: { tree: string; subdir: string }, outDir: string, label: string, variations: VariationName[], plan: VariationPlan, source: Awaited<ReturnType<typeof readSource>>, limits: Limits, ctx: Context): Promise<Built | FailedBuild> {
  // a copy that cannot be made is the machine's problem, not the variation's: that one still throws
  const dir = await workspace.copy(from.tree, { longerPath: plan.longerPath, reverseCreation: plan.reverseCreation, laterMtimes: plan.laterMtimes, withoutModules: plan.reinstall }, from.subdir);
  // a member's copy is built as the original is: inside its repository, which is the workspace's copy
  const copied = from.subdir === "" ? source : { ...source, repoRoot: dir.slice(0, dir.length - from.subdir.length - 1) };
  const root = from.subdir === "" ? dir : copied.repoRoot;
  const failed = (cause: unknown, stage: FailedBuild["stage"]): FailedBuild => {
    const error = isBunsealError(cause) ? { code: cause.code, message: cause.message } : { code: null, message: cause instanceof Error ? cause.message : String(cause) };
    return { label, variations, plan, error, cause, stage };
  };
  if (plan.reinstall) {
    try {
      // the install is project code: sandboxed as rebuild's is, its cache a fresh one when scripts run
      await installDependencies(dir, limits.recorded!, limits.bunPath, limits.env, { repoRoot: root, scratch: join(workspace.root, `install-${label}`), deny: [] });
    } catch (cause) {
      return failed(cause, "install");
    }
  }
  // the filesystem variation: the project's files on its own file system, shown at the copy's path. The
  // project's own folder is that, as it lists for the real build, at no cost; a copy is made beside it,
  // on the same file system, when the build runs as another user who cannot reach it, or when the copy
  // differs from the project in what another variation changed (its files' times, its installed packages)
  const changedCopy = plan.laterMtimes || plan.reinstall || (variations.includes("user") && !reachableByOthers(from.tree));
  const onDisk = plan.projectFilesystem && changedCopy ? copyOnProjectFilesystem(root, from.tree) : undefined;
  const rootFrom = onDisk ? { path: onDisk.path, packages: onDisk.packages } : plan.projectFilesystem ? { path: from.tree, packages: [] } : undefined;
  try {
    const outcome = await buildArtifact(
      // the Bun `build` would build with (the project's pin): a check of another Bun's bytes would say nothing of the release's
      { projectDir: dir, outDir, source: copied, variation: plan.build, timeoutMs: limits.timeoutMs, sandbox: limits.sandbox, rootFrom, followPin: true, siblings: limits.siblings?.shownIn(root) },
      { ...ctx, env: { ...ctx.env, ...plan.hostEnvNoise }, log: () => {} },
    );
    return { label, variations, dir, root, plan, outcome };
  } catch (cause) {
    return failed(cause, "build");
  } finally {
    onDisk?.dispose();
  }
}

/** The install variation needs a lockfile to install from. */
function installAvailable(tree: string): true | string {
  return existsSync(join(tree, "bun.lock")) || existsSync(join(tree, "bun.lockb")) ? true : "the project has no bun.lock: nothing is installed to install again";
}

/**
 * For the install variation's experiment: the installed files the build read
 * whose bytes the reinstall changed (the two builds' recorded inputs), each
 * named by its package and that package's install scripts, read from the
 * package.json the reinstall left in the copy.
 */
async function installHint(built: Built, baseline: Built): Promise<string> {
  const [before, after] = [readRecordedBuild(baseline.outcome.statementValue).inputs, readRecordedBuild(built.outcome.statementValue).inputs];
  const moved = [...new Set([...before.keys(), ...after.keys()])].filter((path) => /(^|\/)node_modules\//.test(path) && before.get(path) !== after.get(path)).sort();
  if (moved.length === 0) return "";
  const packages = new Map<string, string[]>();
  for (const path of moved) {
    const match = /^(.*?node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(path);
    if (!match) continue;
    const files = packages.get(match[1]!) ?? [];
    files.push(path);
    packages.set(match[1]!, files);
  }
  const parts = await Promise.all(
    [...packages].map(async ([dir, files]) => {
      const manifest = await readManifest(join(built.root, dir, "package.json"));
      const scripts = Object.entries(manifest?.scripts ?? {}).filter(([name]) => INSTALL_SCRIPTS.includes(name));
      const name = manifest?.name ?? dir.slice(dir.lastIndexOf("node_modules/") + "node_modules/".length);
      const said = scripts.length > 0 ? `its install script${scripts.length > 1 ? "s" : ""} ${scripts.map(([n, v]) => `${n}: ${JSON.stringify(v)}`).join(", ")}` : "no install script";
      return `package ${name}${manifest?.version ? `@${manifest.version}` : ""} (${files.slice(0, 3).join(", ")}${files.length > 3 ? ` and ${files.length - 3} more` : ""}), ${said}`;
    }),
  );
  return `; the reinstall changed ${parts.join("; ")}`;
}

const INSTALL_SCRIPTS = ["preinstall", "install", "postinstall"];

/** A package's manifest as the reinstall left it, or nothing when it cannot be read: the hint is words, never a verdict. */
async function readManifest(path: string): Promise<{ name?: string; version?: string; scripts?: Record<string, string> } | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, "utf8"));
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
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
    bun: (({ version, pin }) => ({ version, ...(pin ? { pin } : {}) }))((baseline.outcome.statementValue.predicate.buildDefinition.internalParameters as { bun: NonNullable<CheckReport["bun"]> }).bun),
    trials,
    culprits,
    unavailable,
    causes,
    differences,
    notes,
  };
}

/**
 * The project does not build as it is (its build or prebuild failed, it broke
 * its budget): no comparison can be made, and saying "not reproducible" would
 * be false. The report says the baseline failed, with the build's error; no
 * statement, so no sandbox or Bun to report.
 */
function baselineFailed(baseline: FailedBuild, unavailable: CheckReport["unavailable"]): CheckReport {
  return {
    reproducible: false,
    failure: "baseline",
    builds: 1,
    baseline: { digest: null, error: baseline.error },
    error: baseline.error,
    trials: [],
    culprits: [],
    unavailable,
    causes: [],
    differences: [],
    notes: [`the baseline failed to build, so nothing was compared: ${firstLines(baseline.error.message)}`],
  };
}

/** Each build's stages shown under its label on the progress line ("check repeat-1: bun build: svc"). */
function stageOf(ctx: Context, label: string): Context {
  return ctx.progress ? { ...ctx, progress: (stage) => ctx.progress!(`check ${label}: ${stage}`) } : ctx;
}
