import { describe, expect, test } from "bun:test";
import { judge } from "../../src/measure/budgets.ts";
import type { RunSample } from "../../src/measure/predicate.ts";
import { summarise } from "../../src/measure/stats.ts";

const MIB = 1024 * 1024;
const run = (coldStartMs: number, rssMb: number, latency: number): RunSample => ({
  coldStartMs,
  rssAtReadyBytes: rssMb * MIB,
  peakRssBytes: rssMb * MIB,
  requests: 4,
  failedRequests: 0,
  latenciesMs: [latency, latency, latency, latency],
  crashed: false,
  neverReady: false,
});

describe("judge", () => {
  const samples = [run(100, 50, 5), run(110, 52, 6), run(105, 51, 5)];
  const figures = summarise(samples, 2000);

  test("within every budget: passed, no findings", () => {
    expect(judge({ budgets: { coldStartP95Ms: 500, rssMb: 100, latencyP95Ms: 50, errorRate: 0, artifactBytes: 4000 }, figures, samples })).toEqual({ passed: true, findings: [] });
  });

  test("each budget exceeded is its own BUDGET_EXCEEDED finding naming the figure, the budget and what was measured", () => {
    const verdict = judge({ budgets: { coldStartP95Ms: 100, rssMb: 40, latencyP95Ms: 5, artifactBytes: 1000 }, figures, samples });
    expect(verdict.passed).toBe(false);
    expect(verdict.findings).toEqual([
      { code: "BUDGET_EXCEEDED", figure: "coldStartP95Ms", budget: "at most 100 ms (budgets.coldStartP95Ms)", measured: "110 ms" },
      { code: "BUDGET_EXCEEDED", figure: "rssMb", budget: "at most 40 MiB (budgets.rssMb)", measured: "52 MiB" },
      { code: "BUDGET_EXCEEDED", figure: "latencyP95Ms", budget: "at most 5 ms (budgets.latencyP95Ms)", measured: "6 ms" },
      { code: "BUDGET_EXCEEDED", figure: "artifactBytes", budget: "at most 1000 bytes (budgets.artifactBytes)", measured: "2000 bytes" },
    ]);
  });

  test("a start that crashed or never got ready is START_FAILED, with a budget set or not", () => {
    const broken: RunSample[] = [...samples, { ...run(0, 0, 0), coldStartMs: null, latenciesMs: [], requests: 0, neverReady: true, problem: "not ready after 2000 ms" }, { ...run(0, 0, 0), coldStartMs: null, latenciesMs: [], requests: 0, crashed: true, problem: "exit status 1: Error: boom" }];
    const verdict = judge({ budgets: {}, figures: summarise(broken, 1), samples: broken });
    expect(verdict.passed).toBe(false);
    expect(verdict.findings).toEqual([{ code: "START_FAILED", figure: "start", budget: "every start ready, and running until stopped", measured: "2 of 5 starts failed (1 crashed, 1 never got ready): not ready after 2000 ms; exit status 1: Error: boom" }]);
  });

  test("a budget whose figure was never measured is not met (it was not shown to hold)", () => {
    const never: RunSample[] = [{ ...run(0, 0, 0), coldStartMs: null, rssAtReadyBytes: null, peakRssBytes: null, latenciesMs: [], requests: 0, neverReady: true }];
    const verdict = judge({ budgets: { coldStartP95Ms: 100 }, figures: summarise(never, 1), samples: never });
    expect(verdict.findings.map((f) => [f.code, f.figure, f.measured])).toEqual([
      ["START_FAILED", "start", "1 of 1 starts failed (1 never got ready): never ready"],
      ["BUDGET_EXCEEDED", "coldStartP95Ms", "nothing: no start got ready"],
    ]);
  });

  test("a ratio whose interval lies beyond the threshold is BUDGET_REGRESSION; one within it is not", () => {
    const verdict = judge({
      budgets: { regressionPct: 20 },
      figures,
      samples,
      against: {
        name: "svc-old.tar (sha256:abcdef012345)",
        samples,
        ratios: [
          { figure: "coldStartP95Ms", ratio: 3.1, low: 2.8, high: 3.4, regression: true },
          { figure: "latencyP95Ms", ratio: 1.05, low: 0.9, high: 1.3, regression: false },
        ],
      },
    });
    expect(verdict.passed).toBe(false);
    expect(verdict.findings).toEqual([{ code: "BUDGET_REGRESSION", figure: "coldStartP95Ms", budget: "a ratio within 1.20 of svc-old.tar (sha256:abcdef012345) (budgets.regressionPct 20)", measured: "3.10× (95 % interval 2.80–3.40)" }]);
  });

  test("a baseline that never started fails the comparison (START_FAILED naming it), never passes it by default", () => {
    const dead: RunSample[] = [{ ...run(0, 0, 0), coldStartMs: null, latenciesMs: [], requests: 0, crashed: true, problem: "exit status 3" }];
    const verdict = judge({ budgets: {}, figures, samples, against: { name: "old.tar", samples: dead, ratios: [] } });
    expect(verdict.findings).toEqual([{ code: "START_FAILED", figure: "start of old.tar", budget: "every start ready, and running until stopped", measured: "1 of 1 starts failed (1 crashed): exit status 3" }]);
  });
});
