import type { Command } from "commander";
import type { Expectations } from "../../verify/expectations.ts";
import type { VerifyReport } from "../../verify/verify-bundle.ts";
import { collect, printJson, printLines } from "../output.ts";

/** Commander names each flag after its words (`--source-uri` → `sourceUri`). */
type VerifyFlags = Expectations & {
  bundle?: string;
  key: string[];
  certificateIdentity?: string;
  certificateIdentityRegexp?: string;
  certificateOidcIssuer?: string;
  trustedRoot?: string;
  policy?: string;
  json?: boolean;
};

// The flags are the sigstore-conformance client protocol's, so the suite's arguments work as they are:
//   --bundle FILE (--certificate-identity ID --certificate-oidc-issuer URL | --key PUB) [--trusted-root FILE] FILE_OR_DIGEST
export function registerVerify(program: Command, setExit: (code: number) => void): void {
  program
    .command("verify")
    .description("verify an artifact against its signed provenance: signature, subject, statement and expectations")
    .argument("<file-or-digest>", "the artifact file, or sha256:<hex>")
    .option("--bundle <file>", "the Sigstore bundle (default: FILE.sigstore.json)")
    .option("--key <file>", "key mode: a trusted public key (PEM); repeat for several", collect, [])
    .option("--certificate-identity <id>", "keyless: the exact identity (certificate SAN) that must have signed")
    .option("--certificate-identity-regexp <re>", "keyless: a regular expression the whole identity must match")
    .option("--certificate-oidc-issuer <url>", "keyless: the OIDC issuer that must have vouched for the identity (required)")
    .option("--trusted-root <file>", "a Sigstore TrustedRoot JSON (default: the public-good root shipped with bunseal)")
    .option("--policy <file>", "a verification policy (JSON; schemas/policy.schema.json): who may sign and what the provenance must say; replaces --key and --certificate-identity")
    .option("--commit <sha>", "expect this source commit (full, or a prefix of 7+ hex)")
    .option("--source-uri <uri>", "expect this source repository")
    .option("--service <name>", "expect this service")
    .option("--schema-version <v>", "expect this schemaVersion contract")
    .option("--bun-version <v>", "expect this Bun version")
    .option("--allow-dirty", "accept an artifact built from a work tree with uncommitted changes")
    .option("--json", "print one JSON object")
    .action(async (target: string, flags: VerifyFlags) => {
      // loaded here, not at the top: every other command would pay for the verifier's start-up
      const [{ verifyBundle }, { loadPublicKey }, { BunsealError }, { z }] = await Promise.all([import("../../verify/verify-bundle.ts"), import("../../sign/keys.ts"), import("../../errors.ts"), import("zod")]);
      // A one-shot process parses each schema once: compiling a fast parser for it (zod's
      // default, with new Function) costs more than it saves. Same results, a few ms sooner.
      z.config({ jitless: true });
      const bundlePath = flags.bundle ?? (target.startsWith("sha256:") ? undefined : `${target}.sigstore.json`);
      if (!bundlePath) throw new BunsealError("USAGE", "a digest has no bundle beside it; expected --bundle FILE", { field: "--bundle", expected: "a bundle path" });
      const keyless = flags.certificateIdentity !== undefined || flags.certificateIdentityRegexp !== undefined;
      if (!keyless && flags.certificateOidcIssuer !== undefined) {
        throw new BunsealError("USAGE", "--certificate-oidc-issuer applies to keyless verification; expected --certificate-identity (or -regexp) with it", { field: "--certificate-oidc-issuer", expected: "--certificate-identity ID" });
      }
      if (keyless && flags.certificateOidcIssuer === undefined) {
        throw new BunsealError("USAGE", "keyless verification needs --certificate-oidc-issuer URL: an identity is only as good as the issuer that vouched for it", { field: "--certificate-oidc-issuer", expected: "an OIDC issuer URL" });
      }
      const expectations = { commit: flags.commit, sourceUri: flags.sourceUri, service: flags.service, schemaVersion: flags.schemaVersion, bunVersion: flags.bunVersion, allowDirty: flags.allowDirty };
      if (flags.policy !== undefined) {
        if (keyless || flags.key.length > 0) throw new BunsealError("USAGE", "--policy names the trusted signers; expected no --key or --certificate-identity with it", { field: "--policy", expected: "one source of trust" });
        const [{ loadPolicy }, { verifyWithPolicy }] = await Promise.all([import("../../policy/index.ts"), import("../../verify/verify-with-policy.ts")]);
        const report = await verifyWithPolicy({ artifact: target, bundlePath, trustedRoot: flags.trustedRoot, expectations }, await loadPolicy(flags.policy));
        render(report, flags.json, { policy: report.policy });
        setExit(report.verified ? 0 : 1);
        return;
      }
      const keys = await Promise.all(flags.key.map((k) => loadPublicKey(k)));
      const report = await verifyBundle({
        artifact: target,
        bundlePath,
        keys,
        identity: keyless ? { identity: flags.certificateIdentity, identityRegexp: flags.certificateIdentityRegexp, issuer: flags.certificateOidcIssuer! } : undefined,
        trustedRoot: flags.trustedRoot,
        expectations: { commit: flags.commit, sourceUri: flags.sourceUri, service: flags.service, schemaVersion: flags.schemaVersion, bunVersion: flags.bunVersion, allowDirty: flags.allowDirty },
      });
      render(report, flags.json, {});
      setExit(report.verified ? 0 : 1);
    });
}

