/**
 * `bunseal pins verify PINFILE`: the pin file is what deploy tooling trusts,
 * so check everything it claims: the signature over the pin statement, that
 * the file's fields are the signed ones, that the pinned artifact has a
 * verified attestation in the store, and that it is not an old pin replayed
 * after a newer one (PIN_DOWNGRADE).
 */
import type { KeyObject } from "node:crypto";
import type { Store } from "../store/store.ts";
import { verifyStored } from "../store/verify-stored.ts";
import type { Trust } from "../verify/trust.ts";
import type { Finding } from "../verify/finding.ts";
import { BunsealError, isBunsealError } from "../errors.ts";
import { basename } from "node:path";
import { legacyPinFileName, pinFileName, readPinFile, type PinFile } from "./pin-file.ts";
import { checkSignedPin } from "./signed-pin.ts";

export type PinFindingCode = Finding["code"] | "PIN_DOWNGRADE" | "NOT_FOUND";

export interface PinFinding {
  code: PinFindingCode;
  message: string;
  expected?: string;
  found?: string;
}

export interface PinFileReport {
  verified: boolean;
  pin: Omit<PinFile, "bundle">;
  newestKnown: number | null;
  failures: PinFinding[];
}

/**
 * `keys` are trusted to have signed the pin; `artifactTrust`, what the pinned artifact's attestation
 * must verify against (default: the signer the store recorded for it).
 */
/** The pair a pin file must be for (`pins verify --env --service`): its signed names, and its file name. */
export interface PinFileBinding {
  env?: string;
  service?: string;
}

export async function verifyPinFile(path: string, keys: readonly KeyObject[], store: Store | undefined, artifactTrust?: Trust, binding: PinFileBinding = {}): Promise<PinFileReport> {
  const file = await readPinFile(path);
  const { bundle: bundleJson, ...pin } = file;
  const failures: PinFinding[] = [];

  // a valid pin of another pair, copied over this pair's file (prod's pin as staging's), verifies by itself:
  // the file is bound to the pair the caller deploys. Its names are compared here, the signed ones below.
  for (const field of ["env", "service"] as const) {
    const wanted = binding[field];
    if (wanted !== undefined && pin[field] !== wanted) failures.push({ code: "EXPECTATION_FAILED", message: `the pin is for ${field} ${JSON.stringify(pin[field])}, not the ${JSON.stringify(wanted)} asked for`, expected: wanted, found: pin[field] });
  }
  if (binding.env !== undefined && binding.service !== undefined) {
    const names = [pinFileName(binding.service, binding.env), legacyPinFileName(binding.service, binding.env)];
    if (!names.includes(basename(path))) failures.push({ code: "EXPECTATION_FAILED", message: `the file is named ${basename(path)}; the pin file of ${binding.service} in ${binding.env} is ${names[0]} (or ${names[1]}, written by an older bunseal)`, expected: names[0], found: basename(path) });
  }

  // signature over the pin statement, and the file's fields the signed ones; the bundle is the file's, so a malformed one is bad input, not a bug
  for (const f of await malformedAsInput(path, () => checkSignedPin(bundleJson, pin, keys))) {
    failures.push(f.code === "STATEMENT_INVALID" && f.field ? { ...f, message: `the file's ${f.field} is not the signed one` } : f);
  }

  // the artifact, and the history, as the store knows them
  let newestKnown: number | null = null;
  if (store) {
    const artifact = await store.getArtifact(pin.digest);
    if (!artifact) {
      failures.push({ code: "NOT_FOUND", message: `the pinned artifact sha256:${pin.digest} is not in the store`, expected: "a stored, verified attestation" });
    } else {
      const verdict = await verifyStored(artifact, artifactTrust);
      for (const f of verdict.failures) failures.push({ ...f, message: `the pinned artifact's attestation: ${f.message}` });
    }
    newestKnown = (await store.latestPin(pin.service, pin.env))?.sequence ?? null;
    if (newestKnown !== null && pin.sequence < newestKnown) {
      failures.push({ code: "PIN_DOWNGRADE", message: `pin ${pin.sequence} of ${pin.service} in ${pin.env} is older than pin ${newestKnown}, the newest the store knows: an old pin file replayed`, expected: `sequence >= ${newestKnown}`, found: String(pin.sequence) });
    }
  }
  return { verified: failures.length === 0, pin, newestKnown, failures };
}

/** A bundle the library cannot read: BUNDLE_INVALID naming the pin file (exit 2). */
function malformedAsInput<T>(path: string, read: () => T): T {
  const fail = (cause: unknown): never => {
    if (isBunsealError(cause)) throw cause;
    throw new BunsealError("BUNDLE_INVALID", `${path}: expected a Sigstore bundle in the pin file's "bundle", got one that does not parse (${(cause as Error)?.message ?? String(cause)})`, { file: path, field: "bundle", expected: "a Sigstore bundle", cause });
  };
  try {
    const result = read();
    return (result instanceof Promise ? result.catch(fail) : result) as T;
  } catch (cause) {
    return fail(cause);
  }
}
