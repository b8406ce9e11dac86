/**
 * Telling apart what changes from run to run: a value that follows the wall
 * clock comes out the same in two builds with the wall clock stopped at one
 * instant (faketime with FAKETIME_DONT_FAKE_MONOTONIC, src/diagnose/factors.ts).
 * `performance.now()` and `process.hrtime()` read the monotonic clock, which
 * that does not stop: a second pair with it stopped too tells them from
 * random. Shared by check and, if it wants it, rebuild's diagnosis.
 *
 * Measured on Bun 1.4.5 (faketime 0.9.10): with the monotonic clock stopped,
 * `Bun.sleep` in a script never returns (timeout after 10 s), but a sandboxed
 * bunseal build of a macro reading performance.now() finishes in about 0.2 s
 * (the same as with the clock running), its value 0. The pair is still run
 * under a short limit, so that a build that waits on a timer costs seconds.
 */
import type { BuildVariation } from "../build/plan.ts";
import type { Cause } from "../rebuild/cause.ts";
import { FROZEN_TIME } from "../diagnose/factors.ts";
import type { VariationTools } from "./variations.ts";

/** The wall clock and the monotonic clock both stopped at FROZEN_TIME. */
export function frozenMonotonicClock(tools: VariationTools): BuildVariation | undefined {
  if (!tools.faketime) return undefined;
  return { wrapper: [tools.faketime, "-f", FROZEN_TIME] };
}

/** The limit of one build of the monotonic pair: far above a normal build's time, far below a hung one's. */
export function monotonicPairTimeout(baselineMs: number, userTimeoutMs: number | undefined): number {
  const limit = Math.max(30_000, Math.round(baselineMs * 10));
  return userTimeoutMs === undefined ? limit : Math.min(limit, userTimeoutMs);
}

export type ClockVerdict =
  /** the wall-frozen pair agreed */
  | { kind: "timestamp" }
  /** the wall-frozen pair differed, the pair with the monotonic clock frozen too agreed */
  | { kind: "monotonic-clock" }
  /** both pairs differed */
  | { kind: "random" }
  /** the wall-frozen pair differed, and the other pair could not tell (`why`) */
  | { kind: "undetermined"; why: string }
  /** no wall-frozen pair could be built (`why`) */
  | { kind: "untested"; why: string };

/** The cause of a file that differs between builds in the same environment, in the words of the experiment that told it. */
export function clockCause(file: string, verdict: ClockVerdict, hypothesis?: Cause): Cause {
  const differs = `${file} differs between builds in the same environment`;
  switch (verdict.kind) {
    case "timestamp":
      return confirmedBy("timestamp", file, `${differs}, and comes out the same in two builds with the wall clock stopped at the same instant`);
    case "monotonic-clock":
      return confirmedBy("monotonic-clock", file, `${differs}, and again with the wall clock stopped, but comes out the same when the monotonic clock (performance.now, process.hrtime) is stopped too`);
    case "random":
      return confirmedBy("random", file, `${differs}, and again in two builds with both the wall clock and the monotonic clock stopped at the same instant`);
    case "undetermined":
      return { kind: "random", file, evidence: `${differs}, and again with the wall clock stopped: random or the monotonic clock (performance.now, hrtime): not told apart here (${verdict.why})`, confirmed: false };
    case "untested":
      return { kind: hypothesis?.kind ?? "random", file, evidence: `${differs}: the clock, random or the monotonic clock: not told apart here (${verdict.why})${hypothesis ? `; ${hypothesis.evidence}` : ""}`, confirmed: false };
  }
}

function confirmedBy(kind: Cause["kind"], file: string, experiment: string): Cause {
  return { kind, file, evidence: experiment, confirmed: true, experiment };
}
