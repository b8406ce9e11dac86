/** Budgets from the config, checked after the build and before anything is signed. */
import type { Config } from "../config/schema.ts";
import { BunsealError } from "../errors.ts";

export interface Measured {
  artifactBytes: number;
  buildMs: number;
}

export function checkBudgets(budgets: Config["budgets"], measured: Measured): void {
  const over: string[] = [];
  if (budgets.maxArtifactBytes !== undefined && measured.artifactBytes > budgets.maxArtifactBytes) {
    over.push(`budgets.maxArtifactBytes: expected at most ${budgets.maxArtifactBytes} bytes, got ${measured.artifactBytes}`);
  }
  if (budgets.maxBuildMs !== undefined && measured.buildMs > budgets.maxBuildMs) {
    over.push(`budgets.maxBuildMs: expected at most ${budgets.maxBuildMs} ms, got ${Math.round(measured.buildMs)}`);
  }
  if (over.length > 0) {
    throw new BunsealError("BUDGET_EXCEEDED", `the build is over its budget:\n  ${over.join("\n  ")}`, { field: over[0]!.split(":")[0], expected: "within budget", found: over.join("; ") });
  }
}
