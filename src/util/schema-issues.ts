/**
 * Turns zod issues into "field: expected X, got Y" lines, the form every
 * bad-input message in bunseal takes. Shared by config, bundle, statement and
 * (later) policy and pin parsing, so they all read alike.
 */
import type { z } from "zod";
import { describeValue } from "../errors.ts";

export interface SchemaProblem {
  /** dotted path with [index] for arrays, "(top level)" for the root */
  field: string;
  expected: string;
  found: string;
}

export function fieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(top level)" : out;
}

export function describeIssues(issues: readonly z.core.$ZodIssue[]): SchemaProblem[] {
  return issues.flatMap((issue) => describeIssue(issue, issue.path));
}

function describeIssue(issue: z.core.$ZodIssue, path: readonly PropertyKey[]): SchemaProblem[] {
  const input = (issue as { input?: unknown }).input;
  const at = (extra: PropertyKey[] = []) => fieldPath([...path, ...extra]);
  switch (issue.code) {
    case "invalid_type":
      return [{ field: at(), expected: input === undefined ? `a value of type ${issue.expected} (the field is required)` : `a value of type ${issue.expected}`, found: describeValue(input) }];
    case "unrecognized_keys":
      return issue.keys.map((key) => ({ field: at([key]), expected: "no such key (unknown keys are refused; check the spelling)", found: describeValue((input as Record<string, unknown> | undefined)?.[key]) }));
    case "invalid_value":
      return [{ field: at(), expected: `one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`, found: describeValue(input) }];
    case "invalid_union": {
      // Say what each alternative wanted at this spot, not zod's "Invalid input".
      const wanted = new Set<string>();
      for (const branch of issue.errors) {
        for (const sub of branch) {
          if (sub.path.length === 0 && sub.code === "invalid_type") wanted.add(sub.expected);
          else if (sub.path.length === 0 && sub.code === "invalid_value") sub.values.forEach((v) => wanted.add(JSON.stringify(v)));
        }
      }
      if (wanted.size > 0) return [{ field: at(), expected: `one of: ${[...wanted].join(", ")}`, found: describeValue(input) }];
      const first = issue.errors.find((b) => b.length > 0)?.[0];
      return first ? describeIssue(first, [...path, ...first.path]) : [{ field: at(), expected: "a valid value", found: describeValue(input) }];
    }
    case "invalid_key": {
      const keyIssue = issue.issues[0];
      const wanted = keyIssue && !keyIssue.message.startsWith("Invalid") ? keyIssue.message : "a valid key";
      return [{ field: at(), expected: `${wanted} as the key`, found: describeValue(input) }];
    }
    case "too_small":
      if (issue.origin === "array") return [{ field: at(), expected: `at least ${issue.minimum} entr${issue.minimum === 1 ? "y" : "ies"}`, found: describeValue(input) }];
      if (issue.origin === "string") return [{ field: at(), expected: `a string of at least ${issue.minimum} character(s)`, found: describeValue(input) }];
      return [{ field: at(), expected: `a value of at least ${issue.minimum}`, found: describeValue(input) }];
    case "too_big":
      return [{ field: at(), expected: `a value of at most ${issue.maximum}`, found: describeValue(input) }];
    case "invalid_format":
      // a message written in the schema says what is wanted better than the bare pattern
      if (!issue.message.startsWith("Invalid")) return [{ field: at(), expected: issue.message, found: describeValue(input) }];
      return [{ field: at(), expected: issue.pattern ? `a string matching ${issue.pattern}` : `a ${issue.format}`, found: describeValue(input) }];
    default:
      return [{ field: at(), expected: issue.message, found: describeValue(input) }];
  }
}

export function formatProblems(problems: readonly SchemaProblem[]): string {
  return problems.map((p) => `  ${p.field}: expected ${p.expected}, got ${p.found}`).join("\n");
}
