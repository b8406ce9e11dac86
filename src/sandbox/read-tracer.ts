/**
 * How the build's reads are traced, chosen once per build: fanotify when
 * bunseal runs as root (the kernel reports each open, the build is not
 * slowed), else strace wrapped around the sandbox (every open stops the build:
 * correct but slow), else not at all, and the record and a warning say so.
 * Either way the record is kept out of the build's reach: fanotify's queue is
 * read by bunseal, strace writes to a file no mount of the sandbox shows.
 */
import { rm } from "node:fs/promises";
import { dirname } from "node:path";
import { registerScratch, unregisterScratch } from "../util/scratch-registry.ts";
import { BunsealError } from "../errors.ts";
import { watchOpens } from "./fanotify.ts";
import { parseTrace, type TraceResult } from "./read-trace.ts";

export type TracerKind = "fanotify" | "strace" | "untraced";

export interface ReadSession {
  /** the build's process, once started: its namespace is the one traced */
  follow(pid: number): void;
  /**
   * once the worker has sent its last message: the absolute paths it opened under the roots, and
   * those its stat calls asked about (`exited` for a tracer that writes as it goes)
   */
  finish(exited: Promise<unknown>): Promise<TraceResult>;
  /** stops tracing and forgets what was seen (a failed build) */
  abandon(): Promise<void>;
}

export interface ReadTracer {
  kind: TracerKind;
  /** how the build's stat calls (reads of a file's metadata, which fanotify does not see) were traced */
  stats: "strace" | "untraced";
  /** command prefix to put before the sandbox, outside it (strace only); its first word is the tracer's program */
  argv: string[];
  /** starts tracing; called right before the worker starts */
  start(): ReadSession;
}

const NOTHING: ReadSession = { follow: () => {}, finish: async () => ({ opened: [], stated: [] }), abandon: async () => {} };

export const untraced: ReadTracer = { kind: "untraced", stats: "untraced", argv: [], start: () => NOTHING };

/** A strace run around the sandbox: its command prefix, the file it writes, and the folder the build starts in (for a legacy stat's relative path). */
export interface StraceRun {
  argv: string[];
  traceFile: string;
  cwd: string;
}

/** Whether fanotify can watch these roots here (root, Linux, a kernel that allows file-system marks). */
export function fanotifyWorks(roots: readonly string[]): boolean {
  const probe = watchOpens(roots);
  probe?.close();
  return probe !== undefined;
}

/**
 * fanotify for the opens. It has no event for a stat call, and a strace that
 * stops the build at those alone was measured too costly to add beside it: bare
 * `bun build` of the 10,000-module bench, medians of five alternating runs,
 * 3.8 s wall and 3.4 s CPU; under `strace --seccomp-bpf -e trace=%%stat` 6.5 s
 * and 6.8 s, though it stopped the build 10 times (being traced is the cost).
 * So as root the record says stats were not traced (`sandbox.stats: "untraced"`).
 */
export function fanotifyTracer(roots: readonly string[]): ReadTracer {
  return {
    kind: "fanotify",
    stats: "untraced",
    argv: [],
    start() {
      const watch = watchOpens(roots);
      if (!watch) throw new BunsealError("TRACE_INCOMPLETE", "fanotify could watch the build's file systems a moment ago and cannot now; expected it to keep working for the build", { expected: "a working fanotify" });
      // drained often, so that the processes behind the events can still be told apart
      const timer = setInterval(() => watch.drain(), 50);
      const stop = () => {
        clearInterval(timer);
        return watch.close();
      };
      return {
        follow: (pid) => watch.follow(pid),
        // no wait for the worker to exit: an open is queued by the kernel before open() returns,
        // so once the worker has reported its last message every open it made is in the queue
        async finish() {
          const opened = stop();
          if (watch.incomplete()) throw new BunsealError("TRACE_INCOMPLETE", "the kernel dropped open events: the trace of the build's reads is incomplete, so nothing is signed", { expected: "every open event" });
          return { opened, stated: [] };
        },
        async abandon() {
          stop();
        },
      };
    },
  };
}

/**
 * strace writes to `traceFile`, in a folder of its own outside every mount the
 * sandbox shows; the folder goes with the trace. Paths in the trace are read
 * through the sandbox's mounts, which show each file at its path on this machine.
 */
export function straceTracer(run: StraceRun): ReadTracer {
  return { kind: "strace", stats: "strace", argv: run.argv, start: () => straceSession(run) };
}

function straceSession({ traceFile, cwd }: StraceRun): ReadSession {
  const folder = dirname(traceFile);
  registerScratch(folder);
  const forget = async () => {
    await rm(folder, { recursive: true, force: true });
    unregisterScratch(folder);
  };
  return {
    follow: () => {},
    async finish(exited) {
      await exited;
      let text: string;
      try {
        text = await Bun.file(traceFile).text();
      } catch (cause) {
        throw new BunsealError("TRACE_INCOMPLETE", `strace left no trace of the build's reads at ${traceFile}; expected the file it was told to write`, { file: traceFile, expected: "strace's output", cause });
      } finally {
        await forget();
      }
      return parseTrace(text, cwd);
    },
    abandon: forget,
  };
}
