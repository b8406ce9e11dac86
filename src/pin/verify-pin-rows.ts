/**
 * Pin rows from the store, checked before they steer anything (a rollback's
 * target, its plan, what `pins` shows): the store is a copy, and a row's
 * digest edited in the database (its bundle still signing another) once made
 * rollback sign a pin for an artifact never pinned there (issue 20, item 9).
 * Each row must match its signed pin statement field by field and, when keys
 * are given, be signed by one of them. Every bad row is named, then refused.
 */
import type { KeyObject } from "node:crypto";
import { BunsealError } from "../errors.ts";
import type { PinRecord } from "../store/store.ts";
import { checkSignedPinSigner, type SignedPinFinding } from "./signed-pin.ts";

/**
 * `keys` null: only that each row is what its bundle signs (a listing whose caller gave no key).
 * Returns, row by row, the id of the given key that signed it (undefined when keys is null).
 */
export async function assertPinRows(rows: readonly PinRecord[], keys: readonly KeyObject[] | null, location: string): Promise<(string | undefined)[]> {
  const bad: { pin: PinRecord; findings: SignedPinFinding[] }[] = [];
  const signers: (string | undefined)[] = [];
  for (const pin of rows) {
    const { findings, keyId } = await rowFindings(pin, keys);
    if (findings.length > 0) bad.push({ pin, findings });
    signers.push(keyId);
  }
  if (bad.length === 0) return signers;
  const lines = bad.flatMap(({ pin, findings }) => findings.map((f) => `pin #${pin.sequence} of ${pin.service} in ${pin.env}: ${rowMessage(f)}`));
  const first = bad[0]!.findings[0]!;
  throw new BunsealError("PIN_ROW_INVALID", `${location}: ${bad.length} pin row(s) are not what was signed, so nothing is decided on them; the store's rows were changed after they were written:\n  ${lines.join("\n  ")}`, {
    field: first.field ?? "bundle",
    expected: first.expected ?? "a row matching its signed pin",
    found: first.found,
  });
}

/**
 * For the readers that show rows rather than decide on them (the console's
 * matrix and timeline, trace's pin places): what is wrong with this row, as
 * the user reads it; empty when it is what its bundle signs. No key is
 * checked here (those readers are given none), only the row against its
 * signed pin, so an edited digest is never shown as "running now".
 */
export async function pinRowProblems(pin: PinRecord): Promise<string[]> {
  return (await rowFindings(pin, null)).findings.map(rowMessage);
}

async function rowFindings(pin: PinRecord, keys: readonly KeyObject[] | null): Promise<{ findings: SignedPinFinding[]; keyId?: string }> {
  try {
    const { findings, keyId } = await checkSignedPinSigner(JSON.parse(pin.bundle), pin, keys);
    return { findings: findings.map((f) => (f.code === "SIGNATURE_INVALID" ? { ...f, message: `not signed by a key given (--key): ${f.message}` } : f)), keyId };
  } catch (error) {
    return { findings: [{ code: "BUNDLE_INVALID", field: "bundle", message: `its bundle does not parse (${(error as Error).message})` }] };
  }
}

/** For a digest, say both sides as the user reads them: the row says X, the signed pin says Y. */
function rowMessage(f: SignedPinFinding): string {
  if (f.code !== "STATEMENT_INVALID" || !f.field) return f.message;
  const show = (json: string | undefined) => {
    const value = json === undefined ? undefined : JSON.parse(json);
    return (f.field === "digest" || f.field === "previousDigest") && typeof value === "string" ? `sha256:${value}` : String(json);
  };
  return `${f.field}: the row says ${show(f.found)}, the signed pin says ${show(f.expected)}`;
}
