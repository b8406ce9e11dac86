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
  /** command prefix to put before the sandbox, outside it (strace only); its first word is the tracer's program */
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

/**
 * strace writes to `traceFile`, in a folder of its own outside every mount the
 * sandbox shows; the folder goes with the trace. Paths in the trace are read
 * through the sandbox's mounts, which show each file at its path on this machine.
 */
export function straceTracer(argv: string[], traceFile: string): ReadTracer {
  const folder = dirname(traceFile);
  return {
    kind: "strace",
    argv,
    start() {
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
          return parseTrace(text);
        },
        abandon: forget,
      };
    },
  };
}
