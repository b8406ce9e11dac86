/** Reads and checks a signers file (src/signers/schema.ts) into the lookup of src/signers/names.ts. */
import { readFile } from "node:fs/promises";
import { BunsealError } from "../errors.ts";
import { describeIssues, formatProblems } from "../util/schema-issues.ts";
import type { SignerNames } from "./names.ts";
import { SignersFileSchema } from "./schema.ts";

export async function loadSignerNames(file: string): Promise<SignerNames> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, "utf8"));
  } catch (cause) {
    const unreadable = (cause as NodeJS.ErrnoException).code !== undefined;
    throw new BunsealError("CONFIG_INVALID", `${file}: ${unreadable ? "cannot be read" : "is not JSON"} (${(cause as Error).message}); expected a signers file (schemas/signers.schema.json)`, { file, expected: "a signers file", cause });
  }
  const result = SignersFileSchema.safeParse(raw, { reportInput: true });
  if (!result.success) {
    const problems = describeIssues(result.error.issues);
    const first = problems[0]!;
    throw new BunsealError("CONFIG_INVALID", `${file}: the signers file is not valid (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${formatProblems(problems)}`, { file, field: first.field, expected: first.expected, found: first.found });
  }
  const byKeyId = new Map<string, string>();
  const byIdentity = new Map<string, string>();
  for (const signer of result.data.signers) {
    if ("keyId" in signer) byKeyId.set(signer.keyId, signer.name);
    else byIdentity.set(JSON.stringify([signer.issuer, signer.identity]), signer.name);
  }
  return { file, byKeyId, byIdentity };
}

