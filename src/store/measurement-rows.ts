/**
 * Measurements to rows and back, shared by both backends. The row's columns
 * (service, digests, passed) are what a pin gate and the console ask by; they
 * are checked against the predicate on the way in, so a row never says
 * "passed" over a predicate whose verdict failed.
 */
import { assertName } from "../config/names.ts";
import { BunsealError } from "../errors.ts";
import { storedDigest } from "./rows.ts";
import type { MeasurementRecord, StoredMeasurement } from "./store.ts";

export const MEASUREMENT_COLUMNS = "subject_digest, service, against_digest, env, measured_at, measured_at_ms, passed, predicate, bundle";

export interface MeasurementRow {
  subject_digest: string;
  service: string;
  against_digest: string | null;
  env: string | null;
  measured_at: string;
  passed: boolean | number;
  predicate: string;
  bundle: string;
}

export function normalizeMeasurement(m: MeasurementRecord, location: string): MeasurementRecord & { measuredAtMs: number } {
  const invalid = (field: string, expected: string, found: string) =>
    new BunsealError("STORE_INVALID", `cannot store the measurement in ${location}: ${field}: expected ${expected}, got ${found}`, { field, expected, found });
  const subjectDigest = storedDigest(m.subjectDigest, "subjectDigest", location);
  const againstDigest = m.againstDigest === null ? null : storedDigest(m.againstDigest, "againstDigest", location);
  // required here: the predicate's schemas are built by a store that writes a measurement, not by every reader of one (trace)
  const { MeasurementPredicateSchema } = require("../measure/predicate.ts") as typeof import("../measure/predicate.ts");
  const parsed = MeasurementPredicateSchema.safeParse(m.predicate);
  if (!parsed.success) throw invalid("predicate", "a runtime measurement predicate", `not a runtime measurement predicate (${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message})`);
  const predicate = parsed.data;
  assertName(m.service, "service");
  if (m.env !== null) assertName(m.env, "env");
  if (m.service !== predicate.service) throw invalid("service", `${JSON.stringify(predicate.service)} (the predicate's)`, JSON.stringify(m.service));
  if (m.passed !== predicate.verdict.passed) throw invalid("passed", `${predicate.verdict.passed} (the predicate's verdict)`, String(m.passed));
  const signedAgainst = predicate.against?.artifact.digest.sha256 ?? null;
  if (againstDigest !== signedAgainst) throw invalid("againstDigest", `${signedAgainst} (the predicate's against.artifact)`, String(againstDigest));
  const measuredAtMs = Date.parse(m.measuredAt);
  if (!Number.isFinite(measuredAtMs)) throw invalid("measuredAt", "an ISO 8601 time", JSON.stringify(m.measuredAt));
  return { bundle: m.bundle, service: m.service, subjectDigest, againstDigest, env: m.env, measuredAt: m.measuredAt, passed: m.passed, predicate: m.predicate, measuredAtMs };
}

/** The row to insert, columns in `MEASUREMENT_COLUMNS` order. The predicate is kept as given, as JSON text. */
export function measurementValues(m: MeasurementRecord & { measuredAtMs: number }): unknown[] {
  return [m.subjectDigest, m.service, m.againstDigest, m.env, m.measuredAt, m.measuredAtMs, m.passed, JSON.stringify(m.predicate), m.bundle];
}

export function toMeasurement(row: MeasurementRow): StoredMeasurement {
  return {
    bundle: row.bundle,
    service: row.service,
    subjectDigest: row.subject_digest,
    againstDigest: row.against_digest,
    env: row.env,
    measuredAt: row.measured_at,
    passed: row.passed === true || row.passed === 1,
    predicate: JSON.parse(row.predicate) as StoredMeasurement["predicate"],
  };
}
