/**
 * Every published JSON Schema, generated from the zod schema that is the
 * source of truth. `bun run schemas` writes them to schemas/; a test fails
 * when a file there drifts from what this produces.
 */
import { z } from "../vendor/zod.js";
import { ExternalParametersSchema, InternalParametersSchema, BUILD_TYPE } from "../attest/build-type.ts";
import { DsseEnvelopeSchema } from "../attest/dsse.ts";
import { ResourceDescriptorSchema } from "../attest/resource-descriptor.ts";
import { ProvenanceV1Schema } from "../attest/slsa-provenance.ts";
import { StatementSchema } from "../attest/statement.ts";
import { ConfigSchema } from "../config/schema.ts";
import { PolicySchema } from "../policy/schema.ts";
import { SignersFileSchema } from "../signers/schema.ts";
import { VsaPredicateSchema } from "../vsa/schema.ts";
import { MeasurementPredicateSchema } from "../measure/predicate.ts";

interface Published {
  file: string;
  title: string;
  schema: z.ZodType;
  /** the input shape (defaults optional) for files people write; the output shape for documents bunseal writes */
  io: "input" | "output";
}

export const PUBLISHED_SCHEMAS: readonly Published[] = [
  { file: "config.schema.json", title: "bunseal configuration (bunseal.json)", schema: ConfigSchema, io: "input" },
  { file: "policy.schema.json", title: "bunseal verification policy (bunseal verify --policy)", schema: PolicySchema, io: "input" },
  { file: "signers.schema.json", title: "bunseal signers file: names for key ids and keyless identities (bunseal verify --signers)", schema: SignersFileSchema, io: "input" },
  { file: "in-toto-statement-v1.schema.json", title: "in-toto Statement v1", schema: StatementSchema, io: "output" },
  { file: "in-toto-resource-descriptor-v1.schema.json", title: "in-toto ResourceDescriptor v1", schema: ResourceDescriptorSchema, io: "output" },
  { file: "slsa-provenance-v1.schema.json", title: "SLSA Provenance v1 predicate", schema: ProvenanceV1Schema, io: "output" },
  { file: "vsa.schema.json", title: "SLSA Verification Summary Attestation v1 predicate (bunseal verify --vsa)", schema: VsaPredicateSchema, io: "output" },
  { file: "runtime-measurement.schema.json", title: "bunseal runtime measurement v1 predicate (bunseal measure)", schema: MeasurementPredicateSchema, io: "output" },
  { file: "dsse-envelope-v1.schema.json", title: "DSSE envelope v1", schema: DsseEnvelopeSchema, io: "output" },
  {
    file: "bunseal-build-type-v1.schema.json",
    title: `bunseal build type ${BUILD_TYPE}: externalParameters and internalParameters`,
    schema: z.strictObject({ externalParameters: ExternalParametersSchema, internalParameters: InternalParametersSchema }),
    io: "output",
  },
];

export function renderSchema(entry: Published): string {
  const json = z.toJSONSchema(entry.schema, { io: entry.io, target: "draft-2020-12", unrepresentable: "any" }) as Record<string, unknown>;
  const document = { $id: `https://bunseal.dev/schemas/${entry.file}`, title: entry.title, ...json };
  return `${JSON.stringify(document, null, 2)}\n`;
}
