/**
 * The policy's schema problems, in the shared "field: expected X, got Y"
 * form, with two policy-specific improvements: a signer is judged as the kind
 * it says it is (zod would report a union failure against its first
 * alternative, so `{identityRegexp}` without an issuer would read as "publicKey
 * is required"), and a missing signer list says why it is required.
 */
import type { z } from "zod";
import { describeValue } from "../errors.ts";
import { describeIssues, fieldPath, type SchemaProblem } from "../util/schema-issues.ts";

/** The key that says which kind of signer an entry is, in the order of the union's alternatives. */
const SIGNER_KINDS = ["publicKey", "identity", "identityRegexp"] as const;

export function describePolicyIssues(issues: readonly z.core.$ZodIssue[]): SchemaProblem[] {
  return issues.flatMap((issue) => (isSignerUnion(issue) ? signerProblems(issue) : describeIssues([issue]).map(explainMissingSigners)));
}

function isSignerUnion(issue: z.core.$ZodIssue): issue is z.core.$ZodIssueInvalidUnion {
  return issue.code === "invalid_union" && issue.path.length === 2 && issue.path[0] === "signers";
}

function signerProblems(issue: z.core.$ZodIssueInvalidUnion): SchemaProblem[] {
  const input = (issue as { input?: unknown }).input;
  const entry = typeof input === "object" && input !== null && !Array.isArray(input) ? (input as Record<string, unknown>) : undefined;
  const kinds = entry ? SIGNER_KINDS.filter((k) => k in entry) : [];
  if (kinds.length !== 1) {
    const found = kinds.length > 1 ? `${kinds.join(" and ")} together` : describeValue(input);
    return [{ field: fieldPath(issue.path), expected: "a signer with exactly one of publicKey, identity (with issuer) or identityRegexp (with issuer)", found }];
  }
  const branch = issue.errors[SIGNER_KINDS.indexOf(kinds[0]!)] ?? [];
  return describeIssues(branch.map((sub) => ({ ...sub, path: [...issue.path, ...sub.path] })));
}

/** `{}` is the likeliest first attempt at a policy, so the one required field says why it is required. */
function explainMissingSigners(problem: SchemaProblem): SchemaProblem {
  if (problem.field !== "signers" || problem.found !== "nothing") return problem;
  return { ...problem, expected: "at least one signer ({publicKey} or {identity|identityRegexp, issuer}): a policy that names no signer is refused" };
}
