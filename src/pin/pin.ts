/**
 * `bunseal pin`: append a signed pin to the history of (service, env). Only
 * an artifact whose attestation verifies can be pinned; the history only ever
 * grows; the pin file follows the newest pin.
 *
 * The store row and the pin file succeed or fail together (issue 8, attack 6):
 * the pins folder is checked before anything is signed, the pin file is
 * written under a temporary name before the row is inserted, and renamed
 * into place after. The one step that can still fail after the row, the
 * rename, is repaired by running the same pin again: a pin that repeats the
 * newest one (same artifact, actor and reason) writes its file again instead
 * of adding a second pin.
 */
import type { KeyObject } from "node:crypto";
import { BunsealError } from "../errors.ts";
import { signStatement } from "../sign/sign-statement.ts";
import type { Signer } from "../sign/signer.ts";
import type { ArtifactRecord, PinRecord, Store } from "../store/store.ts";
import { verifyStored } from "../store/verify-stored.ts";
import type { Trust } from "../verify/trust.ts";
import { storedTrust } from "../store/verify-stored.ts";
import { gatePin, type GateOutcome, type PinMeasurement } from "./measurement-gate.ts";
import { verifiedMeasurementsOf } from "./verified-measurements.ts";
import { canonicalJson } from "../util/canonical-json.ts";
import { parseDigest } from "../util/digest.ts";
import { parseDigestPrefix } from "./digest-prefix.ts";
import { resolveDigestPrefix } from "../store/digest-prefix.ts";
import { assertName } from "../config/names.ts";
import { ensureWritableDir } from "../util/atomic-write.ts";
import { commitPinFile, discardPinFile, exportPinFile, stagePinFile } from "./pin-file.ts";
import { pinStatement } from "./pin-statement.ts";
import { assertPinRows } from "./verify-pin-rows.ts";

export interface PinRequest {
  /** `sha256:<hex>` or hex */
  digest: string;
  env: string;
  reason: string;
  actor: string;
  signer: Signer;
  /** what the artifact's attestation must verify against (keys, a keyless identity, a policy); default: the signer it was stored with */
  trust?: Trust;
  allowDirty?: boolean;
  /** pin an artifact recorded as built without its sandbox (`--allow-unsandboxed`) */
  allowUnsandboxed?: boolean;
  /** the sequence of the pin this one rolls back */
  rollbackOf?: number | null;
  /** when set, the pin must follow exactly this sequence (a rollback planned against it); otherwise a lost race is retried */
  expectedSequence?: number;
  /** `--allow-regression REASON`: pin an artifact whose measurement failed its budgets, recorded in the signed pin */
  allowRegression?: string;
  /** public keys trusted to have signed measurements besides the artifact's trust (the CLI: the pin signer's own) */
  measurementKeys?: readonly KeyObject[];
  /** folder for the pin file; null: write none */
  pinsDir: string | null;
  now?: () => Date;
}

export interface PinOutcome {
  pin: PinRecord;
  artifact: ArtifactRecord;
  file: string | null;
  /** true when the request repeated the newest pin (a retry): no pin was added, its file was written again */
  repeated: boolean;
  /** the measurement the pin rested on (a service held to runtime budgets), as the signed pin records it */
  measurement?: PinMeasurement;
}

const RETRIES = 8;

