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

/**
 * Bun.build with no outdir: the outputs stay in memory (nothing to write, read
 * back and delete), and sourcemap `sources` are relative to the project,
 * whatever folder the build runs in.
 */
async function bundle(plan: BuildPlan): Promise<{ result: WorkerResult; metafile?: Bun.BuildMetafile; outputs?: Bun.BuildArtifact[] }> {
  const started = performance.now();
  const { options } = plan;
  try {
    const result = await Bun.build({
      entrypoints: plan.entrypoints,
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
    return { result: { kind: "built", durationMs, metafile: summarize(result.metafile), logs }, metafile: result.metafile, outputs: result.outputs };
  } catch (error) {
    return { result: { kind: "failed", durationMs: performance.now() - started, logs: errorLogs(error) } };
  }
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
 * Three messages, each as soon as its content is ready, so bunseal works on
 * one while the worker makes the next: what the build read (bunseal hashes
 * those inputs), where each output sits in the packed tar (bunseal scans them
 * for secrets), and the digests of the tar (synced to disk) and the metafile.
 */
process.once("message", async (plan: BuildPlan) => {
  const { result, metafile, outputs } = await bundle(plan);
  await send(result);
  if (metafile && outputs) {
    try {
      const packed = await packOutputs(outputs, plan.tarPath, plan.sourceDateEpoch);
      await send({ kind: "packed", package: packed.summary });
      // Three independent jobs at once: the tar's digest on the thread pool, its fsync in the kernel, the metafile's digest here.
      const tarDigest = sha256HexAsync(packed.tar);
      const synced = syncFile(plan.tarPath);
      const metafileSha256 = sortedMetafileDigest(metafile);
      const [tarSha256] = await Promise.all([tarDigest, synced]);
      await send({ kind: "finished", tarSha256, metafileSha256 });
    } catch (error) {
      await send({ kind: "failed", durationMs: result.durationMs, logs: errorLogs(error), io: typeof (error as { code?: unknown }).code === "string" });
    }
  }
  // Disconnect only once the messages are flushed.
  process.disconnect?.();
});
