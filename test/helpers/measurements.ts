/**
 * Runtime measurements for the store, pin, rollback and console tests: a
 * predicate valid under MeasurementPredicateSchema whose figures scale with
 * `scale`, and the same signed with a real key as `measure --store` signs it.
 */
import type { MeasurementPredicate } from "../../src/measure/predicate.ts";
import { MEASUREMENT_PREDICATE_TYPE } from "../../src/measure/predicate.ts";
import { STATEMENT_TYPE_V1 } from "../../src/attest/statement.ts";
import { signStatement } from "../../src/sign/sign-statement.ts";
import type { Signer } from "../../src/sign/signer.ts";
import type { MeasurementRecord } from "../../src/store/store.ts";
import { canonicalJson } from "../../src/util/canonical-json.ts";

export interface MeasurementShape {
  service?: string;
  against?: { name: string; digest: string; env?: string };
  passed?: boolean;
  /** multiplies cold start, memory and latency (1: 100 ms p95 start, 60 MiB peak, 5 ms p95 latency) */
  scale?: number;
  measuredAt?: string;
  budgets?: MeasurementPredicate["budgets"];
}

export function figuresAt(k: number): MeasurementPredicate["figures"] {
  return { runs: 5, coldStartMs: { p50: 80 * k, p95: 100 * k }, rssMb: { atReady: 40 * k, peak: 60 * k }, latencyMs: { p50: 2 * k, p95: 5 * k, p99: 9 * k }, requests: 1000, errorRate: 0, crashes: 0, neverReady: 0, artifactBytes: 12_345 };
}

export function measurementPredicate(shape: MeasurementShape = {}): MeasurementPredicate {
  const scale = shape.scale ?? 1;
  const passed = shape.passed ?? true;
  return {
    measuredAt: shape.measuredAt ?? "2026-03-02T12:00:00.000Z",
    service: shape.service ?? "api",
    run: { command: ["bun", "index.js"], ready: { http: "/health" }, port: "PORT", env: [] },
    load: { path: "/", method: "GET", requests: 200, concurrency: 4 },
    runs: 5,
    timeoutMs: 10_000,
    budgets: shape.budgets ?? { coldStartP95Ms: 250, rssMb: 128, latencyP95Ms: 20, regressionPct: 10 },
    figures: figuresAt(scale),
    samples: [],
    ...(shape.against === undefined
      ? {}
      : {
          against: {
            artifact: { name: shape.against.name, digest: { sha256: shape.against.digest } },
            ...(shape.against.env === undefined ? {} : { env: shape.against.env }),
            figures: figuresAt(1),
            ratios: [{ figure: "coldStartP95Ms" as const, ratio: scale, low: scale * 0.95, high: scale * 1.05, regression: !passed }],
          },
        }),
    verdict: {
      passed,
      findings: passed ? [] : [{ code: "BUDGET_REGRESSION" as const, figure: "coldStartP95Ms", budget: "a ratio within 1.10", measured: `${scale.toFixed(2)} (${(scale * 0.95).toFixed(2)} to ${(scale * 1.05).toFixed(2)})` }],
    },
    machine: { cpuModel: "test cpu", cores: 2, memoryBytes: 4 * 1024 ** 3, kernel: "6.1.0", bunVersion: "1.4.5", bunsealVersion: "0.0.0", sandbox: "bwrap, loopback network only" },
  };
}

/** The record `measure --store` would store: the statement about `subject` signed by `signer`, and its columns. */
export async function signedMeasurement(subject: { name: string; digest: string }, shape: MeasurementShape, signer: Signer): Promise<MeasurementRecord> {
  const predicate = measurementPredicate(shape);
  const statement = { _type: STATEMENT_TYPE_V1, subject: [{ name: subject.name, digest: { sha256: subject.digest } }], predicateType: MEASUREMENT_PREDICATE_TYPE, predicate };
  const bundle = await signStatement(new TextEncoder().encode(canonicalJson(statement)), signer);
  return { bundle: JSON.stringify(bundle), service: predicate.service, subjectDigest: subject.digest, againstDigest: shape.against?.digest ?? null, env: shape.against?.env ?? null, measuredAt: predicate.measuredAt, passed: predicate.verdict.passed, predicate };
}

/**
 * Signs a passing measurement of `subject` with the private key at `keyPath` and records it in the store at
 * `spec`, as `measure --store` would: what a test that pins a service held to runtime budgets (one whose
 * config has `run`, as the example service's) records before `pin`, against what the env runs now.
 */
export async function recordPassingMeasurement(spec: string, keyPath: string, subject: { name: string; digest: string }, shape: MeasurementShape): Promise<void> {
  const [{ openStore }, { loadPrivateKey }, { keySigner }] = await Promise.all([import("../../src/store/open-store.ts"), import("../../src/sign/keys.ts"), import("../../src/sign/signer.ts")]);
  const store = await openStore(spec);
  try {
    await store.recordMeasurement(await signedMeasurement(subject, { ...shape, passed: true }, keySigner(await loadPrivateKey(keyPath))));
  } finally {
    await store.close();
  }
}