function render(report: VerifyReport & { verifiedStatement?: unknown }, json: boolean | undefined, extra: Record<string, unknown>): void {
  const { verifiedStatement: _v, statement, ...rest } = report;
  // What an unverified statement claims is attacker-controlled: it is shown only once everything verified.
  const summary = statement && report.verified ? summarize(statement) : undefined;
  if (json) printJson({ ...rest, ...extra, provenance: summary ?? null });
  else printLines(report.verified ? okLines(report, summary) : failedLines(report));
}

function okLines(report: VerifyReport, summary: ReturnType<typeof summarize> | undefined): string[] {
  const signer = report.signer?.keyId ? `key ${report.signer.keyId.slice(0, 16)}…` : `${report.signer?.identity} (issuer ${report.signer?.issuer})`;
  const what = summary ? "" : report.predicateType ? ` (a ${report.predicateType} statement, not provenance)` : " (a signature over its bytes)";
  return [
    `OK: ${report.artifact?.path ?? report.artifact?.digest ?? report.bundle.path} verifies${what}`,
    `  signed by ${signer}`,
    ...(!summary ? [] : summary.service === undefined ? [`  SLSA provenance: build type ${summary.buildType}, builder ${summary.builderId}`] : [`  ${summary.service} @ ${summary.commit?.slice(0, 12)} from ${summary.sourceUri}`, `  built with Bun ${summary.bunVersion} by ${summary.builderId}`]),
  ];
}

function failedLines(report: VerifyReport): string[] {
  const n = report.failures.length;
  return [`FAILED: ${report.artifact?.path ?? report.artifact?.digest} does not verify (${n} problem${n === 1 ? "" : "s"})`, ...report.failures.map((f) => `  ${f.code}: ${f.message}${f.expected !== undefined ? `\n    expected ${f.expected}\n    found    ${f.found}` : ""}`)];
}

function summarize(statement: NonNullable<VerifyReport["statement"]>) {
  const ext = statement.predicate.buildDefinition.externalParameters as Record<string, any>;
  const int = (statement.predicate.buildDefinition.internalParameters ?? {}) as Record<string, any>;
  return {
    buildType: statement.predicate.buildDefinition.buildType,
    builderId: statement.predicate.runDetails.builder.id,
    service: ext.service as string | undefined,
    commit: ext.source?.commit as string | undefined,
    sourceUri: ext.source?.uri as string | undefined,
    bunVersion: int.bun?.version as string | undefined,
    dirty: ext.source?.dirty as boolean | undefined,
    contracts: ext.contracts ?? null,
    featureFlags: ext.featureFlags ?? {},
    subjects: statement.subject.length,
  };
}
