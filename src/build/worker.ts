/**
 * The build itself, run as a child process so that it sees only the
 * environment the plan allows (macros run at build time and can read
 * process.env). Receives the plan over IPC, answers with the result over IPC;
 * stdout and stderr stay free for whatever macros print.
 */
import type { BunPlugin } from "bun";
import type { BuildPlan } from "./plan.ts";
import type { WorkerResult } from "./worker-protocol.ts";

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

function naming(options: BuildPlan["options"]): Bun.BuildConfig["naming"] {
  return options.naming;
}

async function run(plan: BuildPlan): Promise<WorkerResult> {
  const started = performance.now();
  const { options } = plan;
  try {
    const result = await Bun.build({
      entrypoints: plan.entrypoints,
      outdir: plan.outdir,
      target: options.target,
      format: options.format,
      minify: options.minify,
      sourcemap: options.sourcemap,
      splitting: options.splitting,
      external: options.external,
      define: options.define,
      naming: naming(options),
      metafile: true,
      throw: false,
      plugins: [buildInfoPlugin(plan.buildInfo)],
    });
    const durationMs = performance.now() - started;
    if (!result.success) {
      return { ok: false, durationMs, logs: result.logs.map((log) => formatLog(log)) };
    }
    return { ok: true, durationMs, metafile: result.metafile, logs: result.logs.map((log) => formatLog(log)) };
  } catch (error) {
    const aggregate = error as { errors?: unknown[]; message?: string };
    const logs = Array.isArray(aggregate.errors) ? aggregate.errors.map((e) => formatLog(e)) : [String(aggregate.message ?? error)];
    return { ok: false, durationMs: performance.now() - started, logs };
  }
}

function formatLog(log: unknown): string {
  const entry = log as { message?: string; position?: { file?: string; line?: number; column?: number } | null };
  const where = entry.position?.file ? `${entry.position.file}:${entry.position.line ?? 0}:${entry.position.column ?? 0}: ` : "";
  return `${where}${entry.message ?? String(log)}`;
}

process.once("message", async (plan: BuildPlan) => {
  const result = await run(plan);
  process.send!(result);
  process.disconnect?.();
});
