/**
 * in-toto Statement v1 (https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md):
 * the subjects an attestation is about, and a typed predicate.
 */
import { z } from "../vendor/zod.js";
import { DigestSetSchema, ResourceDescriptorSchema } from "./resource-descriptor.ts";

export const STATEMENT_TYPE_V1 = "https://in-toto.io/Statement/v1";

/** A subject must name a digest: a statement about "a file called x" says nothing verifiable. */
export const SubjectSchema = ResourceDescriptorSchema.and(z.looseObject({ digest: DigestSetSchema.refine((d) => Object.keys(d).length > 0, "at least one digest") }));

export const StatementSchema = z.looseObject({
  _type: z.literal(STATEMENT_TYPE_V1),
  subject: z.array(SubjectSchema).min(1),
  predicateType: z.url(),
  predicate: z.record(z.string(), z.unknown()),
});

export interface Subject {
  name?: string;
  uri?: string;
  digest: Record<string, string>;
  [extra: string]: unknown;
}

export interface Statement<P = Record<string, unknown>> {
  _type: typeof STATEMENT_TYPE_V1;
  subject: Subject[];
  predicateType: string;
  predicate: P;
}
