/**
 * Verify stage `policy`, the sandbox: a bunseal build that ran without its
 * sandbox saw the machine as bunseal does (.env files, keys, the network), so
 * its record is refused unless the verifier accepts that on purpose
 * (`--allow-unsandboxed`, a policy's `sandbox.allow`). A statement made before
 * bunseal recorded its sandbox says nothing about one: it is read as kind
 * "none", fail closed, and accepted the same ways.
 */
import { BUILD_TYPE } from "../attest/build-type-uri.ts";
import type { ProvenanceV1 } from "../attest/slsa-provenance.ts";
import type { Statement } from "../attest/statement.ts";
import type { Finding } from "./finding.ts";

export interface SandboxFacts {
  /** "bubblewrap", "none", or another kind a newer bunseal records */
  kind: string;
  /** whether the build could reach the network; null when nothing is recorded */
  network: boolean | null;
  /** how the build's reads were traced ("fanotify", "strace", "untraced"); null when nothing is recorded */
  reads: string | null;
  /** why there was none, as recorded */
  reason?: string;
  /** false for a statement made before the sandbox was recorded */
  recorded: boolean;
}

export const SANDBOX_FIELD = "predicate.buildDefinition.internalParameters.sandbox";
/** What a statement that predates the sandbox record is read as. */
export const UNRECORDED_REASON = "the statement records no sandbox (made before bunseal recorded one)";

/** The sandbox a bunseal statement records; undefined for another build type, which has no such field. */
export function sandboxOf(statement: Statement<ProvenanceV1>): SandboxFacts | undefined {
  const definition = statement.predicate?.buildDefinition as { buildType?: unknown; internalParameters?: unknown } | undefined;
  if (definition?.buildType !== BUILD_TYPE) return undefined;
  const internal = record(definition.internalParameters);
  if (!("sandbox" in internal)) return { kind: "none", network: null, reads: null, reason: UNRECORDED_REASON, recorded: false };
  const sandbox = record(internal.sandbox);
  return {
    // a kind that is not a string cannot vouch for anything: read as none
    kind: typeof sandbox.kind === "string" && sandbox.kind !== "" ? sandbox.kind : "none",
    network: typeof sandbox.network === "boolean" ? sandbox.network : null,
    reads: typeof sandbox.reads === "string" ? sandbox.reads : null,
    ...(typeof sandbox.reason === "string" ? { reason: sandbox.reason } : {}),
    recorded: true,
  };
}

/** With default flags, kind "none" (or no record) is BUILD_UNSANDBOXED; `allowUnsandboxed` accepts it. */
export function checkSandbox(sandbox: SandboxFacts | undefined, allowUnsandboxed: boolean | undefined): Finding[] {
  if (!sandbox || sandbox.kind !== "none" || allowUnsandboxed) return [];
  return [
    {
      code: "BUILD_UNSANDBOXED",
      field: SANDBOX_FIELD,
      message: `the artifact was built without its sandbox (${sandbox.reason ?? "no reason recorded"}): the build could read what bunseal could (.env files, keys) and reach the network; accept that explicitly (--allow-unsandboxed, or a policy's "sandbox": {"allow": ["none"]}) if it is meant`,
      expected: "a sandboxed build (sandbox.kind other than none)",
      found: sandbox.recorded ? `kind "none"` : "no sandbox recorded",
    },
  ];
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
