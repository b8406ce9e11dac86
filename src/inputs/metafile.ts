/**
 * Bun emits the metafile's keys in an order that varies from run to run, so
 * its digest is taken over canonical JSON (keys sorted at every level).
 */
import { canonicalJson } from "../util/canonical-json.ts";
import { sha256Hex } from "../util/digest.ts";

export function sortedMetafileDigest(metafile: unknown): string {
  return sha256Hex(canonicalJson(metafile));
}
