/**
 * Stage `build`: carry out a BuildPlan in a child Bun process with a
 * sanitised environment, and hand back what it produced.
 */
import { BunsealError } from "../errors.ts";
import type { BuildPlan } from "./plan.ts";
import type { MetafileSummary, PackageSummary, WorkerFinished, WorkerMessage } from "./worker-protocol.ts";

const WORKER = new URL("./worker.ts", import.meta.url).pathname;

export interface BuildResult {
  metafile: MetafileSummary;
  /** the outputs as the worker packed them into plan.tarPath */
  package: PackageSummary;
  /** Bun.build alone, as timed inside the worker */
  durationMs: number;
  logs: string[];
  /** the tar's digest (once it is synced to disk) and the sorted metafile's; the worker computes them while the caller checks the outputs */
  finished: Promise<Omit<WorkerFinished, "kind">>;
}

export function runBuild(plan: BuildPlan, bunPath: string = process.execPath): Promise<BuildResult> {
  let onResult!: (message: WorkerMessage) => void;
  let onFinished!: (message: WorkerFinished) => void;
  const first = new Promise<WorkerMessage>((resolve) => (onResult = resolve));
  const last = new Promise<WorkerFinished>((resolve) => (onFinished = resolve));
  const proc = Bun.spawn([bunPath, WORKER], {
    cwd: plan.projectDir,
    env: plan.env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    serialization: "json",
    ipc(message: WorkerMessage) {
      if (message.kind === "finished") onFinished(message);
      else onResult(message);
    },
  });
  proc.send(plan);
  // Drain the pipes as the worker runs: a macro that prints a lot must not stall the build.
  const output = Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  const exited = proc.exited.then(async (code) => {
    const [stdout, stderr] = await output;
    return { code, text: (stderr || stdout).trimEnd().split("\n").slice(-12).join("\n") };
  });
  const died = (what: string) =>
    exited.then(({ code, text }) => {
      throw new BunsealError("BUN_FAILED", `the build process exited (status ${code}) without ${what}; its output:\n${text}`);
    });

  const finished = Promise.race([last, died("finishing the package")]).then(({ tarSha256, metafileSha256 }) => ({ tarSha256, metafileSha256 }));
  finished.catch(() => undefined); // observed by the caller only after a successful build
  return Promise.race([first, died("a result")]).then((message) => {
    if (message.kind === "failed") {
      throw new BunsealError("BUILD_FAILED", `bun build failed:\n  ${message.logs.join("\n  ")}`, { expected: "a successful build", found: `${message.logs.length} error(s)` });
    }
    if (message.kind !== "built") throw new BunsealError("BUN_FAILED", `the build process sent ${message.kind} before its result`);
    return { metafile: message.metafile, package: message.package, durationMs: message.durationMs, logs: message.logs, finished };
  });
}