export async function pinArtifact(store: Store, request: PinRequest): Promise<PinOutcome> {
  const digest = await storedDigest(store, request.digest);
  const env = assertName(request.env, "env");
  const artifact = await store.getArtifact(digest);
  if (!artifact) {
    throw new BunsealError("NOT_FOUND", `sha256:${digest} is not in the store (${store.location}); expected an artifact recorded by build --store or store import`, { field: "DIGEST", expected: "a stored artifact", found: `sha256:${digest}` });
  }
  // the service comes from a signed statement, perhaps someone else's, stored by an older bunseal: it names a file below
  const service = assertName(artifact.service, "service");
  if (request.pinsDir !== null) await ensureWritableDir(request.pinsDir);
  const verdict = await verifyStored(artifact, request.trust, { allowDirty: request.allowDirty, allowUnsandboxed: request.allowUnsandboxed });
  if (!verdict.verified) {
    throw new BunsealError("PIN_REFUSED", `${artifact.name} cannot be pinned: its attestation does not verify:\n  ${verdict.failures.map((f) => `${f.code}: ${f.message}`).join("\n  ")}`, { expected: "a verified attestation", found: verdict.failures.map((f) => f.code).join(", ") });
  }
  // Held to its budgets when its signed provenance records how to run it, or, until every statement
  // records that, when the service has been measured here before: both only ever add a refusal.
  const runRecorded = recordsRun(verdict.statement);
  const serviceMeasured = runRecorded || (await store.measurementsOfService(service, 1)).length > 0;
  for (let attempt = 0; ; attempt++) {
    const latest = await store.latestPin(service, env);
    // the newest row is what the new pin signs as its previous: it must be the pin that was signed
    // (who signed it is checked where the whole history steers: rollback, pins --key)
    if (latest) await assertPinRows([latest], null, store.location);
    if (latest && request.expectedSequence === undefined && repeats(latest, digest, request)) {
      const file = request.pinsDir === null ? null : await exportPinFile(request.pinsDir, latest);
      return { pin: latest, artifact, file, repeated: true };
    }
    const sequence = (latest?.sequence ?? 0) + 1;
    if (request.expectedSequence !== undefined && sequence !== request.expectedSequence) {
      throw new BunsealError("PIN_CONFLICT", `the history of ${artifact.service} in ${request.env} moved on while this was planned: expected to write pin ${request.expectedSequence}, the next is ${sequence}`, { expected: String(request.expectedSequence), found: String(sequence) });
    }
    // judged against what runs now, read again on each attempt: a pin that got in first changes the baseline
    const gate = await budgetGate(store, { service, env, digest, current: latest?.digest ?? null, runRecorded, serviceMeasured, request, artifact });
    const predicate = {
      service,
      env,
      sequence,
      previousDigest: latest?.digest ?? null,
      actor: request.actor,
      reason: request.reason,
      pinnedAt: (request.now ?? (() => new Date()))().toISOString(),
      rollbackOf: request.rollbackOf ?? null,
    };
    const signed = gate.required ? { ...predicate, measurement: gate.measurement } : predicate;
    const bundle = await signStatement(new TextEncoder().encode(canonicalJson(pinStatement(digest, artifact.name, signed))), request.signer);
    const pin: PinRecord = { ...predicate, digest, bundle: JSON.stringify(bundle) };
    // the file first, under a temporary name: a full or read-only pins folder fails before the store has the pin
    const staged = request.pinsDir === null ? null : await stagePinFile(request.pinsDir, pin);
    try {
      await store.appendPin(pin);
    } catch (error) {
      if (staged) await discardPinFile(staged);
      // another pin got in first: re-read the history and sign again (a planned rollback does not)
      if ((error as BunsealError).code === "PIN_CONFLICT" && request.expectedSequence === undefined && attempt < RETRIES) continue;
      throw error;
    }
    let file: string | null = null;
    if (staged) {
      try {
        file = await commitPinFile(staged, pin);
      } catch (error) {
        const cause = error as BunsealError;
        throw new BunsealError(cause.code ?? "IO_FAILED", `pin #${pin.sequence} of ${service} in ${env} is recorded in ${store.location}, but its pin file could not be put in place: ${cause.message}; run the same pin again to write the file (it adds no second pin)`, { file: staged.path, cause });
      }
    }
    return { pin, artifact, file, repeated: false, ...(gate.required ? { measurement: gate.measurement } : {}) };
  }
}

/** Whether the verified provenance records how to run the artifact (`run`, in its external parameters): then its pins are held to its budgets. */
function recordsRun(statement: { predicate: { buildDefinition: { externalParameters: unknown } } } | undefined): boolean {
  const parameters = statement?.predicate.buildDefinition.externalParameters as Record<string, unknown> | undefined;
  const run = parameters?.run;
  return typeof run === "object" && run !== null;
}

async function budgetGate(
  store: Store,
  input: { service: string; env: string; digest: string; current: string | null; runRecorded: boolean; serviceMeasured: boolean; request: PinRequest; artifact: ArtifactRecord },
): Promise<GateOutcome> {
  // a rollback goes back to what ran here before (known good there): it shows figures, it needs none
  if (input.request.rollbackOf != null || (!input.runRecorded && !input.serviceMeasured)) return { required: false };
  const base = input.request.trust ?? storedTrust(input.artifact);
  const extra = input.request.measurementKeys ?? [];
  // the pin's own key and the public --keys vouch for a measurement whatever signed the artifact (README: "signed by
  // the artifact's trust or TRUST, public --keys, or the pin's own key"): under a keyless or policy trust they are a
  // second trust, tried for a row the first did not verify, never mixed into it; without the artifact's trusted
  // root, as a key-signed bundle verifies offline (with that root it would need a transparency-log entry)
  const trust: Trust | Trust[] = base.kind === "keys" ? { ...base, keys: [...base.keys, ...extra] } : extra.length ? [base, { kind: "keys", keys: extra }] : base;
  const { verified, unverified } = await verifiedMeasurementsOf(store, input.digest, trust);
  return gatePin({ ...input, measurements: verified, unverified: unverified.length, allowRegression: input.request.allowRegression });
}

/** A retry of the newest pin: the same artifact, pinned by the same actor for the same reason, not a rollback. */
function repeats(latest: PinRecord, digest: string, request: PinRequest): boolean {
  return latest.digest === digest && latest.actor === request.actor && latest.reason === request.reason && latest.rollbackOf === (request.rollbackOf ?? null);
}

/**
 * The whole digest of what `given` names: itself, or the one stored artifact a 12+ hex prefix
 * starts (the short form `pins` and rollback print). A prefix no artifact starts is kept
 * as given, so the not-in-the-store refusal names it. One query of the store
 * (src/store/digest-prefix.ts), as trace's.
 */
export async function storedDigest(store: Store, given: string): Promise<string> {
  const whole = parseDigest(given);
  if (whole) return whole;
  const prefix = parseDigestPrefix(given, "DIGEST");
  try {
    return await resolveDigestPrefix(store, prefix, { artifactsOnly: true, field: "DIGEST" });
  } catch (error) {
    if (error instanceof BunsealError && error.code === "NOT_FOUND") return prefix;
    throw error;
  }
}
