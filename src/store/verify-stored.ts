/**
 * An attestation from the store, verified again: the store is a cache of
 * verified facts, not a source of trust, so whatever acts on a record (pin,
 * rollback, trace's "still verifies") checks the signed bundle once more —
 * against the trust the caller names (keys, a keyless identity, a policy),
 * or else the signer the record was verified with when it was stored: its
 * key, or its certificate identity and issuer under the same trusted root.
 */
import { createPublicKey } from "node:crypto";
import { isBunsealError } from "../errors.ts";
import type { ProvenanceV1 } from "../attest/slsa-provenance.ts";
import type { Statement } from "../attest/statement.ts";
import type { Finding } from "../verify/finding.ts";
import type { Verified } from "../verify/verify-bundle.ts";
import { verifyTrusted, type Trust } from "../verify/trust.ts";
import { factMismatches, recordedFacts } from "./record-facts.ts";
import type { ArtifactRecord } from "./store.ts";

export interface StoredVerdict {
  verified: boolean;
  failures: Finding[];
  /** the statement, when verified: what a command that reads the record's contents reads */
  statement?: Verified<Statement<ProvenanceV1>>;
}

export async function verifyStored(record: ArtifactRecord, trust: Trust | undefined = undefined, options: { allowDirty?: boolean; allowUnsandboxed?: boolean } = {}): Promise<StoredVerdict> {
  let anchor: Trust;
  try {
    anchor = trust ?? storedTrust(record);
  } catch (error) {
    // the row's own key or trusted root no longer parses: the record is still shown (trace), never trusted
    return { verified: false, failures: [{ code: "STORE_RECORD_MISMATCH", field: "signer", message: `signer: the store's key or trusted root for this record does not parse (${(error as Error).message}); the store's row was changed after it was recorded` }] };
  }
  try {
    const report = await verifyTrusted(anchor, {
      artifact: `sha256:${record.digest}`,
      bundlePath: `store:${record.name}`,
      bundleBytes: new TextEncoder().encode(record.bundle),
      expectations: { allowDirty: options.allowDirty, allowUnsandboxed: options.allowUnsandboxed },
    });
    if (!report.verified) return { verified: false, failures: report.failures };
    // signed by the trusted signer, but not provenance (a keyless identity vouches for any predicate): not this record's build
    if (!report.verifiedStatement) return { verified: false, failures: [{ code: "STORE_RECORD_MISMATCH", field: "predicateType", message: `the stored bundle verifies but is no build provenance (${report.predicateType ?? "a bare signature"}): it is not the record's build`, found: report.predicateType }] };
    // the signature holds; now the row: every fact the commands show or act on must be the signed one
    const mismatches = [...storedFactsMismatch(record, report.verifiedStatement), ...signerMismatch(record, report.signer)];
    return mismatches.length === 0 ? { verified: true, failures: [], statement: report.verifiedStatement } : { verified: false, failures: mismatches };
  } catch (error) {
    // a row changed behind bunseal's back: the record is still shown (trace), and still refused (pin)
    if (isBunsealError(error) && error.code === "BUNDLE_INVALID") return { verified: false, failures: [{ code: "BUNDLE_INVALID", message: `the stored bundle no longer parses: ${error.message}` }] };
    throw error;
  }
}

function storedFactsMismatch(record: ArtifactRecord, statement: Parameters<typeof recordedFacts>[0]): Finding[] {
  try {
    return factMismatches(record, recordedFacts(statement));
  } catch (error) {
    // a signed statement that is no bunseal build (another of the signer's attestations put in its place)
    if (isBunsealError(error)) return [{ code: "STORE_RECORD_MISMATCH", field: error.field, message: `the stored bundle is not the record's build: ${error.message}` }];
    throw error;
  }
}

/** The key the row names as the signer must be the one that verified (keyless identities are the trust itself). */
function signerMismatch(record: ArtifactRecord, signer: { keyId?: string } | undefined): Finding[] {
  if (record.signer.kind !== "key" || signer?.keyId === record.signer.keyId) return [];
  return [{ code: "STORE_RECORD_MISMATCH", field: "signer", message: `signer: the store says key ${record.signer.keyId}, the signature is by ${signer?.keyId ? `key ${signer.keyId}` : "no key"}; the store's row was changed after it was recorded`, expected: signer?.keyId ?? "a key", found: record.signer.keyId }];
}

/** The trust a record was stored under: what verifies it when the caller names none. */
export function storedTrust(record: ArtifactRecord): Trust {
  const trustedRoot = record.signerTrustedRoot === null ? undefined : (JSON.parse(record.signerTrustedRoot) as Record<string, unknown>);
  if (record.signer.kind === "keyless") return { kind: "identity", identity: { identity: record.signer.identity, issuer: record.signer.issuer }, trustedRoot };
  return { kind: "keys", keys: [createPublicKey(record.signerPublicKey!)], trustedRoot };
}
