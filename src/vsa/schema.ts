/**
 * SLSA Verification Summary Attestation v1
 * (https://slsa.dev/spec/v1.0/verification_summary), the predicate of the
 * statement `bunseal verify --vsa` signs: who verified what, when, against
 * which policy and which attestations, and with what result.
 *
 * Loose objects, as the spec's parsing rules ask of consumers ("MUST ignore
 * unrecognized fields"): a VSA from another verifier may carry more. Every
 * field bunseal reads is required and typed, so an extra field is never read
 * in place of a missing one. JSON Schema: schemas/vsa.schema.json.
 */
import { z } from "../vendor/zod.js";
import { DigestSetSchema, ResourceDescriptorSchema } from "../attest/resource-descriptor.ts";

import { VSA_PREDICATE_TYPE } from "./predicate-type.ts";

export { VSA_PREDICATE_TYPE };
/** the SLSA specification version the levels are judged by (`slsaVersion`, `<MAJOR>.<MINOR>`) */
export const SLSA_VERSION = "1.0";

export const BUILD_LEVELS = ["SLSA_BUILD_LEVEL_0", "SLSA_BUILD_LEVEL_1", "SLSA_BUILD_LEVEL_2", "SLSA_BUILD_LEVEL_3"] as const;
export type BuildLevel = (typeof BUILD_LEVELS)[number];
/** what verifiedLevels holds when the verification failed */
export const FAILED_LEVEL = "FAILED";

const SLSA_TRACK_LEVEL = /^SLSA_([A-Z]+)_LEVEL_([0-9]+)$/;

/** `SLSA_BUILD_LEVEL_2` → {track: "BUILD", level: 2}; undefined for a custom value or FAILED. */
export function parseSlsaLevel(value: string): { track: string; level: number } | undefined {
  const match = SLSA_TRACK_LEVEL.exec(value);
  return match ? { track: match[1]!, level: Number(match[2]) } : undefined;
}

/** An RFC 3339 timestamp in UTC, as in-toto's Timestamp field type asks. */
const Timestamp = z.iso.datetime({ offset: false });

const SlsaResult = z.string().min(1).describe("SLSA_BUILD_LEVEL_0…3, FAILED, or a custom value not starting with SLSA_");

export const VsaPredicateSchema = z
  .looseObject({
    verifier: z.looseObject({
      id: z.url().describe("the verifier's identity (a URI)"),
      version: z.record(z.string(), z.string()).optional().describe("component → version of the verifier (SLSA VSA v1.1's verifier.version)"),
    }),
    timeVerified: Timestamp.describe("when the verification ran (UTC)"),
    resourceUri: z.string().min(1).describe("the resource the artifact was verified as (a URI)"),
    // The spec requires a uri; a policy without a digest could be swapped for another by the same name.
    policy: ResourceDescriptorSchema.and(z.looseObject({ uri: z.string().min(1), digest: DigestSetSchema.refine((d) => Object.keys(d).length > 0, "at least one digest") })).describe(
      "the policy the subject was verified against: the policy file (its file: URI and the sha256 of its bytes), or the verify flags (their canonical JSON, in content)",
    ),
    inputAttestations: z
      .array(ResourceDescriptorSchema.and(z.looseObject({ digest: DigestSetSchema.refine((d) => Object.keys(d).length > 0, "at least one digest") })))
      .optional()
      .describe("every attestation the verification used: each bundle's uri and the sha256 of the bundle file's bytes"),
    verificationResult: z.enum(["PASSED", "FAILED"]),
    verifiedLevels: z
      .array(SlsaResult)
      .min(1)
      .superRefine((levels, ctx) => {
        // the spec: at most one level per track (each implies those below it)
        const tracks = new Set<string>();
        levels.forEach((value, index) => {
          const parsed = parseSlsaLevel(value);
          if (!parsed) return;
          if (tracks.has(parsed.track)) ctx.addIssue({ code: "custom", path: [index], input: value, message: `one level per SLSA track (a second ${parsed.track} level)` });
          tracks.add(parsed.track);
        });
      })
      .describe("the highest level verified on each SLSA track, or [\"FAILED\"]"),
    dependencyLevels: z.record(z.string(), z.number().int().nonnegative()).optional(),
    slsaVersion: z.string().regex(/^[0-9]+\.[0-9]+$/, "<MAJOR>.<MINOR>").optional(),
  })
  .superRefine((predicate, ctx) => {
    // a PASSED summary that lists FAILED, or the reverse, says two things at once
    const failedListed = predicate.verifiedLevels.includes(FAILED_LEVEL);
    if ((predicate.verificationResult === "PASSED") === failedListed) {
      ctx.addIssue({ code: "custom", path: ["verifiedLevels"], input: predicate.verifiedLevels, message: predicate.verificationResult === "PASSED" ? "no FAILED level in a PASSED summary" : "[\"FAILED\"] in a FAILED summary" });
    }
  });

export type VsaPredicate = z.infer<typeof VsaPredicateSchema>;
