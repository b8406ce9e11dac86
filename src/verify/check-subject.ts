/**
 * Verify stage `subject`: the artifact in hand is one the statement is about.
 * The library checks signatures, not subjects; without this step a valid
 * signature over some other artifact's statement would pass.
 */
import type { Statement } from "../attest/statement.ts";
import type { Finding } from "./finding.ts";

export function checkSubject(statement: Statement<unknown>, artifactSha256: string): { finding?: Finding; name?: string } {
  const match = statement.subject.find((s) => s.digest.sha256?.toLowerCase() === artifactSha256);
  if (match) return { name: match.name };
  const known = statement.subject.map((s) => `${s.name ?? "(unnamed)"} sha256:${s.digest.sha256 ?? "-"}`).slice(0, 3);
  return {
    finding: {
      code: "SUBJECT_MISMATCH",
      field: "subject",
      message: `the artifact's digest is not among the statement's ${statement.subject.length} subject(s)`,
      expected: `one of: ${known.join(", ")}${statement.subject.length > 3 ? ", ..." : ""}`,
      found: `sha256:${artifactSha256}`,
    },
  };
}
