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
import { checkSignedPin, type SignedPinFinding } from "./signed-pin.ts";

/** `keys` null: only that each row is what its bundle signs (a listing whose caller gave no key). */
export async function assertPinRows(rows: readonly PinRecord[], keys: readonly KeyObject[] | null, location: string): Promise<void> {
  const bad: { pin: PinRecord; findings: SignedPinFinding[] }[] = [];
  for (const pin of rows) {
    const findings = await rowFindings(pin, keys);
    if (findings.length > 0) bad.push({ pin, findings });
  }
  if (bad.length === 0) return;
  const lines = bad.flatMap(({ pin, findings }) => findings.map((f) => `pin #${pin.sequence} of ${pin.service} in ${pin.env}: ${rowMessage(f)}`));
  const first = bad[0]!.findings[0]!;
  throw new BunsealError("PIN_ROW_INVALID", `${location}: ${bad.length} pin row(s) are not what was signed, so nothing is decided on them; the store's rows were changed after they were written:\n  ${lines.join("\n  ")}`, {
    field: first.field ?? "bundle",
    expected: first.expected ?? "a row matching its signed pin",
    found: first.found,
  });
}

async function rowFindings(pin: PinRecord, keys: readonly KeyObject[] | null): Promise<SignedPinFinding[]> {
  try {
    const findings = await checkSignedPin(JSON.parse(pin.bundle), pin, keys);
    return findings.map((f) => (f.code === "SIGNATURE_INVALID" ? { ...f, message: `not signed by a key given (--key): ${f.message}` } : f));
  } catch (error) {
    return [{ code: "BUNDLE_INVALID", field: "bundle", message: `its bundle does not parse (${(error as Error).message})` }];
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
