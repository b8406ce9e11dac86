/**
 * The build itself, run as a child process so that it sees only the
 * environment the plan allows (macros run at build time and can read
 * process.env). Receives the plan over IPC, answers with the result over IPC;
 * stdout and stderr stay free for whatever macros print.
 */
import type { BunPlugin } from "bun";
import type { BuildPlan, PlannedBuild } from "./plan.ts";
import { sortedMetafileDigest } from "../inputs/metafile.ts";
import { packOutputs } from "./pack-outputs.ts";
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative, resolve, sep } from "node:path";
import { readLockfile } from "../inputs/lockfile.ts";
import { bunBuildOptions, expandEntrypoints, type BunOptions } from "./bun-options.ts";
import { cliJsxDevelopment, jsxFacts } from "./jsx-development.ts";
import type { BuildOptions } from "../config/schema.ts";
import { explainMacroFailure } from "./macro-error.ts";
import { underFolder, type OutputSource } from "./output-files.ts";
import { buildOutdir, outdirRewrite, withOutdirSources } from "./outdir-layout.ts";
import type { MetafileSummary, WorkerMessage, WorkerResult } from "./worker-protocol.ts";
import { runPrebuild } from "./prebuild.ts";

const BUILD_INFO_ID = "bunseal:build-info";

function buildInfoPlugin(info: BuildPlan["buildInfo"]): BunPlugin {
  return {
    name: "bunseal-build-info",
    setup(build) {
      build.onResolve({ filter: /^bunseal:build-info$/ }, () => ({ path: BUILD_INFO_ID, namespace: "bunseal" }));
      build.onLoad({ filter: /.*/, namespace: "bunseal" }, () => ({ contents: `export default Object.freeze(${JSON.stringify(info)});`, loader: "js" }));
    },
  };
}

/**
 * The config's plugins, loaded here, inside the sandbox: a module of the
 * project, or a package installed from the lockfile (resolved in the
 * project's node_modules, never from a global folder). Each module's default
 * export is the BunPlugin. Returns the plugins and their files, relative to
 * the project, which are recorded as inputs (role "plugin").
 */
async function loadPlugins(projectDir: string, specs: readonly string[]): Promise<{ plugins: BunPlugin[]; files: string[] }> {
  if (specs.length === 0) return { plugins: [], files: [] };
  const locked = new Set((await readLockfile(projectDir))?.lockfile.packages.map((p) => p.name) ?? []);
  const plugins: BunPlugin[] = [];
  const files: string[] = [];
  for (const spec of specs) {
    let path: string;
    if (spec.startsWith("./")) path = resolve(projectDir, spec);
    else {
      const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!;
      if (!locked.has(name)) throw new Error(`build.plugins: ${JSON.stringify(spec)} is not a package of bun.lock; expected a module path ("./…") or a locked package`);
      path = Bun.resolveSync(spec, projectDir);
      if (!path.startsWith(join(projectDir, "node_modules") + sep)) throw new Error(`build.plugins: ${JSON.stringify(spec)} resolved to ${path}; expected a package installed in the project's node_modules`);
    }
    const plugin = (await import(path)).default as BunPlugin | undefined;
    if (!plugin || typeof plugin !== "object" || typeof plugin.setup !== "function") throw new Error(`build.plugins: ${JSON.stringify(spec)} has no default export { name, setup }; expected a BunPlugin as its default export`);
    plugins.push(plugin);
    files.push(relative(projectDir, path).split(sep).join("/"));
  }
  return { plugins, files };
}

/**
 * Bun.build with no outdir: the outputs stay in memory (nothing to write, read
 * back and delete), and sourcemap `sources` come out relative to the project,
 * whatever folder it is in; they are then made what Bun writes with
 * `outdir: "dist/<name>"` (src/build/outdir-layout.ts). `compile` is the
 * exception: Bun writes the executable to disk whatever it is told, so it gets
 * an outfile in a scratch folder of the sandbox's own /tmp, and what Bun wrote
 * there is the output, as `bun build --compile --outfile` would leave it.
 */
