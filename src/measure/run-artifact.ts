/**
 * One run of an artifact, measured from outside: it is started in its
 * sandbox (run-sandbox.ts), behind a gate; a prober of bunseal's joins its
 * network namespace only (prober.ts); the gate opens and bunseal's clock
 * starts. Ready is the prober's first 2xx on the ready path, a line of
 * stdout that matches, or the process ending with 0; memory is read from
 * /proc (process-memory.ts); a service then serves `load`, timed by the
 * prober. At the end the sandbox and the prober are killed with everything
 * below them, and bunseal waits until each process is gone.
 *
 * What the artifact does is a finding, never an error of bunseal's: a crash
 * before ready or under load, a start that never gets ready. An error is
 * thrown only when bunseal could not measure at all (no sandbox here, a
 * sandbox or prober that would not start).
 */
import { existsSync } from "node:fs";
import type { z } from "../vendor/zod.js";
import type { LoadSchema } from "../config/schema.ts";
import { BunsealError } from "../errors.ts";
import { killTree, waitGone } from "../build/process-tree.ts";
import { sandboxAvailability, switchesUser } from "../sandbox/bwrap.ts";
import { explainUnavailable, readMachineFacts } from "../sandbox/unavailable.ts";
import { registerStopper } from "../util/scratch-registry.ts";
import type { RunSample } from "./predicate.ts";
import { sampleMemory } from "./process-memory.ts";
import { GATE_LINE, INFO_FD, runArgv, runEnv, type RunConfig } from "./run-sandbox.ts";
import { lineReader } from "./lines.ts";
import { holdNetNamespace } from "./net-namespace.ts";
import { NSENTER, startProber, type ProberReports } from "./run-prober.ts";
import { within } from "./within.ts";

export { unpackArtifact } from "./unpack.ts";
export type { RunConfig } from "./run-sandbox.ts";
export type LoadConfig = z.output<typeof LoadSchema>;

export interface RunTarget {
  /** the unpacked artifact (read-only to the run); the command's relative paths resolve here */
  dir: string;
  run: RunConfig;
  load?: LoadConfig;
  /** the Bun that runs `bun` in run.command (the artifact's recorded Bun when available) */
  bunPath: string;
  /** a run that is not ready by then is stopped: neverReady */
  timeoutMs: number;
}

/** how often memory is read */
const MEMORY_EVERY_MS = 15;
/** how long the sandbox and the prober may take to be in place before the gate opens: bunseal's own set-up */
const SETUP_LIMIT_MS = 30_000;
/** the load is stopped when it takes longer than this many times the timeout (each request has the timeout itself) */
const LOAD_LIMIT_FACTOR = 20;

