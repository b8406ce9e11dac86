import { describe, expect, test } from "bun:test";
import type { RunSample } from "../../src/measure/predicate.ts";
import { compare, mulberry32, percentile, summarise } from "../../src/measure/stats.ts";

const MIB = 1024 * 1024;

/**
 * Runs as a noisy shared machine gives them: each run has its own slowness
 * (another process on the core), one run in eight a much slower one, and
 * latencies spread with a long tail inside a run.
 */
function noisyRuns(random: () => number, runs: number, shape: { coldMs: number; rssMb: number; latencyMs: number; requests?: number }): RunSample[] {
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Array.from({ length: runs }, () => {
    const slowness = Math.exp(0.15 * gauss()) * (random() < 0.125 ? 1.8 : 1);
    const latenciesMs = Array.from({ length: shape.requests ?? 200 }, () => shape.latencyMs * slowness * Math.exp(0.4 * gauss()));
    return {
      coldStartMs: shape.coldMs * slowness,
      rssAtReadyBytes: Math.round(shape.rssMb * MIB * (1 + 0.03 * gauss())),
      peakRssBytes: Math.round(shape.rssMb * 1.2 * MIB * (1 + 0.05 * gauss())),
      requests: latenciesMs.length,
      failedRequests: 0,
      latenciesMs,
      crashed: false,
      neverReady: false,
    };
  });
}

const service = { coldMs: 60, rssMb: 40, latencyMs: 2 };

describe("percentile", () => {
  test("interpolates between ranks, and is undefined for no values", () => {
    expect(percentile([1, 2, 3, 4, 5], 50)).toBe(3);
    expect(percentile([10, 20], 95)).toBeCloseTo(19.5);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeUndefined();
  });
});

describe("summarise", () => {
  test("cold start per run, memory as MiB (median at ready, peak over all), latency pooled, failed starts counted as errors", () => {
    const base = { requests: 2, failedRequests: 0, crashed: false, neverReady: false };
    const samples: RunSample[] = [
      { ...base, coldStartMs: 100, rssAtReadyBytes: 10 * MIB, peakRssBytes: 20 * MIB, latenciesMs: [1, 3] },
      { ...base, coldStartMs: 200, rssAtReadyBytes: 30 * MIB, peakRssBytes: 50 * MIB, latenciesMs: [2, 4], failedRequests: 1 },
      { ...base, coldStartMs: null, rssAtReadyBytes: null, peakRssBytes: null, latenciesMs: [], requests: 0, neverReady: true },
    ];
    const figures = summarise(samples, 1234);
    expect(figures.runs).toBe(3);
    expect(figures.coldStartMs).toEqual({ p50: 150, p95: 195 });
    expect(figures.rssMb).toEqual({ atReady: 20, peak: 50 });
    expect(figures.latencyMs!.p50).toBe(2.5);
    expect(figures.requests).toBe(4);
    // one failed request and one start that never got ready, over 4 requests and 3 starts
    expect(figures.errorRate).toBeCloseTo(2 / 7, 5);
    expect(figures.neverReady).toBe(1);
    expect(figures.crashes).toBe(0);
    expect(figures.artifactBytes).toBe(1234);
  });

  test("an artifact that never got ready has no cold start and no latency figures", () => {
    const figures = summarise([{ coldStartMs: null, rssAtReadyBytes: null, peakRssBytes: null, requests: 0, failedRequests: 0, latenciesMs: [], crashed: true, neverReady: true }], 10);
    expect(figures.coldStartMs).toBeNull();
    expect(figures.latencyMs).toBeNull();
    expect(figures.rssMb).toBeNull();
    expect(figures.errorRate).toBe(1);
  });
});

