/**
 * Stage `build`: carry out a BuildPlan in a child Bun process with a
 * sanitised environment, in its sandbox. What the worker says (the metafile,
 * that the tar is written) is a claim: the project's macros run in the worker
 * and can send messages on its channel. What bunseal believes it measures
 * here: the build's time, on this process's clock from spawn to the moment the
 * sandbox and every process in it are dead, and that nothing in it runs on
 * when the tar is read.
 */
import { BunsealError } from "../errors.ts";
import type { BuildPlan } from "./plan.ts";
import { basename } from "node:path";
import { killTree, waitGone } from "./process-tree.ts";
import { registerStopper } from "../util/scratch-registry.ts";
import { prebuildFailureMessage } from "./prebuild.ts";
import { workerMessageProblem, type MetafileSummary, type WorkerFinished, type WorkerMessage } from "./worker-protocol.ts";
import { ownScript } from "../release/own-script.ts";

const WORKER = ownScript(new URL("./worker.ts", import.meta.url));

export interface BuildResult {
  /** the worker's claim of what Bun.build read: each input is hashed by bunseal, and reads outside it are traced */
  metafile: MetafileSummary;
  /** what Bun.build logged, as the worker tells it: for messages only */
  logs: string[];
  /**
   * Settles once the worker has said the tar is written and the sandbox is
   * gone, every process in it dead: the build's duration on bunseal's clock
   * (spawn to that moment) and the worker's digest of the sorted metafile.
   */
  sealed: Promise<{ durationMs: number; metafileSha256: string }>;
  /** ends the worker and waits for it, so nothing it writes can land after the caller has cleaned up */
  stop(): Promise<void>;
  /** settles when the worker (and its tracer) has exited, so that what they wrote is complete */
  exited: Promise<number>;
}

/** One promise per message kind the worker sends, each settled once; anything else on the channel is a violation, kept. */
function mailbox(onViolation: () => void) {
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
  const arrived: string[] = [];
  let violation: string | undefined;
  return {
    deliver(raw: unknown) {
      const problem = workerMessageProblem(raw);
      if (problem !== undefined) {
        violation ??= problem;
        onViolation();
        return;
      }
      const message = raw as WorkerMessage;
      arrived.push(message.kind);
      // a failure answers whichever message was awaited next
      if (message.kind === "failed") for (const kind of ["built", "finished"]) slot(kind).resolve(message);
      else slot(message.kind).resolve(message);
    },
    violation: () => violation,
    /** whether a message of kind `a` came before any of kind `b` */
    before: (a: string, b: string) => arrived.includes(a) && !arrived.slice(0, arrived.indexOf(a)).includes(b),
    next: (kind: "built" | "finished") => slot(kind).promise,
  };
}

export interface RunOptions {
  /** the command prefix that puts the worker in its sandbox (src/sandbox/boundary.ts); empty for none */
  sandbox?: readonly string[];
  /** `budgets.maxBuildMs`: the sandbox is ended when it has not ended by then (the clock is this process's, from spawn) */
  budgetMs?: number;
  /** the hard limit for the whole worker (`--timeout`) */
  timeoutMs?: number;
  /** told the worker's process id as soon as it is started (the read trace follows it) */
  onSpawn?: (pid: number) => void;
  /** the program of a tracer wrapped around the sandbox (strace): spared when the sandbox is ended, so it writes out its trace */
  tracer?: string;
  /** what bunseal, outside the sandbox, adds to Bun's failure lines (a macro module it hid: src/build/macro-error.ts) */
  explainLogs?: (logs: string[]) => string[];
}

/** The default hard limit of a build worker: long enough for any real bundle, short enough that a hung macro does not hold CI for hours. */
export const DEFAULT_BUILD_TIMEOUT_MS = 15 * 60_000;

