/** The machine a measurement ran on, as the predicate records it: figures mean little without it. */
import { cpus, release, totalmem, type } from "node:os";
import { VERSION } from "../version.ts";
import type { MeasurementPredicate } from "./predicate.ts";

/** how runOnce (src/measure/run-artifact.ts) encloses every start: it refuses to run without it */
export const RUN_SANDBOX = "bwrap: the artifact read-only, its own namespaces, loopback network only";

export function thisMachine(): MeasurementPredicate["machine"] {
  const cores = cpus();
  return {
    cpuModel: cores[0]?.model.trim() || "unknown",
    cores: Math.max(1, cores.length),
    memoryBytes: totalmem(),
    kernel: `${type()} ${release()}`,
    bunVersion: Bun.version,
    bunsealVersion: VERSION,
    sandbox: RUN_SANDBOX,
  };
}