async function bundleOne(plan: BuildPlan, build: PlannedBuild): Promise<{ ok: boolean; logs: string[]; metafile?: Bun.BuildMetafile; outputs?: OutputSource[]; entrypoints: string[]; plugins: string[] }> {
  const { options } = build;
  const entrypoints = expandEntrypoints(plan.projectDir, build.entrypoints);
  const loaded = await loadPlugins(plan.projectDir, options.plugins ?? []);
  const scratch = options.compile !== undefined && options.compile !== false ? mkdtempSync(join(tmpdir(), "bunseal-compile-")) : undefined;
  const result = await Bun.build({
    entrypoints,
    ...withCompileOutfile(withCompileBase(withJsxDevelopment(bunBuildOptions(options, plan.env, plan.visibleEnv), options, plan), build.compileBase), scratch, entrypoints),
    metafile: true,
    throw: false,
    // bunseal's first, so no plugin of the project can answer for bunseal:build-info
    plugins: [buildInfoPlugin(plan.buildInfo), ...loaded.plugins],
  });
  const logs = await Promise.all(result.logs.map(async (log) => (await explainMacroFailure(log, plan.projectDir)) ?? formatLog(log)));
  if (!result.success || !result.metafile) return { ok: false, logs, entrypoints, plugins: loaded.files };
  // a rebuild of a statement made before maps followed the outdir keeps them relative to the project, as they were made
  const outputs = scratch ? await writtenFiles(scratch) : plan.mapSources === "project" ? result.outputs : withOutdirSources(result.outputs, options.sourcemap, outdirRewrite(plan.projectDir, buildOutdir(build.name)));
  return { ok: true, logs, metafile: result.metafile, outputs: underFolder(build.name, outputs), entrypoints, plugins: loaded.files };
}

/** The JSX runtime `bun build` would pick, unless the config picks one (src/build/jsx-development.ts). */
function withJsxDevelopment(bunOptions: BunOptions, options: BuildOptions, plan: BuildPlan): BunOptions {
  if (options.jsx?.development !== undefined) return bunOptions;
  const development = cliJsxDevelopment(jsxFacts(plan.projectDir, options, plan.env));
  return { ...bunOptions, jsx: { ...bunOptions.jsx, development } };
}

/** Another platform's executable is built around the base fetched for it, never one Bun would download. */
function withCompileBase(options: ReturnType<typeof bunBuildOptions>, base: string | undefined): ReturnType<typeof bunBuildOptions> {
  if (!base || !options.compile) return options;
  const compile = typeof options.compile === "object" ? options.compile : { target: options.compile };
  return { ...options, compile: { ...compile, executablePath: base } as Bun.BuildConfig["compile"] };
}

/**
 * The executable's place: the config's `compile.outfile`, else Bun's own name
 * for it (the first entrypoint's file name without its extension; Bun adds
 * `.exe` for Windows), inside `scratch`. An outfile and no outdir, because Bun
 * makes the sources of the map, beside the executable and inside it, relative
 * to an outdir, which would put the scratch folder's random path into the
 * output; with an outfile alone they are relative to the project, as
 * `bun build --compile --outfile` writes them (measured with Bun 1.4.5: the
 * same bytes, executable and map).
 */
function withCompileOutfile(options: BunOptions, scratch: string | undefined, entrypoints: readonly string[]): BunOptions {
  if (scratch === undefined || !options.compile) return options;
  const compile = typeof options.compile === "object" ? options.compile : typeof options.compile === "string" ? { target: options.compile } : {};
  const outfile = (compile as { outfile?: string }).outfile ?? basename(entrypoints[0]!).replace(/\.[^.]*$/, "");
  return { ...options, compile: { ...compile, outfile: join(scratch, outfile) } as Bun.BuildConfig["compile"] };
}

/**
 * The plan's builds, one Bun.build each, one after another in the plan's
 * order (sorted by name): at once they would race for the same cores and
 * their logs would interleave. Their outputs go into the one artifact, each
 * under its build's folder; what they read is merged, since inputs are the
 * project's paths whichever build read them.
 */
async function bundle(plan: BuildPlan): Promise<{ result: WorkerResult; metafile?: unknown; outputs?: OutputSource[] }> {
  const started = performance.now();
  const logs: string[] = [];
  const metafiles: [string, Bun.BuildMetafile][] = [];
  const outputs: OutputSource[] = [];
  const entrypoints: string[] = [];
  const plugins: string[] = [];
  try {
    for (const build of plan.builds) {
      const label = (lines: string[]) => (build.name === "" ? lines : lines.map((line) => `builds.${build.name}: ${line}`));
      let one: Awaited<ReturnType<typeof bundleOne>>;
      try {
        one = await bundleOne(plan, build);
      } catch (error) {
        logs.push(...label(errorLogs(error)));
        return { result: { kind: "failed", durationMs: performance.now() - started, logs } };
      }
      logs.push(...label(one.logs));
      if (!one.ok || !one.metafile || !one.outputs) return { result: { kind: "failed", durationMs: performance.now() - started, logs } };
      metafiles.push([build.name, one.metafile]);
      outputs.push(...one.outputs);
      entrypoints.push(...one.entrypoints.map((e) => (build.name === "" ? e : `${build.name}:${e}`)));
      plugins.push(...one.plugins);
    }
    const durationMs = performance.now() - started;
    // The single form's metafile digest is the one it always had; several builds' is taken over { name: metafile }.
    const metafile = metafiles.length === 1 && metafiles[0]![0] === "" ? metafiles[0]![1] : Object.fromEntries(metafiles);
    const summary = mergeSummaries(metafiles.map(([, m]) => summarize(m)));
    return { result: { kind: "built", durationMs, metafile: { ...summary, entrypoints, plugins: [...new Set(plugins)] }, logs }, metafile, outputs };
  } catch (error) {
    return { result: { kind: "failed", durationMs: performance.now() - started, logs: [...logs, ...errorLogs(error)] } };
  }
}

