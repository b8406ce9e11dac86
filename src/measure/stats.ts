/**
 * From runs to figures, and from two artifacts' runs to ratios. Pure: no
 * clock, no disk; the only randomness is a seeded PRNG, so the same samples
 * give the same interval on every machine and in every test.
 *
 * A ratio's 95 % interval is a percentile bootstrap over runs: each side's
 * runs are drawn again with replacement (a run is the unit of noise on a
 * shared machine: a slow start drags its whole run), the statistic
 * recomputed, and the ratio's 2.5th and 97.5th percentiles taken. A regression is called
 * only when the interval's low end lies beyond 1 + regressionPct/100, so
 * noise that could have gone either way never fails a release.
 */
import type { FigureName, Figures, RunSample } from "./predicate.ts";

export const DEFAULT_REGRESSION_PCT = 10;
const MIB = 1024 * 1024;
const RESAMPLES = 2000;
const SEED = 0x5eed22;

/** The p-th percentile (0..100) of values, linearly interpolated between the two nearest ranks; undefined when empty. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return percentileOfSorted(sorted, p);
}

function percentileOfSorted(sorted: readonly number[], p: number): number {
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

const round = (n: number, places = 3) => Math.round(n * 10 ** places) / 10 ** places;

/** Every run summarised: starts and memory per run, latency pooled over all answered requests. */
export function summarise(samples: readonly RunSample[], artifactBytes: number): Figures {
  const starts = samples.map((s) => s.coldStartMs).filter((v): v is number => v !== null);
  const atReady = samples.map((s) => s.rssAtReadyBytes).filter((v): v is number => v !== null);
  const peaks = samples.map((s) => s.peakRssBytes).filter((v): v is number => v !== null);
  const latencies = samples.flatMap((s) => s.latenciesMs).sort((a, b) => a - b);
  const requests = samples.reduce((n, s) => n + s.requests, 0);
  const failedStarts = samples.filter((s) => s.crashed || s.neverReady).length;
  const failedRequests = samples.reduce((n, s) => n + s.failedRequests, 0);
  return {
    runs: samples.length,
    coldStartMs: starts.length > 0 ? { p50: round(percentile(starts, 50)!), p95: round(percentile(starts, 95)!) } : null,
    rssMb: atReady.length > 0 || peaks.length > 0 ? { atReady: round((percentile(atReady, 50) ?? 0) / MIB), peak: round(Math.max(0, ...peaks, ...atReady) / MIB) } : null,
    latencyMs: latencies.length > 0 ? { p50: round(percentileOfSorted(latencies, 50)), p95: round(percentileOfSorted(latencies, 95)), p99: round(percentileOfSorted(latencies, 99)) } : null,
    requests,
    // a failed start counts as one failure among the starts: a service that never gets ready has served nothing
    errorRate: round((failedRequests + failedStarts) / Math.max(1, requests + samples.length), 6),
    crashes: samples.filter((s) => s.crashed).length,
    neverReady: samples.filter((s) => s.neverReady).length,
    artifactBytes,
  };
}

export interface Ratio {
  figure: FigureName;
  ratio: number;
  low: number;
  high: number;
  regression: boolean;
}

/**
 * Each figure of A over the same figure of B, with its 95 % interval. A side
 * by side compares the typical run: each run gives one value per figure, and
 * the ratio is of the runs' medians, the runs drawn again as wholes.
 * - coldStartP95Ms: the runs' cold starts;
 * - rssMb: the runs' peak memory;
 * - latencyP95Ms: each run's own p95 latency;
 * - artifactBytes: exact, so its interval is the ratio itself.
 * Why medians of runs, not the p95 over everything: on a shared machine one
 * run in several is slowed whole by another process, and a p95 (or a pooled
 * p95) over ten runs is that one run; drawn on one side and not the other it
 * looked like a regression in 3 % of simulated sessions of identical
 * artifacts (test/measure/stats.test.ts). A real regression (a sleep before
 * listening, a slower route, memory held at start) moves every run, so the
 * median sees it. The absolute budgets still judge the p95 figures.
 * errorRate has no ratio (a rate of 0 over 0 says nothing): its absolute budget judges it.
 * A figure missing on either side (never ready, no load) has no ratio.
 */
export function compare(a: readonly RunSample[], b: readonly RunSample[], sizes: { a: number; b: number }, regressionPct = DEFAULT_REGRESSION_PCT, seed = SEED): Ratio[] {
  const threshold = 1 + regressionPct / 100;
  const random = mulberry32(seed);
  const ratios: Ratio[] = [];
  const perRun: { figure: FigureName; value: (s: RunSample) => number | null }[] = [
    { figure: "coldStartP95Ms", value: (s) => s.coldStartMs },
    { figure: "rssMb", value: (s) => s.peakRssBytes ?? s.rssAtReadyBytes },
    { figure: "latencyP95Ms", value: (s) => (s.latenciesMs.length > 0 ? percentile(s.latenciesMs, 95)! : null) },
  ];
  for (const { figure, value } of perRun) {
    const valuesA = a.map(value).filter((v): v is number => v !== null);
    const valuesB = b.map(value).filter((v): v is number => v !== null);
    if (valuesA.length === 0 || valuesB.length === 0) continue;
    const point = safeRatio(median(valuesA), median(valuesB));
    if (point === undefined) continue;
    const { low, high } = bootstrap(valuesA, valuesB, random);
    ratios.push({ figure, ratio: round(point), low: round(low), high: round(high), regression: low > threshold });
  }
  const size = safeRatio(sizes.a, sizes.b);
  if (size !== undefined) ratios.push({ figure: "artifactBytes", ratio: round(size), low: round(size), high: round(size), regression: size > threshold });
  return ratios;
}

const median = (values: readonly number[]) => percentile(values, 50)!;

function safeRatio(a: number, b: number): number | undefined {
  return b > 0 ? a / b : undefined;
}

/** The 95 % percentile interval of median(A*)/median(B*), A* and B* each drawn with replacement from its own runs. */
function bootstrap(a: readonly number[], b: readonly number[], random: () => number): { low: number; high: number } {
  const ratios: number[] = [];
  const drawA = new Array<number>(a.length);
  const drawB = new Array<number>(b.length);
  for (let i = 0; i < RESAMPLES; i++) {
    for (let j = 0; j < a.length; j++) drawA[j] = a[Math.floor(random() * a.length)]!;
    for (let j = 0; j < b.length; j++) drawB[j] = b[Math.floor(random() * b.length)]!;
    drawA.sort(byValue);
    drawB.sort(byValue);
    const denominator = percentileOfSorted(drawB, 50);
    ratios.push(denominator > 0 ? percentileOfSorted(drawA, 50) / denominator : Number.POSITIVE_INFINITY);
  }
  return interval(ratios);
}

const byValue = (x: number, y: number) => x - y;

function interval(ratios: readonly number[]): { low: number; high: number } {
  // a draw whose baseline figure was 0 is an unbounded ratio: kept as the largest number JSON can carry
  const sorted = ratios.map((n) => (Number.isFinite(n) ? n : Number.MAX_SAFE_INTEGER)).sort(byValue);
  return { low: percentileOfSorted(sorted, 2.5), high: percentileOfSorted(sorted, 97.5) };
}

/** A small seeded PRNG (mulberry32): the interval is the same on every run of the same samples. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
