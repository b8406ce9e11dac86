/**
 * The verdict of a measurement: every finding, then passed iff there is none.
 * Pure. Absolute budgets judge the artifact's own figures; ratios judge it
 * against the artifact it ran beside; a start that crashed or never got ready
 * is a finding whether or not a budget was set (a service that does not start
 * has no figure that could pass).
 */
import type { z } from "../vendor/zod.js";
import type { BudgetsSchema } from "../config/schema.ts";
import type { Figures, Finding, FigureName, RunSample } from "./predicate.ts";
import { DEFAULT_REGRESSION_PCT, type Ratio } from "./stats.ts";

export type Budgets = z.output<typeof BudgetsSchema>;

export interface VerdictInput {
  budgets: Budgets;
  figures: Figures;
  samples: readonly RunSample[];
  /** side by side: the other artifact's runs, and each figure's ratio */
  against?: { name: string; samples: readonly RunSample[]; ratios: readonly Ratio[] };
}

const UNITS: Record<FigureName, (n: number) => string> = {
  coldStartP95Ms: (n) => `${fixed(n)} ms`,
  rssMb: (n) => `${fixed(n)} MiB`,
  latencyP95Ms: (n) => `${fixed(n)} ms`,
  errorRate: (n) => `${fixed(n * 100)} %`,
  artifactBytes: (n) => `${n} bytes`,
};

/** what each budget is compared with: the figure's value, or undefined when it was not measured */
const MEASURED: Record<FigureName, (f: Figures) => number | undefined> = {
  coldStartP95Ms: (f) => f.coldStartMs?.p95,
  rssMb: (f) => f.rssMb?.peak,
  latencyP95Ms: (f) => f.latencyMs?.p95,
  errorRate: (f) => f.errorRate,
  artifactBytes: (f) => f.artifactBytes,
};

export function judge(input: VerdictInput): { passed: boolean; findings: Finding[] } {
  const findings: Finding[] = [...startFindings("start", input.samples)];
  for (const figure of Object.keys(MEASURED) as FigureName[]) {
    const budget = input.budgets[figure];
    if (budget === undefined) continue;
    const measured = MEASURED[figure](input.figures);
    // a budget whose figure could not be measured (no start got ready, no load) is not met: it was not shown to hold
    if (measured === undefined) {
      findings.push({ code: "BUDGET_EXCEEDED", figure, budget: `at most ${UNITS[figure](budget)} (budgets.${figure})`, measured: figure === "latencyP95Ms" ? "nothing: no request was answered (is `load` recorded, and did a start get ready?)" : "nothing: no start got ready" });
    } else if (measured > budget) {
      findings.push({ code: "BUDGET_EXCEEDED", figure, budget: `at most ${UNITS[figure](budget)} (budgets.${figure})`, measured: UNITS[figure](measured) });
    }
  }
  if (input.against) {
    const pct = input.budgets.regressionPct ?? DEFAULT_REGRESSION_PCT;
    for (const ratio of input.against.ratios) {
      if (!ratio.regression) continue;
      findings.push({
        code: "BUDGET_REGRESSION",
        figure: ratio.figure,
        budget: `a ratio within ${fixed(1 + pct / 100)} of ${input.against.name} (budgets.regressionPct ${pct})`,
        measured: `${fixed(ratio.ratio)}× (95 % interval ${fixed(ratio.low)}–${fixed(ratio.high)})`,
      });
    }
    // a baseline that did not start measures nothing to compare with: the comparison was not made, so it cannot pass
    findings.push(...startFindings(`start of ${input.against.name}`, input.against.samples));
  }
  return { passed: findings.length === 0, findings };
}

function startFindings(figure: string, samples: readonly RunSample[]): Finding[] {
  const failed = samples.filter((s) => s.crashed || s.neverReady);
  if (failed.length === 0) return [];
  const problems = [...new Set(failed.map((s) => s.problem ?? (s.neverReady ? "never ready" : "crashed")))];
  const crashed = failed.filter((s) => s.crashed).length;
  const never = failed.filter((s) => s.neverReady).length;
  const counts = [crashed > 0 ? `${crashed} crashed` : "", never > 0 ? `${never} never got ready` : ""].filter(Boolean).join(", ");
  return [{ code: "START_FAILED", figure, budget: "every start ready, and running until stopped", measured: `${failed.length} of ${samples.length} starts failed (${counts}): ${problems.slice(0, 3).join("; ")}` }];
}

function fixed(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(n >= 100 ? 0 : n >= 10 ? 1 : 2);
}
