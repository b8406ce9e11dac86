/**
 * What a pin's bundle signs, against what a pin file or a store row claims:
 * the signature by a trusted key, a bunseal pin statement inside, and every
 * claimed field the signed one. Shared by `pins verify` (a file) and the
 * history rollback and `pins` read (rows): the file and the row are both
 * copies anyone with write access can edit; only the bundle was signed.
 */
import type { KeyObject } from "node:crypto";
import { bundleFromJSON } from "@sigstore/bundle";
import { IN_TOTO_PAYLOAD_TYPE } from "../attest/dsse.ts";
import { StatementSchema } from "../attest/statement.ts";
import { checkKeySignature } from "../verify/check-signature.ts";
import type { Finding } from "../verify/finding.ts";
import { PIN_PREDICATE_TYPE, PinPredicateSchema } from "./pin-statement.ts";

export interface SignedPinFinding {
  code: Finding["code"];
  message: string;
  field?: string;
  expected?: string;
  found?: string;
}

/** The fields of a pin a copy claims (a pin file's, a store row's), digest as hex. */
export type ClaimedPin = Record<"service" | "env" | "sequence" | "digest" | "previousDigest" | "actor" | "reason" | "pinnedAt" | "rollbackOf", unknown>;

const FIELDS = ["service", "env", "sequence", "digest", "previousDigest", "actor", "reason", "pinnedAt", "rollbackOf"] as const;

/**
 * `keys` null: the signature is not checked here (the caller names no key and says so); the fields always are.
 * Throws what @sigstore/bundle throws for a bundle that does not parse: the caller decides what that means.
 */
export async function checkSignedPin(bundleJson: unknown, claimed: ClaimedPin, keys: readonly KeyObject[] | null): Promise<SignedPinFinding[]> {
  return (await checkSignedPinSigner(bundleJson, claimed, keys)).findings;
}

/** As checkSignedPin, with the id of the given key that verified the signature (none when keys is null or none did). */
export async function checkSignedPinSigner(bundleJson: unknown, claimed: ClaimedPin, keys: readonly KeyObject[] | null): Promise<{ findings: SignedPinFinding[]; keyId?: string }> {
  const findings: SignedPinFinding[] = [];
  const bundle = bundleFromJSON(bundleJson);
  let keyId: string | undefined;
  if (keys !== null) {
    const signature = await checkKeySignature(bundle, keys);
    if (signature.finding) findings.push(signature.finding);
    keyId = signature.keyId;
  }
  return { findings: checkStatement(bundle, claimed, findings), ...(keyId ? { keyId } : {}) };
}

function checkStatement(bundle: ReturnType<typeof bundleFromJSON>, claimed: ClaimedPin, findings: SignedPinFinding[]): SignedPinFinding[] {
  if (bundle.content.$case !== "dsseEnvelope" || bundle.content.dsseEnvelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    findings.push({ code: "STATEMENT_INVALID", message: "the pin's bundle carries no in-toto statement", expected: IN_TOTO_PAYLOAD_TYPE });
    return findings;
  }
  const statement = StatementSchema.safeParse(parseJson(bundle.content.dsseEnvelope.payload));
  const predicate = statement.success && statement.data.predicateType === PIN_PREDICATE_TYPE ? PinPredicateSchema.safeParse(statement.data.predicate) : undefined;
  if (!statement.success || !predicate?.success || statement.data.subject.length !== 1) {
    findings.push({ code: "STATEMENT_INVALID", message: "the signed statement is not a bunseal pin", expected: PIN_PREDICATE_TYPE });
    return findings;
  }
  const signed: ClaimedPin = { ...predicate.data, digest: statement.data.subject[0]!.digest.sha256 };
  for (const field of FIELDS) {
    if (claimed[field] !== signed[field]) findings.push({ code: "STATEMENT_INVALID", field, message: `${field}: ${describe(field, claimed[field])} is not the signed ${describe(field, signed[field])}`, expected: JSON.stringify(signed[field]), found: JSON.stringify(claimed[field]) });
  }
  return findings;
}

function describe(field: string, value: unknown): string {
  return (field === "digest" || field === "previousDigest") && typeof value === "string" ? `sha256:${value}` : JSON.stringify(value);
}

/** The signed payload as JSON, or undefined (which the statement check reports) when it is not JSON. */
function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
}
