/**
 * A pin, signed: "in ENV, SERVICE runs ARTIFACT, as entry SEQUENCE of its
 * history". An in-toto Statement about the artifact with a predicate of
 * bunseal's, in the spirit of in-toto's Release predicate (which says what
 * was released; this says where it runs and what it replaced).
 */
import { z } from "../vendor/zod.js";
import { STATEMENT_TYPE_V1, type Statement } from "../attest/statement.ts";
import { FindingSchema } from "../measure/predicate.ts";

export const PIN_PREDICATE_TYPE = "https://bunseal.dev/attestations/pin/v1";

const Digest = z.string().regex(/^[0-9a-f]{64}$/, "a sha256 hex digest");

export const PinPredicateSchema = z.strictObject({
  service: z.string().min(1),
  env: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "an environment name of letters, digits, '.', '_' or '-'"),
  sequence: z.number().int().positive(),
  previousDigest: Digest.nullable(),
  actor: z.string().min(1),
  reason: z.string(),
  pinnedAt: z.iso.datetime({ offset: true }),
  rollbackOf: z.number().int().positive().nullable(),
  /**
   * For a service held to runtime budgets (issue 22): the verified measurement the pin rested on, and,
   * when its verdict failed, the reason given to pin it anyway (`--allow-regression`) with the findings
   * it overrode. Absent from every other pin, so those keep their shape.
   */
  measurement: z
    .strictObject({
      measuredAt: z.iso.datetime({ offset: true }),
      against: Digest.nullable(),
      passed: z.boolean(),
      allowedRegression: z.strictObject({ reason: z.string().min(1), findings: z.array(FindingSchema) }).optional(),
    })
    .optional(),
});

export type PinPredicate = z.infer<typeof PinPredicateSchema>;

export function pinStatement(digest: string, artifactName: string, predicate: PinPredicate): Statement<PinPredicate> {
  return { _type: STATEMENT_TYPE_V1, subject: [{ name: artifactName, digest: { sha256: digest } }], predicateType: PIN_PREDICATE_TYPE, predicate };
}
