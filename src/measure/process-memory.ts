/**
 * The resident memory of a running artifact, read by bunseal from /proc
 * outside its sandbox: the sum of VmRSS over every process below the
 * sandbox's first process (bwrap's own init, whose few pages are bunseal's
 * machinery, not the artifact's). The artifact cannot shape this figure from
 * inside: it reads no file bunseal reads, and a process it forks or leaves
 * behind is still below the init and still counted.
 */
import { readFileSync } from "node:fs";
import { processTree } from "../build/process-tree.ts";

/** VmRSS of one process in bytes; 0 when it is gone or a zombie (no memory of its own any more). */
export function processRss(pid: number): number {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, "latin1");
  } catch {
    return 0;
  }
  const kib = /^VmRSS:\s+(\d+)\s+kB/m.exec(text)?.[1];
  return kib === undefined ? 0 : Number(kib) * 1024;
}

/** Bytes resident in every process below `init` (not `init` itself). */
export function treeRss(init: number): number {
  let sum = 0;
  for (const proc of processTree(init)) if (proc.pid !== init) sum += processRss(proc.pid);
  return sum;
}

export interface MemorySampler {
  /** the sum now, taken at once (at ready), and counted into the peak */
  sample(): number;
  /** the most seen so far */
  peak(): number;
  /** the last sum taken while something was resident */
  last(): number;
  stop(): void;
}

/**
 * Samples the sum every `everyMs` until stopped. A timer of bunseal's own
 * process: the sampling interval is its, whatever the artifact does.
 */
export function sampleMemory(init: number, everyMs = 15): MemorySampler {
  let peak = 0;
  let last = 0;
  const sample = () => {
    const now = treeRss(init);
    if (now > 0) last = now;
    if (now > peak) peak = now;
    return now;
  };
  const timer = setInterval(sample, everyMs);
  return { sample, peak: () => peak, last: () => last, stop: () => clearInterval(timer) };
}
