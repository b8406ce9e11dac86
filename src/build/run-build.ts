/**
 * Stage `build`: carry out a BuildPlan in a child Bun process with a
 * sanitised environment, and hand back what it produced, piece by piece as
 * the worker reports it (see worker.ts for the order).
 */
import { BunsealError } from "../errors.ts";
import type { BuildPlan } from "./plan.ts";
import type { MetafileSummary, PackageSummary, WorkerFinished, WorkerMessage } from "./worker-protocol.ts";

const WORKER = new URL("./worker.ts", import.meta.url).pathname;

export interface BuildResult {
  metafile: MetafileSummary;
  /** Bun.build alone, as timed inside the worker */
  durationMs: number;
  logs: string[];
  /** the outputs as the worker packed them into plan.tarPath */
  packed: Promise<PackageSummary>;
  /** the tar's digest (once it is synced to disk) and the sorted metafile's */
  finished: Promise<Omit<WorkerFinished, "kind">>;
  /** ends the worker and waits for it, so nothing it writes can land after the caller has cleaned up */
  stop(): Promise<void>;
  /** settles when the worker (and its tracer) has exited, so that what they wrote is complete */
  exited: Promise<number>;
}

/** One promise per message kind the worker sends, each settled once. */
function mailbox() {
  const slots = new Map<string, { promise: Promise<WorkerMessage>; resolve: (m: WorkerMessage) => void }>();
  const slot = (kind: string) => {
    let entry = slots.get(kind);
    if (!entry) {
      let resolve!: (m: WorkerMessage) => void;
      const promise = new Promise<WorkerMessage>((r) => (resolve = r));
      entry = { promise, resolve };
      slots.set(kind, entry);
    }
    return entry;
  };
  return {
    deliver(message: WorkerMessage) {
      // a failure answers whichever message was awaited next
      if (message.kind === "failed") for (const kind of ["built", "packed", "finished"]) slot(kind).resolve(message);
      else slot(message.kind).resolve(message);
    },
    next: (kind: "built" | "packed" | "finished") => slot(kind).promise,
  };
}

export interface RunOptions {
  /** the command prefix that puts the worker in its sandbox (src/sandbox/boundary.ts); empty for none */
  sandbox?: readonly string[];
  /** `budgets.maxBuildMs`: the worker is stopped when the bundle is not done by then */
  budgetMs?: number;
  /** the hard limit for the whole worker (`--timeout`) */
  timeoutMs?: number;
  /** told the worker's process id as soon as it is started (the read trace follows it) */
  onSpawn?: (pid: number) => void;
}

/** The default hard limit of a build worker: long enough for any real bundle, short enough that a hung macro does not hold CI for hours. */
export const DEFAULT_BUILD_TIMEOUT_MS = 15 * 60_000;

export function runBuild(plan: BuildPlan, bunPath: string = process.execPath, options: RunOptions = {}): Promise<BuildResult> {
  const mail = mailbox();
  // The environment is fixed when the process starts: macros do not see changes
  // a running process makes to process.env, so the plan's env is given here.
  // --no-env-file: Bun would otherwise load the project's .env files into the
  // worker, past the allowlist. The project's bunfig.toml (its preload) does
  // load here, in the sandbox, and is recorded as an input.
  const proc = Bun.spawn([...plan.wrapper, ...(options.sandbox ?? []), bunPath, "--no-env-file", WORKER], {
    cwd: plan.projectDir,
    env: plan.env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    serialization: "json",
    ipc: (message: WorkerMessage) => mail.deliver(message),
  });
  options.onSpawn?.(proc.pid);
  proc.send(plan);
  // Drain the pipes as the worker runs: a macro that prints a lot must not stall the build.
  const output = Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  const exited = proc.exited.then(async (code) => {
    const [stdout, stderr] = await output;
    return { code, text: (stderr || stdout).trimEnd().split("\n").slice(-12).join("\n") };
  });
  // Limits are enforced by killing the worker, not by asking it: a macro in an
  // endless loop never yields to a timer inside the worker.
  let stopped: BunsealError | undefined;
  const limit = (ms: number | undefined, error: () => BunsealError) => {
    if (ms === undefined) return undefined;
    return setTimeout(() => {
      stopped ??= error();
      proc.kill("SIGKILL");
    }, ms);
  };
  const budgetTimer = limit(options.budgetMs, () => new BunsealError("BUDGET_EXCEEDED", `the build is over its budget:\n  budgets.maxBuildMs: expected at most ${options.budgetMs} ms; the build was stopped at that time`, { field: "budgets.maxBuildMs", expected: `at most ${options.budgetMs} ms`, found: "still running, stopped" }));
  const timeoutMs = options.timeoutMs ?? DEFAULT_BUILD_TIMEOUT_MS;
  const hardTimer = limit(timeoutMs, () => new BunsealError("TIMED_OUT", `the build ran longer than the --timeout of ${Math.round(timeoutMs / 1000)} s and was stopped; expected it to finish in time (raise --timeout if the build is really that long)`, { field: "--timeout", expected: `at most ${timeoutMs} ms`, found: "still running, stopped" }));
  void proc.exited.then(() => {
    clearTimeout(budgetTimer);
    clearTimeout(hardTimer);
  });
  const receive = <K extends "built" | "packed" | "finished">(kind: K): Promise<Extract<WorkerMessage, { kind: K }>> =>
    Promise.race([
      mail.next(kind),
      exited.then(({ code, text }) => {
        if (stopped) throw stopped;
        throw new BunsealError("BUN_FAILED", `the build process exited (status ${code}) before it reported "${kind}"; its output:\n${text}`);
      }),
    ]).then((message) => {
      if (message.kind === "failed") {
        if (message.io) throw new BunsealError("IO_FAILED", `the build could not write its artifact: ${message.logs.join("; ")}`, { file: plan.tarPath, expected: "a writable out folder with room" });
        throw new BunsealError("BUILD_FAILED", `bun build failed:\n  ${message.logs.join("\n  ")}`, { expected: "a successful build", found: `${message.logs.length} error(s)` });
      }
      return message as Extract<WorkerMessage, { kind: K }>;
    });

  const packed = receive("packed").then((m) => m.package);
  const finished = receive("finished").then(({ tarSha256, metafileSha256 }) => ({ tarSha256, metafileSha256 }));
  // observed by the caller only after a successful build
  packed.catch(() => undefined);
  finished.catch(() => undefined);
  const stop = async () => {
    proc.kill("SIGKILL");
    await proc.exited;
  };
  return receive("built").then((message) => {
    // the bundle is done: the budget is about the bundle, the hard limit about the whole worker
    clearTimeout(budgetTimer);
    return { metafile: message.metafile, durationMs: message.durationMs, logs: message.logs, packed, finished, stop, exited: proc.exited };
  });
}
