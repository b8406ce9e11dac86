/**
 * DSSE envelope v1 (https://github.com/secure-systems-lab/dsse/blob/master/envelope.md)
 * and its pre-authentication encoding, the exact bytes a signature covers.
 */
import { z } from "../vendor/zod.js";

// the encoding and the payload type live apart, so a signature check does not build these schemas
export { IN_TOTO_PAYLOAD_TYPE, preAuthEncoding } from "./pae.ts";

export const DsseSignatureSchema = z.looseObject({
  keyid: z.string().optional(),
  sig: z.base64().min(1),
});

export const DsseEnvelopeSchema = z.looseObject({
  payload: z.base64(),
  payloadType: z.string().min(1),
  signatures: z.array(DsseSignatureSchema).min(1),
});

export type DsseEnvelope = z.infer<typeof DsseEnvelopeSchema>;
