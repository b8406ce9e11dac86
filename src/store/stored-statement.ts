/**
 * The statement inside a bundle the store keeps. The store took the bundle in
 * only after it verified, so what this reads is that verified statement; a row
 * changed since is caught by verifying again (src/store/verify-stored.ts),
 * which whatever acts on the record does.
 */
import type { ProvenanceV1 } from "../attest/slsa-provenance.ts";
import type { Statement } from "../attest/statement.ts";

/** Throws (a SyntaxError) when the text holds no DSSE envelope with a JSON payload. */
export function storedStatement(bundleJson: string): Statement<ProvenanceV1> {
  const payload = (JSON.parse(bundleJson) as { dsseEnvelope?: { payload?: unknown } }).dsseEnvelope?.payload;
  return JSON.parse(Buffer.from(typeof payload === "string" ? payload : "", "base64").toString("utf8")) as Statement<ProvenanceV1>;
}
