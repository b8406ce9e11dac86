/**
 * Made-up artifact and pin records for the store tests. Every one is a pure
 * function of its arguments, so a test (or the parent of a killed child
 * process) can rebuild exactly what should be in the store and compare.
 */
import type { ArtifactRecord, MeasurementRecord, PinRecord } from "../../src/store/store.ts";
import { sha256Hex } from "../../src/util/digest.ts";
import { measurementPredicate } from "../helpers/measurements.ts";

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
 * `scale` so a test can tell measurements apart. Valid under MeasurementPredicateSchema; the bundle is a stand-in.
 */
export function measurementRecord(tag: string, options: { against?: string; env?: string; measuredAt?: string; passed?: boolean; scale?: number; service?: string } = {}): MeasurementRecord {
  const against = options.against === undefined ? undefined : { name: options.against, digest: hex(`artifact:${options.against}`), ...(options.env === undefined ? {} : { env: options.env }) };
  const predicate = measurementPredicate({ ...options, against });
  return {
    bundle: JSON.stringify({ mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json", measurement: tag, measuredAt: predicate.measuredAt }),
    service: predicate.service,
    subjectDigest: hex(`artifact:${tag}`),
    againstDigest: against?.digest ?? null,
    env: options.env ?? null,
    measuredAt: predicate.measuredAt,
    passed: predicate.verdict.passed,
    predicate,
  };
}