describe("compare", () => {
  // Fewer runs than 5 cannot tell a 10 % change from this much noise: in 200 sessions of 3 runs, 3 were called
  // regressions (every run of one side happened to be slower); the README says so beside --runs.
  test("two identical noisy distributions are never called a regression (0 in 200 sessions of 10 runs, 0 in 200 of 5)", () => {
    for (const runs of [10, 5]) {
      let regressions = 0;
      for (let trial = 0; trial < 200; trial++) {
        const random = mulberry32(1000 + trial * 7 + runs);
        const ratios = compare(noisyRuns(random, runs, { ...service, requests: 100 }), noisyRuns(random, runs, { ...service, requests: 100 }), { a: 5000, b: 5000 });
        if (ratios.some((r) => r.regression)) regressions++;
      }
      expect({ runs, regressions }).toEqual({ runs, regressions: 0 });
    }
  }, 60_000);

  test("a 300 ms sleep before listening is a cold-start regression, in every one of 20 sessions of 3 runs", () => {
    for (let trial = 0; trial < 20; trial++) {
      const random = mulberry32(trial);
      const ratios = compare(noisyRuns(random, 3, { ...service, coldMs: service.coldMs + 300 }), noisyRuns(random, 3, service), { a: 5000, b: 5000 });
      const cold = ratios.find((r) => r.figure === "coldStartP95Ms")!;
      expect(cold.regression).toBe(true);
      expect(cold.low).toBeGreaterThan(1.1);
      expect(ratios.find((r) => r.figure === "latencyP95Ms")!.regression).toBe(false);
    }
  }, 30_000);

  test("a route 3× slower is a latency regression, and 200 MB more at start a memory regression, in every one of 20 sessions of 10 runs", () => {
    for (let trial = 0; trial < 20; trial++) {
      const random = mulberry32(500 + trial);
      const slow = compare(noisyRuns(random, 10, { ...service, latencyMs: service.latencyMs * 3 }), noisyRuns(random, 10, service), { a: 5000, b: 5000 });
      expect(slow.find((r) => r.figure === "latencyP95Ms")!.regression).toBe(true);
      expect(slow.find((r) => r.figure === "latencyP95Ms")!.ratio).toBeGreaterThan(1.5);
      const fat = compare(noisyRuns(random, 10, { ...service, rssMb: service.rssMb + 200 }), noisyRuns(random, 10, service), { a: 5000, b: 5000 });
      expect(fat.find((r) => r.figure === "rssMb")!.regression).toBe(true);
    }
  }, 30_000);

  test("the interval holds the ratio, and the same samples give the same interval (a seeded bootstrap)", () => {
    const random = mulberry32(42);
    const a = noisyRuns(random, 10, service);
    const b = noisyRuns(random, 10, service);
    const first = compare(a, b, { a: 100, b: 100 });
    expect(compare(a, b, { a: 100, b: 100 })).toEqual(first);
    for (const r of first) {
      expect(r.low).toBeLessThanOrEqual(r.ratio);
      expect(r.high).toBeGreaterThanOrEqual(r.ratio);
    }
    expect(first.map((r) => r.figure)).toEqual(["coldStartP95Ms", "rssMb", "latencyP95Ms", "artifactBytes"]);
  });

  test("size is exact; the threshold follows regressionPct", () => {
    const random = mulberry32(7);
    const a = noisyRuns(random, 3, service);
    const grown = compare(a, a, { a: 1150, b: 1000 }).find((r) => r.figure === "artifactBytes")!;
    expect(grown).toEqual({ figure: "artifactBytes", ratio: 1.15, low: 1.15, high: 1.15, regression: true });
    expect(compare(a, a, { a: 1150, b: 1000 }, 20).find((r) => r.figure === "artifactBytes")!.regression).toBe(false);
  });

  test("a figure missing on one side (never ready, no load) has no ratio", () => {
    const random = mulberry32(9);
    const ready = noisyRuns(random, 3, service);
    const never = ready.map((s) => ({ ...s, coldStartMs: null, latenciesMs: [], requests: 0, neverReady: true }));
    expect(compare(never, ready, { a: 1, b: 1 }).map((r) => r.figure)).toEqual(["rssMb", "artifactBytes"]);
  });
});
