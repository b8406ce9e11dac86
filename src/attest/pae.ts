/**
 * The DSSE pre-authentication encoding and in-toto's payload type: what a
 * signature check needs of DSSE, without the envelope's schema (src/attest/dsse.ts),
 * which a verifier that reads the envelope through the bundle's shape
 * (src/verify/bundle-schema.ts) never uses and should not build (issue #23).
 */

export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";

/** PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths in ASCII decimal bytes. */
export function preAuthEncoding(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = new TextEncoder().encode(payloadType);
  const header = new TextEncoder().encode(`DSSEv1 ${type.byteLength} ${payloadType} ${payload.byteLength} `);
  const out = new Uint8Array(header.byteLength + payload.byteLength);
  out.set(header, 0);
  out.set(payload, header.byteLength);
  return out;
}