export function runBuild(plan: BuildPlan, bunPath: string = process.execPath, options: RunOptions = {}): Promise<BuildResult> {
  // a message that is none of bunseal's ends the build: only something other than bunseal's worker sends one
  const mail = mailbox(() => end());
  const started = performance.now();
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
    ipc: (message: unknown) => mail.deliver(message),
  });
  let endedAt: number | undefined;
  const ended = proc.exited.then(() => (endedAt = performance.now()));
  options.onSpawn?.(proc.pid);
  proc.send(plan);
  // Drain the pipes as the worker runs: a macro that prints a lot must not stall the build.
  const output = Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  const exited = proc.exited.then(async (code) => {
    // without a sandbox a process the build left behind may hold the pipes open: its output is not waited for
    let timer: ReturnType<typeof setTimeout> | undefined;
    const [stdout, stderr] = await Promise.race([output, new Promise<string[]>((resolve) => (timer = setTimeout(() => resolve(["", ""]), 1000)))]).finally(() => clearTimeout(timer));
    return { code, text: (stderr || stdout).trimEnd().split("\n").slice(-12).join("\n") };
  });
  // The sandbox is ended from outside, every process in it: a macro can leave
  // one behind, and a process that runs on could write the tar after it is read.
  // faketime (check's and rebuild's clock) forks what it wraps and removes its named semaphore when
  // that exits: killed, it left one in /dev/shm each time, and a later faketime given the same pid failed
  // (`sem_open: File exists`). It is outside the sandbox, bunseal's own tool: it is spared, and exits.
  // wherever it stands in the chain (after check's user switch it runs as that user)
  const forkingWrapper = plan.wrapper.find((word) => basename(word) === "faketime");
  let killed: ReturnType<typeof killTree> = [];
  const end = () => {
    killed = [...killed, ...killTree(proc.pid, options.tracer, forkingWrapper)];
  };
  // an interrupt of bunseal ends the sandbox too, and its tracer, not only bunseal (src/cli/main.ts)
  const forget = registerStopper(() => void killTree(proc.pid));
  void proc.exited.then(() => forget());
  // Limits are enforced by killing the sandbox, not by asking the worker: a macro in an
  // endless loop never yields to a timer inside the worker, and a message that says the
  // bundle is done is only what a macro may have sent. So both run until the sandbox exits.
  let stopped: BunsealError | undefined;
  const limit = (ms: number | undefined, error: () => BunsealError) => {
    if (ms === undefined) return undefined;
    return setTimeout(() => {
      stopped ??= error();
      end();
    }, ms);
  };
  const budgetTimer = limit(options.budgetMs, () => new BunsealError("BUDGET_EXCEEDED", `the build is over its budget:\n  budgets.maxBuildMs: expected at most ${options.budgetMs} ms; the build was stopped at that time`, { field: "budgets.maxBuildMs", expected: `at most ${options.budgetMs} ms`, found: "still running, stopped" }));
  const timeoutMs = options.timeoutMs ?? DEFAULT_BUILD_TIMEOUT_MS;
  const hardTimer = limit(timeoutMs, () => new BunsealError("TIMED_OUT", `the build ran longer than the --timeout of ${Math.round(timeoutMs / 1000)} s and was stopped; expected it to finish in time (raise --timeout if the build is really that long)`, { field: "--timeout", expected: `at most ${timeoutMs} ms`, found: "still running, stopped" }));
  void proc.exited.then(() => {
    clearTimeout(budgetTimer);
    clearTimeout(hardTimer);
  });
  // "the tar is written" (or "failed"): nothing more is wanted from the sandbox, so it ends now
  void mail.next("finished").then(end);
  const receive = <K extends "built" | "finished">(kind: K): Promise<Extract<WorkerMessage, { kind: K }>> =>
    Promise.race([
      mail.next(kind),
      exited.then(({ code, text }) => {
        if (stopped) throw stopped;
        const violation = mail.violation();
        if (violation !== undefined) throw new BunsealError("BUILD_FAILED", `the build worker sent a message that is not bunseal's (${violation}); a macro can speak on the worker's channel, so the build was ended and nothing is signed`, { expected: "the worker's messages", found: violation });
        // a "finished" before "built" is no worker of bunseal's: only a macro sends that
        if (mail.before("finished", "built")) throw new BunsealError("BUILD_FAILED", `the build worker said the tar was written before it reported the bundle; a macro can speak on the worker's channel, so the build was ended and nothing is signed`, { expected: "the bundle reported before the tar", found: "the tar reported first" });
        throw new BunsealError("BUN_FAILED", `the build process exited (status ${code}) before it reported "${kind}"; its output:\n${text}`);
      }),
    ]).then((message) => {
      if (message.kind === "failed") {
        if (message.prebuild) throw new BunsealError("PREBUILD_FAILED", prebuildFailureMessage(message.prebuild), { field: `prebuild[${message.prebuild.index}]`, expected: "exit status 0", found: message.prebuild.status === null ? `killed by ${message.prebuild.signal ?? "a signal"}` : `exit status ${message.prebuild.status}` });
        if (message.io) throw new BunsealError("IO_FAILED", `the build could not write its artifact: ${message.logs.join("; ")}`, { file: plan.tarPath, expected: "a writable out folder with room" });
        const logs = options.explainLogs?.(message.logs) ?? message.logs;
        throw new BunsealError("BUILD_FAILED", `bun build failed:\n  ${logs.join("\n  ")}`, { expected: "a successful build", found: `${logs.length} error(s)` });
      }
      return message as Extract<WorkerMessage, { kind: K }>;
    });

  const sealed = receive("finished").then(async (message: WorkerFinished) => {
    await ended;
    if (!(await waitGone(killed))) throw new BunsealError("BUILD_FAILED", "the build's processes did not end within 10 s of being killed; nothing is read from a sandbox that may still write", { expected: "every process of the sandbox ended" });
    if (stopped) throw stopped;
    // A "finished" before "built" is a macro's, whichever way the race went: when the worker's own
    // "built" still arrived before the kill, this is where the forgery shows (its digests are not the tar's)
    if (mail.before("finished", "built")) throw new BunsealError("BUILD_FAILED", `the build worker said the tar was written before it reported the bundle; a macro can speak on the worker's channel, so the build was ended and nothing is signed`, { expected: "the bundle reported before the tar", found: "the tar reported first" });
    const violation = mail.violation();
    if (violation !== undefined) throw new BunsealError("BUILD_FAILED", `the build worker sent a message that is not bunseal's (${violation}); a macro can speak on the worker's channel, so nothing is signed`, { expected: "the worker's messages", found: violation });
    return { durationMs: endedAt! - started, metafileSha256: message.metafileSha256 };
  });
  // observed by the caller only after a successful build
  sealed.catch(() => undefined);
  const stop = async () => {
    end();
    await proc.exited;
    await waitGone(killed);
  };
  return receive("built").then((message) => ({ metafile: message.metafile, logs: message.logs, sealed, stop, exited: proc.exited }));
}