export async function runOnce(target: RunTarget, progress: (line: string) => void = () => {}): Promise<RunSample> {
  const available = await sandboxAvailability();
  // never run the artifact unsandboxed: it is as hostile as the project it was built from
  if (!available.bwrap) throw noSandbox(available);
  if (!existsSync(NSENTER)) throw new BunsealError("SANDBOX_UNAVAILABLE", `no prober can reach the artifact's sandbox: nsenter (Debian package util-linux) is not at ${NSENTER}; expected it there to join the sandbox's network namespace`, { field: "sandbox", expected: NSENTER, found: "missing" });
  const { run, load } = target;
  const ready = run.ready;
  const serves = !("exit" in ready);
  const loads = serves && load !== undefined;
  const probes = "http" in ready || loads;
  const pattern = "stdout" in ready ? readyPattern(ready.stdout) : undefined;

  const proc = Bun.spawn(runArgv(available.bwrap, target.dir, run.command, target.bunPath), {
    cwd: target.dir,
    env: runEnv(run, target.bunPath),
    stdio: ["pipe", "pipe", "pipe", "pipe"],
  });
  let prober: { pid: number; exited: Promise<number> } | undefined;
  const killed: ReturnType<typeof killTree>[] = [];
  const stopAll = () => {
    killed.push(killTree(proc.pid));
    if (prober) killed.push(killTree(prober.pid));
  };
  // an interrupt of bunseal ends the artifact and the prober too
  const forget = registerStopper(stopAll);

  let exit: { code: number | null; at: number } | undefined;
  const exited = proc.exited.then((code) => (exit = { code, at: performance.now() }));
  const stderr = lineReader(proc.stderr as ReadableStream<Uint8Array>);
  const stdout = lineReader(proc.stdout as ReadableStream<Uint8Array>);
  const problem = (what: string) => {
    const printed = stdout.last();
    const last = stderr.complaint() ?? (printed === GATE_LINE ? undefined : printed);
    return last === undefined ? what : `${what}: ${last}`;
  };

  try {
    // --- set-up, bunseal's own: the sandbox's first process, the prober in its network, the gate
    const info = await within(SETUP_LIMIT_MS, readInfo(proc.stdio[INFO_FD] as number));
    const gate = stdout.next();
    if (info === undefined) throw await setupFailed("bwrap reported no sandbox process", proc, stderr);
    let reports: ProberReports | undefined;
    if (probes) {
      // as root the sandbox has no user namespace of its own (bwrap runs as root, setpriv drops the uid)
      const held = await holdNetNamespace(info, !switchesUser());
      try {
        reports = startProber(held, loads ? load : undefined, run, target.timeoutMs);
      } finally {
        // nsenter has them as its own descriptors now
        held.close();
      }
      prober = reports.proc;
    }
    if (reports) {
      const up = await within(SETUP_LIMIT_MS, reports.next());
      if (!up?.up) throw new BunsealError("SANDBOX_UNAVAILABLE", `the prober could not join the artifact's network namespace (${(await reports.stderr()) || "no message"}); expected ${NSENTER} to enter it`, { field: "sandbox", expected: "a prober in the sandbox's network namespace", found: "not started" });
    }
    const line = await within(SETUP_LIMIT_MS, gate);
    if (line !== GATE_LINE) throw await setupFailed(`the sandbox did not reach its gate (${line === undefined ? "no output" : "other output"})`, proc, stderr);

    // --- the run: the clock starts as the gate opens
    const memory = sampleMemory(info, MEMORY_EVERY_MS);
    const started = performance.now();
    try {
      proc.stdin!.write("start\n");
      void proc.stdin!.flush();
    } catch {
      // the sandbox ended at its gate: its exit is seen below
    }
    progress("started");
    const readyAt = await within(target.timeoutMs, whenReady(ready, pattern, stdout, reports, exited.then(() => undefined)));
    const sample: RunSample = { coldStartMs: null, rssAtReadyBytes: null, peakRssBytes: null, requests: 0, failedRequests: 0, latenciesMs: [], crashed: false, neverReady: false };
    try {
      if ("exit" in ready) {
        // a job is ready when it ends: its memory is what it held while it ran
        memory.sample();
        if (exit === undefined) return { ...sample, neverReady: true, problem: `did not exit within ${target.timeoutMs} ms` };
        if (exit.code !== 0) return { ...sample, crashed: true, peakRssBytes: memory.peak() || null, problem: problem(`exited with status ${exit.code}`) };
        const peak = memory.peak();
        return { ...sample, coldStartMs: exit.at - started, rssAtReadyBytes: peak, peakRssBytes: peak };
      }
      if (readyAt === undefined) {
        const peak = memory.peak() || null;
        if (exit !== undefined) return { ...sample, crashed: true, peakRssBytes: peak, problem: problem(`exited with status ${exit.code} before it was ready`) };
        return { ...sample, neverReady: true, peakRssBytes: peak, problem: `not ready within ${target.timeoutMs} ms` };
      }
      const atReady = memory.sample();
      const ran: RunSample = { ...sample, coldStartMs: readyAt - started, rssAtReadyBytes: atReady };
      progress(`ready in ${Math.round(readyAt - started)} ms`);
      if (loads && reports) {
        reports.proc.stdin.write("load\n");
        void reports.proc.stdin.flush();
        const limit = target.timeoutMs * LOAD_LIMIT_FACTOR;
        const report = await within(limit, reports.nextLoad());
        memory.sample();
        if (report === undefined && reports.ended()) {
          // bunseal's own process failed, not the artifact: no figure of this run is to be trusted
          throw new BunsealError("BUN_FAILED", `the prober (bunseal's load generator, in the artifact's network) ended without its report (${(await reports.stderr()) || "no message"}); expected one line with every request's latency`, { expected: "the prober's load report", found: "it ended without one" });
        }
        if (report === undefined) {
          const why = exit !== undefined ? problem(`exited with status ${exit.code} under load`) : `the load did not finish within ${limit} ms`;
          return { ...ran, crashed: exit !== undefined, peakRssBytes: memory.peak(), requests: load.requests, failedRequests: load.requests, problem: why };
        }
        progress(`served ${report.requests} requests, ${report.failed} failed`);
        // failures may be a crash whose exit bunseal has not seen yet: a moment for it to arrive
        if (report.failed > 0) await within(200, exited);
        Object.assign(ran, { requests: report.requests, failedRequests: report.failed, latenciesMs: report.latenciesMs });
      }
      // ended on its own while it served: a crash under load, whatever its status
      if (exit !== undefined) return { ...ran, crashed: true, peakRssBytes: memory.peak(), problem: problem(`exited with status ${exit.code} while it served`) };
      return { ...ran, peakRssBytes: Math.max(memory.peak(), atReady) };
    } finally {
      memory.stop();
    }
  } finally {
    stopAll();
    await Promise.all([proc.exited, prober?.exited]);
    await Promise.all(killed.map((procs) => waitGone(procs)));
    forget();
  }
}

