/**
 * Verify stage `policy` (for now the command-line expectations): what the
 * caller says the artifact must be. Every expectation given is checked; one
 * that is absent is simply not asked for, and the flag names say so.
 */
import type { ExternalParameters, InternalParameters } from "../attest/build-type.ts";
import type { ProvenanceV1 } from "../attest/slsa-provenance.ts";
import type { Statement } from "../attest/statement.ts";
import type { Finding } from "./finding.ts";
import { commitMatches, sourceUriMatches } from "../source/uri.ts";

export interface Expectations {
  commit?: string;
  sourceUri?: string;
  service?: string;
  schemaVersion?: string;
  bunVersion?: string;
  /** accept an artifact built from a work tree with uncommitted changes (refused by default) */
  allowDirty?: boolean;
  /** accept a bunseal build recorded without its sandbox (kind "none", or no record; refused by default: src/verify/check-sandbox.ts) */
  allowUnsandboxed?: boolean;
}

export function checkExpectations(statement: Statement<ProvenanceV1>, expected: Expectations): Finding[] {
  const ext = statement.predicate.buildDefinition.externalParameters as Partial<ExternalParameters>;
  const int = (statement.predicate.buildDefinition.internalParameters ?? {}) as Partial<InternalParameters>;
  const checks: { flag: string; field: string; want?: string; got: string | undefined; matches: (want: string, got: string) => boolean }[] = [
    { flag: "--commit", field: "externalParameters.source.commit", want: expected.commit, got: ext.source?.commit, matches: commitFlagMatches },
    { flag: "--source-uri", field: "externalParameters.source.uri", want: expected.sourceUri, got: ext.source?.uri, matches: sourceUriMatches },
    { flag: "--service", field: "externalParameters.service", want: expected.service, got: ext.service, matches: (w, g) => w === g },
    { flag: "--schema-version", field: "externalParameters.contracts.schemaVersion", want: expected.schemaVersion, got: ext.contracts?.schemaVersion, matches: (w, g) => w === g },
    { flag: "--bun-version", field: "internalParameters.bun.version", want: expected.bunVersion, got: int.bun?.version, matches: (w, g) => w.replace(/^v/, "") === g },
  ];
  const findings: Finding[] = [];
  for (const check of checks) {
    if (check.want === undefined) continue;
    if (check.got === undefined || !check.matches(check.want, check.got)) {
      findings.push({
        code: "EXPECTATION_FAILED",
        field: `predicate.buildDefinition.${check.field}`,
        message: `${check.flag}: the statement records ${check.got === undefined ? "nothing" : JSON.stringify(check.got)}, not ${JSON.stringify(check.want)}`,
        expected: check.want,
        found: check.got ?? "nothing",
      });
    }
  }
  // A dirty build's commit is only where the changes started from: not a claim a release gate should accept unasked.
  if (ext.source?.dirty === true && !expected.allowDirty) {
    findings.push({
      code: "EXPECTATION_FAILED",
      field: "predicate.buildDefinition.externalParameters.source.dirty",
      message: `the artifact was built from a work tree with ${ext.source.changedPaths?.length ?? "some"} uncommitted change(s); accept that explicitly (--allow-dirty, or allowDirty in the library) if it is meant`,
      expected: "false",
      found: "true",
    });
  }
  return findings;
}

/**
 * Expectations asked of a bundle that carries no SLSA provenance (a message
 * signature, or another in-toto predicate): each one given fails, since there
 * is no recorded value that could meet it. Asking is never the same as not asking.
 */
export function expectationsWithoutProvenance(expected: Expectations, carried: string): Finding[] {
  const flags = { commit: "--commit", sourceUri: "--source-uri", service: "--service", schemaVersion: "--schema-version", bunVersion: "--bun-version" } as const;
  return (Object.keys(flags) as (keyof typeof flags)[])
    .filter((name) => expected[name] !== undefined)
    .map((name) => ({ code: "EXPECTATION_FAILED" as const, field: "predicate", message: `${flags[name]}: the bundle carries ${carried}, which records no ${name}`, expected: expected[name]!, found: "nothing" }));
}

/** `--commit`: a full commit id, or a prefix of at least 7 hex digits. */
function commitFlagMatches(want: string, got: string): boolean {
  return /^[0-9a-f]{7,64}$/i.test(want) && commitMatches(want, got);
}
