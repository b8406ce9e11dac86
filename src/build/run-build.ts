/**
 * Stage `build`: carry out a BuildPlan in a child Bun process with a
 * sanitised environment, and hand back what it produced.
 */
import { BunsealError } from "../errors.ts";
import type { BuildPlan } from "./plan.ts";
import type { WorkerResult } from "./worker-protocol.ts";

const WORKER = new URL("./worker.ts", import.meta.url).pathname;

export interface BuildResult {
  metafile: Metafile;
  durationMs: number;
  logs: string[];
}

/** The part of Bun's metafile bunseal reads. */
export interface Metafile {
  inputs: Record<string, { bytes: number; imports: { path: string; kind: string; external?: boolean; original?: string }[] }>;
  outputs: Record<string, unknown>;
}

export async function runBuild(plan: BuildPlan, bunPath: string = process.execPath): Promise<BuildResult> {
  let result: WorkerResult | undefined;
  const proc = Bun.spawn([bunPath, WORKER], {
    cwd: plan.projectDir,
    env: plan.env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    ipc(message) {
      result = message as WorkerResult;
    },
    serialization: "json",
  });
  proc.send(plan);
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (result === undefined) {
    throw new BunsealError("BUN_FAILED", `the build process exited (status ${exitCode}) without a result; its output:\n${(stderr || stdout).trimEnd().split("\n").slice(-12).join("\n")}`);
  }
  if (!result.ok) {
    throw new BunsealError("BUILD_FAILED", `bun build failed:\n  ${result.logs.join("\n  ")}`, { expected: "a successful build", found: `${result.logs.length} error(s)` });
  }
  return { metafile: result.metafile as Metafile, durationMs: result.durationMs, logs: result.logs };
}
