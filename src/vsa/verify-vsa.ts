/**
 * `bunseal verify ART --bundle VSA`: a Verification Summary Attestation
 * checked as verify checks everything (parse → signature → subject →
 * statement → policy, every finding collected), with the summary's own rules
 * in place of provenance's:
 *   - signature and subject: verify-bundle.ts, unchanged: the trusted verifier
 *     signed it, and the artifact is one of its subjects;
 *   - statement: exactly the VSA v1 predicate type, its predicate valid;
 *   - verdict: `verificationResult` is PASSED;
 *   - policy (`--policy`): the signer, `vsa.verifierIds`, `vsa.levels`.
 */
import type { Statement } from "../attest/statement.ts";
import type { LoadedPolicy, PolicyResult } from "../policy/index.ts";
import { describeIssues } from "../util/schema-issues.ts";
import type { Finding } from "../verify/finding.ts";
import { parseBundle } from "../verify/read-bundle.ts";
import { verifyBundle, type Verified, type VerifyReport, type VerifyRequest } from "../verify/verify-bundle.ts";
import { evaluateVsaPolicy, type VsaFacts } from "./policy-rules.ts";
import { VSA_PREDICATE_TYPE, VsaPredicateSchema, type VsaPredicate } from "./schema.ts";

export interface VsaVerifyReport extends VerifyReport {
  /** what the summary says: only when everything verified (unverified claims are attacker-controlled) */
  vsa: VsaSummary | null;
  policy?: { file: string; results: PolicyResult[] };
  verifiedSummary?: Verified<Statement<VsaPredicate>>;
}

export interface VsaSummary {
  verifierId: string;
  timeVerified: string;
  resourceUri: string;
  verificationResult: "PASSED" | "FAILED";
  verifiedLevels: string[];
  policy: { uri: string; digest: Record<string, string> };
  inputAttestations: number;
}

export async function verifyVsa(request: Omit<VerifyRequest, "predicateType">): Promise<VsaVerifyReport> {
  const bytes = request.bundleBytes ?? (await readBytes(request.bundlePath));
  const report = await verifyBundle({ ...request, bundleBytes: bytes, predicateType: VSA_PREDICATE_TYPE });
  return judge(report, await unverifiedStatement(bytes, request.bundlePath), undefined);
}

export async function verifyVsaWithPolicy(request: Omit<VerifyRequest, "keys" | "identity" | "predicateType">, policy: LoadedPolicy): Promise<VsaVerifyReport> {
  const { verifyWithPolicySigners } = await import("../verify/verify-with-policy.ts");
  const bytes = request.bundleBytes ?? (await readBytes(request.bundlePath));
  const { report, signer } = await verifyWithPolicySigners({ ...request, bundleBytes: bytes, predicateType: VSA_PREDICATE_TYPE }, policy);
  const statement = await unverifiedStatement(bytes, request.bundlePath);
  const predicate = record(statement?.predicate);
  const facts: VsaFacts = {
    verifierId: typeof record(predicate.verifier).id === "string" ? (record(predicate.verifier).id as string) : undefined,
    verifiedLevels: Array.isArray(predicate.verifiedLevels) ? predicate.verifiedLevels.filter((l): l is string => typeof l === "string") : undefined,
  };
  return judge(report, statement, { file: policy.file, results: evaluateVsaPolicy(policy, facts, signer) });
}

/** The signature's verdict, the summary's own rules, and the policy's, into one report. */
function judge(report: Awaited<ReturnType<typeof verifyBundle>>, statement: Statement<unknown> | undefined, policy: VsaVerifyReport["policy"]): VsaVerifyReport {
  const { verifiedPayload, verifiedStatement: _provenance, ...rest } = report;
  const failures: Finding[] = [...report.failures];
  let predicate: VsaPredicate | undefined;
  // judged whether or not the signature verified, so every problem is told at once; trusted only if it did
  if (statement?.predicateType === VSA_PREDICATE_TYPE) {
    const parsed = VsaPredicateSchema.safeParse(statement.predicate, { reportInput: true });
    if (!parsed.success) {
      for (const p of describeIssues(parsed.error.issues)) failures.push({ code: "STATEMENT_INVALID", field: `predicate${p.field === "(top level)" ? "" : `.${p.field}`}`, message: "the verification summary does not match its schema", expected: p.expected, found: p.found });
    } else {
      predicate = parsed.data;
      if (predicate.verificationResult !== "PASSED") {
        failures.push({ code: "VSA_FAILED", field: "predicate.verificationResult", message: `the verifier ${predicate.verifier.id} recorded that the artifact FAILED verification`, expected: "PASSED", found: predicate.verificationResult });
      }
    }
  }
  for (const r of policy?.results ?? []) if (!r.passed) failures.push({ code: "POLICY_FAILED", field: r.field ?? `policy.${r.rule}`, message: r.message, expected: r.expected, found: r.found });
  const verified = report.verified && verifiedPayload !== undefined && predicate !== undefined && failures.length === 0;
  return {
    ...rest,
    statement: undefined,
    verified,
    failures,
    vsa: verified && predicate ? summarize(predicate) : null,
    ...(policy ? { policy } : {}),
    verifiedSummary: verified && predicate ? ({ ...verifiedPayload!, predicate } as Verified<Statement<VsaPredicate>>) : undefined,
  };
}

function summarize(p: VsaPredicate): VsaSummary {
  return {
    verifierId: p.verifier.id,
    timeVerified: p.timeVerified,
    resourceUri: p.resourceUri,
    verificationResult: p.verificationResult,
    verifiedLevels: [...p.verifiedLevels],
    policy: { uri: p.policy.uri, digest: p.policy.digest },
    inputAttestations: p.inputAttestations?.length ?? 0,
  };
}

/** The statement as the bundle carries it, not yet trusted: for findings only (verifyBundle has parsed and checked these same bytes). */
async function unverifiedStatement(bytes: Uint8Array, file: string): Promise<Statement<unknown> | undefined> {
  const { bundle } = await parseBundle(bytes, file);
  if (bundle.content.$case !== "dsseEnvelope") return undefined;
  try {
    const value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bundle.content.dsseEnvelope.payload)) as Statement<unknown>;
    return typeof value === "object" && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

async function readBytes(path: string): Promise<Uint8Array> {
  const { readBundle } = await import("../verify/read-bundle.ts");
  return (await readBundle(path)).bytes;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
