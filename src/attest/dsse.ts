/**
 * DSSE envelope v1 (https://github.com/secure-systems-lab/dsse/blob/master/envelope.md)
 * and its pre-authentication encoding, the exact bytes a signature covers.
 */
import { z } from "../vendor/zod.js";

export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";

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

/** PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths in ASCII decimal bytes. */
export function preAuthEncoding(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = new TextEncoder().encode(payloadType);
  const header = new TextEncoder().encode(`DSSEv1 ${type.byteLength} ${payloadType} ${payload.byteLength} `);
  const out = new Uint8Array(header.byteLength + payload.byteLength);
  out.set(header, 0);
  out.set(payload, header.byteLength);
  return out;
}
