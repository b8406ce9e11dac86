/**
 * The FILE_OR_DIGEST of `bunseal verify` (and of the Sigstore conformance
 * protocol): the artifact's path, or `sha256:<hex>` when only its digest is at hand.
 */
import { BunsealError } from "../errors.ts";
import { parseDigest, sha256File } from "../util/digest.ts";

export interface ArtifactTarget {
  sha256: string;
  /** absent when the caller named the artifact by its digest */
  path?: string;
}

/**
 * Whether the argument is the digest form. The algorithm's name is read in any
 * case (`SHA256:`, as some tools print it), as the hex is: read as a path, a
 * copied digest was "cannot read the artifact".
 */
export function isDigestForm(target: string): boolean {
  return /^sha256:/i.test(target);
}

export async function resolveArtifact(target: string): Promise<ArtifactTarget> {
  if (isDigestForm(target)) {
    const hex = parseDigest(target);
    if (!hex) throw new BunsealError("USAGE", `expected sha256:<64 hex digits>, got ${JSON.stringify(target)}`, { field: "FILE_OR_DIGEST", expected: "sha256:<64 hex>", found: target });
    return { sha256: hex };
  }
  try {
    const { hex } = await sha256File(target);
    return { sha256: hex, path: target };
  } catch (cause) {
    throw new BunsealError("INPUT_UNREADABLE", `${target}: cannot read the artifact (${(cause as Error).message}); expected a file or sha256:<hex>`, { file: target, expected: "a readable artifact file or a digest", cause });
  }
}
