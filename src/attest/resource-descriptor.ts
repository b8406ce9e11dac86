/**
 * in-toto ResourceDescriptor v1
 * (https://github.com/in-toto/attestation/blob/main/spec/v1/resource_descriptor.md).
 * No in-toto package exists on the npm registry, so the format is written here
 * from the spec. Unknown fields are allowed, as the spec asks of consumers, so
 * that descriptors from other producers parse; bunseal's own build type is
 * checked strictly elsewhere.
 */
import { z } from "../vendor/zod.js";

/** Algorithm name → lower-case hex digest (the spec's DigestSet). */
export const DigestSetSchema = z.record(z.string().regex(/^[A-Za-z0-9_-]+$/, "a digest algorithm name"), z.string().regex(/^[0-9a-fA-F]+$/, "a hex digest"));

export const ResourceDescriptorSchema = z
  .looseObject({
    uri: z.string().min(1).optional(),
    digest: DigestSetSchema.optional(),
    name: z.string().min(1).optional(),
    downloadLocation: z.string().min(1).optional(),
    mediaType: z.string().min(1).optional(),
    content: z.base64().optional(),
    annotations: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((rd) => rd.uri !== undefined || rd.digest !== undefined || rd.content !== undefined, "a descriptor with at least one of uri, digest or content");

export type ResourceDescriptor = z.infer<typeof ResourceDescriptorSchema>;
