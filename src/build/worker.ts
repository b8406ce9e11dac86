/**
 * The build itself, run as a child process so that it sees only the
 * environment the plan allows (macros run at build time and can read
 * process.env). Receives the plan over IPC, answers with the result over IPC;
 * stdout and stderr stay free for whatever macros print.
 */
import type { BunPlugin } from "bun";
import type { BuildPlan } from "./plan.ts";
import { sortedMetafileDigest } from "../inputs/metafile.ts";
import { packOutputs } from "./pack-outputs.ts";
import { syncFile } from "../util/atomic-write.ts";
import { sha256HexAsync } from "../util/digest.ts";
import type { MetafileSummary, WorkerMessage, WorkerResult } from "./worker-protocol.ts";

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

async function run(plan: BuildPlan): Promise<{ result: WorkerResult; metafile?: Bun.BuildMetafile; tar?: Uint8Array }> {
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
    const logs = result.logs.map((log) => formatLog(log));
    if (!result.success || !result.metafile) return { result: { kind: "failed", durationMs, logs } };
    const packed = await packOutputs(plan.outdir, plan.tarPath, plan.sourceDateEpoch);
    return { result: { kind: "built", durationMs, metafile: summarize(result.metafile), package: packed.summary, logs }, metafile: result.metafile, tar: packed.tar };
  } catch (error) {
    const aggregate = error as { errors?: unknown[]; message?: string };
    const logs = Array.isArray(aggregate.errors) ? aggregate.errors.map((e) => formatLog(e)) : [String(aggregate.message ?? error)];
    return { result: { kind: "failed", durationMs: performance.now() - started, logs } };
  }
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

function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => process.send!(message, undefined, undefined, () => resolve()));
}

function formatLog(log: unknown): string {
  const entry = log as { message?: string; position?: { file?: string; line?: number; column?: number } | null };
  const where = entry.position?.file ? `${entry.position.file}:${entry.position.line ?? 0}:${entry.position.column ?? 0}: ` : "";
  return `${where}${entry.message ?? String(log)}`;
}

process.once("message", async (plan: BuildPlan) => {
  const { result, metafile, tar } = await run(plan);
  await send(result);
  if (metafile && tar) {
    // Three independent jobs at once: the tar's digest on the thread pool, its fsync in the kernel, the metafile's digest here.
    const tarDigest = sha256HexAsync(tar);
    const synced = syncFile(plan.tarPath);
    const metafileSha256 = sortedMetafileDigest(metafile);
    const [tarSha256] = await Promise.all([tarDigest, synced]);
    await send({ kind: "finished", tarSha256, metafileSha256 });
  }
  // Disconnect only once the messages are flushed.
  process.disconnect?.();
});
