/**
 * How the build's reads are traced, chosen once per build: fanotify when
 * bunseal runs as root (the kernel reports each open, the build is not
 * slowed), else strace inside the sandbox (every open stops the build: correct
 * but slow), else not at all, and the record and a warning say so.
 */
import { rm } from "node:fs/promises";
import { BunsealError } from "../errors.ts";
import { watchOpens } from "./fanotify.ts";
import { parseTrace } from "./read-trace.ts";

export type TracerKind = "fanotify" | "strace" | "untraced";

export interface ReadSession {
  /** the build's process, once started: its namespace is the one traced */
  follow(pid: number): void;
  /** once the worker has sent its last message: the absolute paths it opened under the roots (`exited` for a tracer that writes as it goes) */
  finish(exited: Promise<unknown>): Promise<string[]>;
  /** stops tracing and forgets what was seen (a failed build) */
  abandon(): Promise<void>;
}

export interface ReadTracer {
  kind: TracerKind;
  /** command prefix to put inside the sandbox, before the worker (strace only) */
  argv: string[];
  /** starts tracing; called right before the worker starts */
  start(): ReadSession;
}

const NOTHING: ReadSession = { follow: () => {}, finish: async () => [], abandon: async () => {} };

export const untraced: ReadTracer = { kind: "untraced", argv: [], start: () => NOTHING };

/** Whether fanotify can watch these roots here (root, Linux, a kernel that allows file-system marks). */
export function fanotifyWorks(roots: readonly string[]): boolean {
  const probe = watchOpens(roots);
  probe?.close();
  return probe !== undefined;
}

export function fanotifyTracer(roots: readonly string[]): ReadTracer {
  return {
    kind: "fanotify",
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
          return opened;
        },
        async abandon() {
          stop();
        },
      };
    },
  };
}

/** strace writes to `traceFile`, which the sandbox shows writable (it exists before the build starts). */
export function straceTracer(argv: string[], traceFile: string): ReadTracer {
  return {
    kind: "strace",
    argv,
    start() {
      return {
        follow: () => {},
        async finish(exited) {
          await exited;
          const text = await Bun.file(traceFile).text();
          await rm(traceFile, { force: true });
          return parseTrace(text);
        },
        abandon: () => rm(traceFile, { force: true }),
      };
    },
  };
}
