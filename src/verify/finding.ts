/**
 * A verification finding: one thing that failed, with a stable reason code.
 * Verify collects every finding before it decides, so a user sees all that is
 * wrong with an artifact at once, not just the first thing.
 */
export type ReasonCode = "SIGNATURE_INVALID" | "SUBJECT_MISMATCH" | "STATEMENT_INVALID" | "EXPECTATION_FAILED";

export interface Finding {
  code: ReasonCode;
  message: string;
  /** where in the statement or bundle, when it applies */
  field?: string;
  expected?: string;
  found?: string;
}
