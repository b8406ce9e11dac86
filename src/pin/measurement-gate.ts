/**
 * Plan before apply: whether a pin may go ahead as far as runtime budgets
 * go, from values already read and verified (issue 22 item 5). Pure, so each
 * refusal is tested without a store or a signature.
 *
 * A service whose build records how to run it (`run`), or that has been
 * measured before, is held to its budgets: a pin of DIGEST in ENV needs a
 * verified measurement of DIGEST side by side with what ENV runs now (or,
 * when ENV has no pin yet or runs DIGEST already, any verified measurement of
 * DIGEST), and that measurement's verdict must have passed, unless the caller
 * gives a reason to pin a regression anyway, which the signed pin records.
 */
import { BunsealError } from "../errors.ts";
import type { Finding } from "../measure/predicate.ts";
import type { VerifiedMeasurement } from "./verified-measurements.ts";

export interface GateInput {
  service: string;
  env: string;
  /** sha256 hex of the artifact to pin */
  digest: string;
  /** what ENV runs now (its newest pin), or null */
  current: string | null;
  /** the artifact's verified provenance records `run` */
  runRecorded: boolean;
  /** the store holds measurements of this service (any artifact) */
  serviceMeasured: boolean;
  /** verified measurements of `digest`, newest first */
  measurements: readonly VerifiedMeasurement[];
  /** stored measurements of `digest` that did not verify: named in the refusal, never used */
  unverified: number;
  /** `--allow-regression REASON` */
  allowRegression?: string;
}

/** What the signed pin records of the gate: the measurement it rested on, and a regression let through. */
export interface PinMeasurement {
  measuredAt: string;
  /** sha256 hex of the artifact it ran against, or null */
  against: string | null;
  passed: boolean;
  /** present when the verdict failed and `--allow-regression` let the pin through */
  allowedRegression?: { reason: string; findings: Finding[] };
}

export type GateOutcome = { required: false } | { required: true; measurement: PinMeasurement };

export function gatePin(input: GateInput): GateOutcome {
  if (!input.runRecorded && !input.serviceMeasured) return { required: false };
  const side = input.current !== null && input.current !== input.digest ? input.current : null;
  const chosen = side === null ? input.measurements[0] : input.measurements.find((m) => m.predicate.against?.artifact.digest.sha256 === side);
  if (!chosen) throw missing(input, side);
  const { predicate } = chosen;
  const measurement: PinMeasurement = { measuredAt: predicate.measuredAt, against: predicate.against?.artifact.digest.sha256 ?? null, passed: predicate.verdict.passed };
  if (predicate.verdict.passed) return { required: true, measurement };
  const findings = predicate.verdict.findings;
  const reason = input.allowRegression?.trim();
  if (reason) return { required: true, measurement: { ...measurement, allowedRegression: { reason, findings } } };
  const code = findings.some((f) => f.code === "BUDGET_REGRESSION") ? "BUDGET_REGRESSION" : "BUDGET_EXCEEDED";
  const lines = findings.length > 0 ? findings.map((f) => `${f.code}: ${f.figure}: budget ${f.budget}, measured ${f.measured}`) : ["the measurement's verdict failed"];
  throw new BunsealError(
    code,
    `${short(input.digest)} cannot be pinned in ${input.env}: its measurement${measurement.against ? ` against ${short(measurement.against)}` : ""} (${measurement.measuredAt}) is over budget:\n  ${lines.join("\n  ")}\npass --allow-regression REASON to pin it anyway (the reason is recorded in the signed pin)`,
    { field: findings[0]?.figure, expected: findings[0] ? `budget ${findings[0].budget}` : "a passed measurement", found: findings[0] ? findings[0].measured : "failed" },
  );
}

function missing(input: GateInput, side: string | null): BunsealError {
  const what = side === null ? `a verified measurement of ${short(input.digest)}` : `a verified measurement of ${short(input.digest)} against ${short(side)} (what ${input.env} runs now)`;
  const why = input.runRecorded ? `${input.service} records how to run it (run)` : `${input.service} has been measured before`;
  const skipped = input.unverified > 0 ? `; ${input.unverified} stored measurement(s) of it did not verify and are not counted` : "";
  return new BunsealError(
    "MEASUREMENT_MISSING",
    `${short(input.digest)} cannot be pinned in ${input.env}: ${why}, so a pin needs ${what}${skipped}. Run bunseal measure ARTIFACT --env ${input.env} --store, then pin again, or pin again with --measure`,
    { field: "DIGEST", expected: what, found: input.measurements.length === 0 ? "no verified measurement" : `measurements against ${input.measurements.map((m) => (m.predicate.against ? short(m.predicate.against.artifact.digest.sha256) : "nothing")).join(", ")}` },
  );
}

function short(digest: string): string {
  return `sha256:${digest.slice(0, 12)}`;
}
