/**
 * A rebuild whose own build fails, read as a finding: the original built, so
 * something of the rebuild's environment differs from what the build needs.
 * The same search as for a difference (src/diagnose/search.ts), with one
 * pseudo-file that "moves" when an experiment builds: every factor at once,
 * then only the groups that made it build are split. The factors include
 * changes toward the original where the record knows it (its start time).
 */
import type { CauseKind } from "../rebuild/cause.ts";
import type { Experiment, ExperimentBuild } from "./diagnose.ts";
import { combine, type Factor } from "./factors.ts";
import { searchFactors, type Implication } from "./search.ts";

/** The pseudo-file of this search: present when an experiment builds. */
const BUILDS = "(builds again)";

export interface FailureInput {
  /** the rebuild's error */
  error: string;
  build: ExperimentBuild;
  factors: readonly Factor[];
  maxExperiments: number;
  log?: (message: string) => void;
}

export interface FailureFinding {
  kind: CauseKind;
  factor: string;
  /** the experiment, in one sentence */
  experiment: string;
}

export async function diagnoseFailure(input: FailureInput): Promise<{ found: FailureFinding[]; experiments: Experiment[] }> {
  const experiments: Experiment[] = [];
  let budget = input.maxExperiments;
  const { implications } = await searchFactors({
    factors: input.factors,
    files: [BUILDS],
    probe: async (group) => {
      if (budget <= 0) return undefined;
      budget--;
      const name = group.map((f) => f.name).join("+");
      const ran = group.map((f) => f.describe).join("; ");
      input.log?.(`experiment ${name}: ${ran}`);
      const result = await input.build(name, combine(group));
      if ("error" in result && result.aborted) {
        budget = 0;
        experiments.push({ name, ran, showed: `could not be run: ${errorLine(result.error)}; no further experiment was run`, builds: 0 });
        return undefined;
      }
      const builds = !("error" in result);
      experiments.push({ name, ran, showed: builds ? "the build succeeded" : `the build failed again: ${errorLine(result.error)}`, builds: 1 });
      // a failure is this search's normal state, not an unanswered build
      return { group, outcome: new Map([[BUILDS, builds]]) };
    },
  });
  const found = implications.filter((i) => i.file === BUILDS).map((i) => ({ kind: i.factor.kind, factor: i.factor.name, experiment: `the rebuild's build fails (${errorLine(input.error)}) and ${sentence(i)}` }));
  return { found, experiments };
}

function sentence(i: Implication): string {
  if (i.cleared.length === 0) return `builds when only this changes: ${i.factor.describe}`;
  const names = (fs: readonly Factor[]) => `{${fs.map((f) => f.name).join(", ")}}`;
  return `builds with ${names(i.moved.group)} varied together, and not with ${names(i.cleared)}: so ${i.factor.name} (${i.factor.describe})`;
}

/** A build's error on one line: "BUILD_FAILED: bun build failed:" says nothing until the lines after it. */
export function errorLine(text: string): string {
  const line = text.replace(/\s*\n\s*/g, " ").trim();
  return line.length > 400 ? `${line.slice(0, 397)}...` : line;
}
