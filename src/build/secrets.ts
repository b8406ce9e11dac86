/**
 * The secret check after the build: values of the configured `secrets`
 * variables and well-known credential shapes must not appear in any output.
 * A hit fails the build before anything is signed.
 */
import { BunsealError } from "../errors.ts";
import { checkSecretValues, scanForSecrets } from "./secret-scan.ts";

export function findSecrets(outputs: readonly { path: string; data: Uint8Array }[], names: readonly string[], env: Readonly<Record<string, string | undefined>>): void {
  const values = new Map<string, string>();
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value !== "") values.set(name, value);
  }
  const tooShort = checkSecretValues(values);
  if (tooShort.length > 0) {
    throw new BunsealError("CONFIG_INVALID", `secrets: the value of ${tooShort.join(", ")} is too short to scan for without matching everywhere; expected secret values of at least 8 characters`, { file: "bunseal.json", field: "secrets", expected: "values of at least 8 characters", found: tooShort.join(", ") });
  }
  const findings = scanForSecrets(outputs, values);
  if (findings.length > 0) {
    const lines = findings.slice(0, 20).map((f) => `${f.file} at byte ${f.offset}: ${f.kind}`);
    const first = findings[0]!;
    throw new BunsealError("SECRET_IN_OUTPUT", `the outputs contain ${findings.length} secret(s); nothing was signed:\n  ${lines.join("\n  ")}${findings.length > 20 ? "\n  ..." : ""}`, {
      file: first.file,
      field: `offset ${first.offset}`,
      expected: "no secrets in the outputs",
      found: first.kind,
    });
  }
}
