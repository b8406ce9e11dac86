/**
 * The stored measurements of an artifact, verified again before a pin or a
 * rollback rests on them: the store is a cache, anyone with write access can
 * add a row saying "passed". A measurement counts only when its bundle is
 * signed by a trusted signer, is a runtime measurement about this very digest,
 * and its row says what the signed predicate says; the decision then reads
 * the signed predicate, never the row.
 */
import { canonicalJson } from "../util/canonical-json.ts";
import { MEASUREMENT_PREDICATE_TYPE, MeasurementPredicateSchema, type MeasurementPredicate } from "../measure/predicate.ts";
import type { Store, StoredMeasurement } from "../store/store.ts";
import { trustedKeys, type Trust } from "../verify/trust.ts";
import type { Verified } from "../verify/verify-bundle.ts";

export interface VerifiedMeasurement {
  stored: StoredMeasurement;
  predicate: Verified<MeasurementPredicate>;
}

export interface MeasurementsOf {
  /** verified, newest first */
  verified: VerifiedMeasurement[];
  /** stored rows that did not verify (or whose row is not what was signed), newest first, with why */
  unverified: { stored: StoredMeasurement; reason: string }[];
}

/** Each stored measurement of `digest` counts when one of `trusts` verifies it (tried in order); the store's order is kept. */
export async function verifiedMeasurementsOf(store: Store, digest: string, trust: Trust | readonly Trust[]): Promise<MeasurementsOf> {
  const trusts: readonly Trust[] = Array.isArray(trust) ? trust : [trust as Trust];
  const result: MeasurementsOf = { verified: [], unverified: [] };
  for (const stored of await store.measurementsOf(digest)) {
    let outcome: Awaited<ReturnType<typeof verifyMeasurement>> = { reason: "no trusted signer vouched for it" };
    for (const t of trusts) {
      outcome = await verifyMeasurement(stored, digest, t);
      if ("predicate" in outcome) break;
    }
    if ("predicate" in outcome) result.verified.push({ stored, predicate: outcome.predicate });
    else result.unverified.push({ stored, reason: outcome.reason });
  }
  return result;
}

/** One stored measurement of `digest`, verified under `trust`: its signed predicate, or why not. */
export async function verifyMeasurement(stored: StoredMeasurement, digest: string, trust: Trust): Promise<{ predicate: Verified<MeasurementPredicate> } | { reason: string }> {
  const { verifyBundle } = await import("../verify/verify-bundle.ts");
  // a policy's key signers stand for it here: its rules judge provenance, not measurements
  const anchor = trust.kind === "identity" ? { identity: trust.identity } : { keys: await trustedKeys(trust) };
  let report: Awaited<ReturnType<typeof verifyBundle>>;
  try {
    report = await verifyBundle({
      ...anchor,
      trustedRoot: trust.trustedRoot,
      artifact: `sha256:${digest}`,
      bundlePath: `store:measurement of sha256:${digest.slice(0, 12)} at ${stored.measuredAt}`,
      bundleBytes: new TextEncoder().encode(stored.bundle),
      expectations: {},
      predicateType: MEASUREMENT_PREDICATE_TYPE,
    });
  } catch (error) {
    return { reason: `it could not be verified (${(error as Error).message})` };
  }
  if (!report.verified || !report.verifiedPayload) return { reason: report.failures.map((f) => `${f.code}: ${f.message}`).join("; ") || "no trusted signer vouched for it" };
  const parsed = MeasurementPredicateSchema.safeParse(report.verifiedPayload.predicate);
  if (!parsed.success) return { reason: "the signed statement is no runtime measurement predicate" };
  // the row is what the store's readers (the console, the gate's query) went by: it must be the signed one
  const row = MeasurementPredicateSchema.safeParse(stored.predicate);
  if (!row.success || canonicalJson(parsed.data) !== canonicalJson(row.data)) return { reason: "the store's row is not the signed measurement (changed after it was recorded)" };
  return { predicate: parsed.data as Verified<MeasurementPredicate> };
}
