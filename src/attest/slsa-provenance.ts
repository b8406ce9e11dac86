/**
 * SLSA Provenance v1 predicate (https://slsa.dev/spec/v1.0/provenance), from
 * the spec. Required fields are required; the parameter objects are free-form
 * here because each buildType defines its own (bunseal's is in build-type.ts).
 */
import { z } from "../vendor/zod.js";
import { ResourceDescriptorSchema } from "./resource-descriptor.ts";

export const SLSA_PROVENANCE_V1 = "https://slsa.dev/provenance/v1";

const Timestamp = z.iso.datetime({ offset: true });

export const BuilderSchema = z.looseObject({
  id: z.url(),
  builderDependencies: z.array(ResourceDescriptorSchema).optional(),
  version: z.record(z.string(), z.string()).optional(),
});

export const BuildMetadataSchema = z.looseObject({
  invocationId: z.string().optional(),
  startedOn: Timestamp.optional(),
  finishedOn: Timestamp.optional(),
});

export const BuildDefinitionSchema = z.looseObject({
  buildType: z.url(),
  externalParameters: z.record(z.string(), z.unknown()),
  internalParameters: z.record(z.string(), z.unknown()).optional(),
  resolvedDependencies: z.array(ResourceDescriptorSchema).optional(),
});

export const RunDetailsSchema = z.looseObject({
  builder: BuilderSchema,
  metadata: BuildMetadataSchema.optional(),
  byproducts: z.array(ResourceDescriptorSchema).optional(),
});

export const ProvenanceV1Schema = z.looseObject({
  buildDefinition: BuildDefinitionSchema,
  runDetails: RunDetailsSchema,
});

export type ProvenanceV1 = z.infer<typeof ProvenanceV1Schema>;
