/**
 * Made-up artifact and pin records for the store tests. Every one is a pure
 * function of its arguments, so a test (or the parent of a killed child
 * process) can rebuild exactly what should be in the store and compare.
 */
import type { MeasurementPredicate } from "../../src/measure/predicate.ts";
import type { ArtifactRecord, MeasurementRecord, PinRecord } from "../../src/store/store.ts";
import { sha256Hex } from "../../src/util/digest.ts";

export const hex = (text: string) => sha256Hex(text);

export interface ArtifactShape {
  files?: number;
  packages?: number;
  builtAt?: string;
}

export function artifact(tag: string, shape: ArtifactShape = {}): ArtifactRecord {
  const files = shape.files ?? 3;
  const packages = shape.packages ?? 4;
  return {
    digest: hex(`artifact:${tag}`),
    name: tag,
    service: "api",
    commit: hex(`commit:${tag}`).slice(0, 40),
    sourceUri: "git+https://example.test/api.git",
    dirty: false,
    bunVersion: "1.4.5",
    lockfileDigest: hex(`lock:${tag}`),
    schemaVersion: "7",
    telemetryContract: null,
    featureFlags: { checkout: true, tier: "gold", limit: 3 },
    builderId: "https://bunseal.dev/builders/local@v1",
    signer: { kind: "key", keyId: hex("key") },
    signerKeyId: hex("key"),
    signerTrustedRoot: null,
    signerPublicKey: "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n",
    builtAt: shape.builtAt ?? "2026-03-01T12:00:00.000Z",
    bundle: JSON.stringify({ mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json", tag }),
    files: Array.from({ length: files }, (_, i) => ({ path: `dist/${tag}/chunk-${i}.js`, digest: hex(`file:${tag}:${i}`) })),
    // shipped, locked only, unknown (a record from before the store kept it), in turn
    packages: Array.from({ length: packages }, (_, i) => ({ name: `pkg-${i}`, version: `1.0.${i}`, integrity: i % 2 ? null : `sha512-${hex(`pkg:${i}`)}`, shipped: [true, false, null][i % 3]! })),
  };
}

/** Pin `sequence` of a history whose pins all name artifacts made by `artifact(`${history}:${n}`)`. */
export function chainPin(service: string, env: string, sequence: number, bundleBytes = 200): PinRecord {
  const digestOf = (n: number) => hex(`artifact:${service}/${env}:${n}`);
  return {
    service,
    env,
    sequence,
    digest: digestOf(sequence),
    previousDigest: sequence === 1 ? null : digestOf(sequence - 1),
    actor: "github:release-bot",
    reason: `release ${sequence}`,
    pinnedAt: new Date(Date.UTC(2026, 2, 1) + sequence * 60_000).toISOString(),
    rollbackOf: sequence > 2 && sequence % 5 === 0 ? sequence - 2 : null,
    bundle: JSON.stringify({ sequence, padding: "x".repeat(bundleBytes) }),
  };
}

/**
 * A measurement of `artifact(tag)`, optionally side by side with `artifact(against)`: figures scaled by
 * `scale` so a test can tell measurements apart. Valid under MeasurementPredicateSchema.
 */
export function measurementRecord(tag: string, options: { against?: string; env?: string; measuredAt?: string; passed?: boolean; scale?: number; service?: string } = {}): MeasurementRecord {
  const scale = options.scale ?? 1;
  const passed = options.passed ?? true;
  const measuredAt = options.measuredAt ?? "2026-03-02T12:00:00.000Z";
  const service = options.service ?? "api";
  const figures = (k: number) => ({
    runs: 5,
    coldStartMs: { p50: 80 * k, p95: 100 * k },
    rssMb: { atReady: 40 * k, peak: 60 * k },
    latencyMs: { p50: 2 * k, p95: 5 * k, p99: 9 * k },
    requests: 1000,
    errorRate: 0,
    crashes: 0,
    neverReady: 0,
    artifactBytes: 12_345,
  });
  const predicate: MeasurementPredicate = {
    measuredAt,
    service,
    run: { command: ["bun", "index.js"], ready: { http: "/health" }, port: "PORT", env: [] },
    load: { path: "/", method: "GET", requests: 200, concurrency: 4 },
    runs: 5,
    timeoutMs: 10_000,
    budgets: { coldStartP95Ms: 250, rssMb: 128, latencyP95Ms: 20, regressionPct: 10 },
    figures: figures(scale),
    samples: [],
    ...(options.against === undefined
      ? {}
      : {
          against: {
            artifact: { name: options.against, digest: { sha256: hex(`artifact:${options.against}`) } },
            ...(options.env === undefined ? {} : { env: options.env }),
            figures: figures(1),
            ratios: [{ figure: "coldStartP95Ms" as const, ratio: scale, low: scale * 0.95, high: scale * 1.05, regression: !passed }],
          },
        }),
    verdict: { passed, findings: passed ? [] : [{ code: "BUDGET_REGRESSION" as const, figure: "coldStartP95Ms", budget: "a ratio within 1.10", measured: `${scale.toFixed(2)} (${(scale * 0.95).toFixed(2)} to ${(scale * 1.05).toFixed(2)})` }] },
    machine: { cpuModel: "test cpu", cores: 2, memoryBytes: 4 * 1024 ** 3, kernel: "6.1.0", bunVersion: "1.4.5", bunsealVersion: "0.0.0", sandbox: "bwrap, loopback network only" },
  };
  return {
    bundle: JSON.stringify({ mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json", measurement: tag, measuredAt }),
    service,
    subjectDigest: hex(`artifact:${tag}`),
    againstDigest: options.against === undefined ? null : hex(`artifact:${options.against}`),
    env: options.env ?? null,
    measuredAt,
    passed,
    predicate,
  };
}