/** Every file under `dir`, as the outputs of the build, with the mode Bun gave it. */
async function writtenFiles(dir: string): Promise<OutputSource[]> {
  const paths = [...new Bun.Glob("**/*").scanSync({ cwd: dir, onlyFiles: true, dot: true })].sort();
  return paths.map((path) => {
    const full = join(dir, path);
    return { path, executable: (statSync(full).mode & 0o111) !== 0, arrayBuffer: () => Bun.file(full).arrayBuffer() };
  });
}

/** The config's `copy`: files of the commit, read here in the sandbox, packed as they are (mode as committed). */
function copiedFiles(plan: BuildPlan): OutputSource[] {
  return (plan.copy ?? []).map(({ from, to }) => {
    const path = join(plan.projectDir, from);
    return { path: to, executable: (statSync(path).mode & 0o111) !== 0, arrayBuffer: () => Bun.file(path).arrayBuffer() };
  });
}

function errorLogs(error: unknown): string[] {
  const aggregate = error as { errors?: unknown[]; message?: string };
  return Array.isArray(aggregate.errors) ? aggregate.errors.map((e) => formatLog(e)) : [String(aggregate.message ?? error)];
}

function summarize(metafile: Bun.BuildMetafile): MetafileSummary {
  const relativeExternals: MetafileSummary["relativeExternals"] = [];
  for (const [importer, input] of Object.entries(metafile.inputs)) {
    for (const imp of input.imports) {
      if (imp.external && (imp.path.startsWith("./") || imp.path.startsWith("../"))) relativeExternals.push({ importer, path: imp.path });
    }
  }
  return { inputs: Object.keys(metafile.inputs), relativeExternals };
}

/** Inputs once each, in first-seen order: a module both builds bundle was read once as far as the record goes. */
function mergeSummaries(summaries: readonly MetafileSummary[]): MetafileSummary {
  if (summaries.length === 1) return summaries[0]!;
  const seen = new Set<string>();
  const relativeExternals: MetafileSummary["relativeExternals"] = [];
  for (const summary of summaries) {
    for (const imp of summary.relativeExternals) {
      const key = `${imp.importer}\0${imp.path}`;
      if (!seen.has(key)) relativeExternals.push(imp);
      seen.add(key);
    }
  }
  return { inputs: [...new Set(summaries.flatMap((s) => s.inputs))], relativeExternals };
}

function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => process.send!(message, undefined, undefined, () => resolve()));
}

function formatLog(log: unknown): string {
  const entry = log as { message?: string; position?: { file?: string; line?: number; column?: number } | null };
  const where = entry.position?.file ? `${entry.position.file}:${entry.position.line ?? 0}:${entry.position.column ?? 0}: ` : "";
  return `${where}${entry.message ?? String(log)}`;
}

// bunseal went away (killed, or it failed before sending a plan): nothing left to build for.
process.once("disconnect", () => process.exit(0));

/**
 * Two messages, each as soon as its content is ready: what the build read
 * (bunseal hashes those inputs meanwhile), then that the tar is written and
 * the metafile's digest. Both are claims: a macro runs in this process and can
 * send messages of its own, so bunseal times the build on its own clock, ends
 * the sandbox, and reads and hashes the tar itself.
 */
process.once("message", async (plan: BuildPlan) => {
  // code generation first, in this sandbox: what it writes is what the bundle reads
  const started = performance.now();
  const failed = await runPrebuild(plan.prebuild ?? [], plan.projectDir, plan.env).then(
    (prebuild) => (prebuild ? { logs: [], prebuild } : undefined),
    (error: unknown) => ({ logs: [`prebuild could not be started: ${errorLogs(error).join("; ")}`] }),
  );
  if (failed) {
    await send({ kind: "failed", durationMs: performance.now() - started, ...failed });
    process.disconnect?.();
    return;
  }
  const { result, metafile, outputs } = await bundle(plan);
  await send(result);
  if (metafile && outputs) {
    try {
      await packOutputs([...outputs, ...copiedFiles(plan)], plan.tarPath, plan.sourceDateEpoch);
      await send({ kind: "finished", metafileSha256: sortedMetafileDigest(metafile) });
    } catch (error) {
      await send({ kind: "failed", durationMs: result.durationMs, logs: errorLogs(error), io: typeof (error as { code?: unknown }).code === "string" });
    }
  }
  // Disconnect only once the messages are flushed.
  process.disconnect?.();
});
