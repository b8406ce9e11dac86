/**
 * `measure --env E`: the artifact E runs now, as the pin store says (its
 * newest pin for the service, checked against its signed pin statement), and
 * its file found by digest in a folder (by default the out folder). The file
 * is then verified like the subject: the pin names only which artifact, the
 * artifact's own provenance vouches for what it is.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { BunsealError } from "../errors.ts";
import { assertPinRows } from "../pin/verify-pin-rows.ts";
import type { Store } from "../store/store.ts";
import { sha256File } from "../util/digest.ts";

export interface RunningArtifact {
  path: string;
  bundlePath: string;
  sha256: string;
  /** the pin it was found by */
  sequence: number;
}

export async function artifactRunningIn(store: Store, service: string, env: string, artifactsDir: string): Promise<RunningArtifact> {
  const pin = await store.latestPin(service, env);
  if (!pin) {
    throw new BunsealError("ARTIFACT_NOT_FOUND", `nothing of ${service} is pinned in ${env} (store ${store.location}), so there is no artifact to measure against; expected a pinned environment, or --against ARTIFACT`, { field: "--env", expected: `a pin of ${service} in ${env}`, found: "none" });
  }
  // a row edited in the database would choose the baseline a release is compared with
  await assertPinRows([pin], null, store.location);
  const found = await artifactFileByDigest(store, pin.digest, artifactsDir, {
    what: (whole) => `${env} runs ${service} sha256:${whole ? `${pin.digest} (pin #${pin.sequence})` : `${pin.digest.slice(0, 12)}…`}`,
    otherwise: "or --against ARTIFACT",
  });
  return { ...found, sequence: pin.sequence };
}

/**
 * The file of artifact `digest` in `artifactsDir`, found by its bytes: the name the store recorded
 * (where build wrote it) first, then every other candidate, so a renamed file is still found.
 * `what` names the artifact in the refusal (whole: the full digest), `otherwise` another way out.
 */
export async function artifactFileByDigest(store: Store, digest: string, artifactsDir: string, say: { what: (whole: boolean) => string; otherwise?: string }): Promise<Omit<RunningArtifact, "sequence">> {
  const otherwise = say.otherwise ? `, ${say.otherwise}` : "";
  const names = await readdir(artifactsDir).catch((cause: NodeJS.ErrnoException) => {
    throw new BunsealError("ARTIFACT_NOT_FOUND", `${say.what(false)}, and --artifacts ${artifactsDir} cannot be read (${cause.code ?? cause.message}); expected --artifacts DIR holding that artifact and its .sigstore.json${otherwise}`, { field: "--artifacts", expected: "a folder holding the artifact", found: artifactsDir, cause });
  });
  const record = await store.getArtifact(digest);
  const candidates = names.filter((n) => !n.endsWith(".json") && !n.startsWith("."));
  const ordered = record && candidates.includes(record.name) ? [record.name, ...candidates.filter((n) => n !== record.name)] : candidates;
  for (const name of ordered) {
    const path = join(artifactsDir, name);
    const hashed = await sha256File(path).catch(() => undefined);
    if (hashed?.hex === digest) return { path, bundlePath: `${path}.sigstore.json`, sha256: digest };
  }
  throw new BunsealError("ARTIFACT_NOT_FOUND", `${say.what(true)}, and no file in ${artifactsDir} has that digest; expected --artifacts DIR holding that artifact and its .sigstore.json${otherwise}`, { field: "--artifacts", expected: `a file of sha256:${digest}`, found: `${candidates.length} other file(s) in ${artifactsDir}` });
}
