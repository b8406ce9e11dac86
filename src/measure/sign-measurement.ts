/**
 * The measurement signed and written beside the artifact: an in-toto
 * Statement about the artifact's digest, DSSE over its canonical JSON in a
 * Sigstore bundle, by the same signStatement a build signs provenance with
 * (a key, or keyless), written under a temporary name and renamed.
 */
import { STATEMENT_TYPE_V1, type Statement } from "../attest/statement.ts";
import { signStatement } from "../sign/sign-statement.ts";
import type { Signer } from "../sign/signer.ts";
import { writeFileAtomic } from "../util/atomic-write.ts";
import { canonicalJson } from "../util/canonical-json.ts";
import type { Measurement } from "./measure.ts";
import { MEASUREMENT_PREDICATE_TYPE, type MeasurementPredicate } from "./predicate.ts";

/** Where a measurement's bundle goes by default: beside the artifact, as its provenance is. */
export function measurementBundlePath(artifactPath: string): string {
  return `${artifactPath}.measurement.sigstore.json`;
}

export function measurementStatement(measurement: Measurement): Statement<MeasurementPredicate> {
  return {
    _type: STATEMENT_TYPE_V1,
    subject: [{ name: measurement.subject.name, digest: { sha256: measurement.subject.sha256 } }],
    predicateType: MEASUREMENT_PREDICATE_TYPE,
    predicate: measurement.predicate,
  };
}

export interface SignedMeasurement {
  path: string;
  /** the bundle as written (JSON text), as the store keeps it */
  bundle: string;
}

export async function writeMeasurement(measurement: Measurement, signer: Signer, outPath: string): Promise<SignedMeasurement> {
  const bundle = await signStatement(new TextEncoder().encode(canonicalJson(measurementStatement(measurement))), signer);
  const text = `${JSON.stringify(bundle, null, 2)}\n`;
  await writeFileAtomic(outPath, text);
  return { path: outPath, bundle: text };
}
