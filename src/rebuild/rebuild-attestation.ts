/**
 * The rebuilder's own attestation: "I rebuilt this artifact from its recorded
 * source and got the same bytes". An in-toto Statement about the artifact,
 * with a predicate of bunseal's (documented in the README).
 */
import { STATEMENT_TYPE_V1, type Statement } from "../attest/statement.ts";
import { VERSION } from "../version.ts";

export const REBUILD_PREDICATE_TYPE = "https://bunseal.dev/attestations/rebuild/v1";
export const DEFAULT_REBUILDER_ID = "https://bunseal.dev/rebuilders/local/v1";

export interface RebuildPredicate {
  verdict: "reproduced";
  original: { bundle: { sha256: string }; builderId: string; invocationId: string | null };
  source: { uri: string; commit: string; clonedFrom: string };
  rebuilder: { id: string; version: Record<string, string> };
  environment: { platform: string; arch: string; bun: { version: string; revision: string }; lockfileDigest: string | null };
  files: number;
  startedOn: string;
  finishedOn: string;
}

export interface RebuildAttestationInput {
  artifact: { name: string; sha256: string };
  bundleSha256: string;
  builderId: string;
  invocationId?: string;
  source: { uri: string; commit: string; clonedFrom: string };
  bun: { version: string; revision: string };
  lockfileDigest: string | null;
  files: number;
  startedOn: Date;
  finishedOn: Date;
  rebuilderId?: string;
}

export function rebuildStatement(input: RebuildAttestationInput): Statement<RebuildPredicate> {
  return {
    _type: STATEMENT_TYPE_V1,
    subject: [{ name: input.artifact.name, digest: { sha256: input.artifact.sha256 } }],
    predicateType: REBUILD_PREDICATE_TYPE,
    predicate: {
      verdict: "reproduced",
      original: { bundle: { sha256: input.bundleSha256 }, builderId: input.builderId, invocationId: input.invocationId ?? null },
      source: input.source,
      rebuilder: { id: input.rebuilderId ?? DEFAULT_REBUILDER_ID, version: { bunseal: VERSION, bun: input.bun.version } },
      environment: { platform: process.platform, arch: process.arch, bun: input.bun, lockfileDigest: input.lockfileDigest },
      files: input.files,
      startedOn: input.startedOn.toISOString(),
      finishedOn: input.finishedOn.toISOString(),
    },
  };
}