/**
 * The build's refusal (SANDBOX_UNAVAILABLE, the same explanation and fix for
 * this machine), in a run's words: there is no --no-sandbox way out for a run.
 */
function noSandbox(seen: Parameters<typeof explainUnavailable>[0]): BunsealError {
  const { cause, why, fix } = explainUnavailable(seen, readMachineFacts());
  const said = (seen.stderr ?? seen.reason ?? "").trim().split("\n").at(-1)?.replace(/^bwrap:\s*/, "") ?? "";
  return new BunsealError("SANDBOX_UNAVAILABLE", [`no sandbox can run on this machine: ${why}. bunseal runs an artifact only inside its sandbox, so nothing was run.`, "  fix:", ...fix.map((line) => `    ${line}`)].join("\n"), { field: "sandbox", expected: "bubblewrap able to make namespaces", found: `${cause}: ${said}` });
}

/** bwrap's `--info-fd` JSON: the pid, in bunseal's PID namespace, of the sandbox's first process. */
async function readInfo(fd: number): Promise<number | undefined> {
  let text = "";
  for await (const chunk of Bun.file(fd).stream()) {
    text += new TextDecoder().decode(chunk);
    // bwrap writes one object and closes the descriptor
    const match = /"child-pid"\s*:\s*(\d+)/.exec(text);
    if (match && text.includes("}")) return Number(match[1]);
  }
  const match = /"child-pid"\s*:\s*(\d+)/.exec(text);
  return match ? Number(match[1]) : undefined;
}

async function setupFailed(what: string, proc: { exited: Promise<number> }, stderr: { last(): string | undefined }): Promise<BunsealError> {
  await within(1000, proc.exited);
  const said = stderr.last();
  return new BunsealError("SANDBOX_UNAVAILABLE", `the artifact's sandbox did not start: ${what}${said ? ` (${said})` : ""}; nothing of the artifact ran`, { field: "sandbox", expected: "the sandbox at its gate", found: said ?? what });
}

/** `ready.stdout`, matched against each line of stdout (without its newline). */
function readyPattern(source: string): RegExp {
  try {
    return new RegExp(source);
  } catch (cause) {
    throw new BunsealError("CONFIG_INVALID", `bunseal.json: run.ready.stdout is not a regular expression (${(cause as Error).message}); expected a pattern a line of stdout matches`, { file: "bunseal.json", field: "run.ready.stdout", expected: "a regular expression", found: source, cause });
  }
}

/** When the run is ready on bunseal's clock; undefined when the process ended first. */
function whenReady(ready: RunConfig["ready"], pattern: RegExp | undefined, stdout: ReturnType<typeof lineReader>, reports: ProberReports | undefined, ended: Promise<undefined>): Promise<number | undefined> {
  if ("exit" in ready) return ended.then(() => performance.now());
  if ("http" in ready || pattern === undefined) return Promise.race([reports!.nextReady(), ended]);
  // stdout ends a moment before the process is seen to exit: the exit decides, as a crash
  const seen = stdout.until((line) => pattern.test(line)).then((line) => (line === undefined ? ended : performance.now()));
  return Promise.race([seen, ended]);
}
