import type { Command } from "commander";
import type { Expectations } from "../../verify/expectations.ts";
import { collect, printJson, printLines } from "../output.ts";

/** Commander names each expectation flag after its field (`--source-uri` → `sourceUri`). */
type VerifyFlags = Expectations & {
  bundle?: string;
  key: string[];
  json?: boolean;
};

export function registerVerify(program: Command, setExit: (code: number) => void): void {
  program
    .command("verify")
    .description("verify an artifact against its signed provenance: signature, subject, statement and expectations")
    .argument("<file-or-digest>", "the artifact file, or sha256:<hex>")
    .option("--bundle <file>", "the Sigstore bundle (default: FILE.sigstore.json)")
    .option("--key <file>", "a trusted public key (PEM); repeat for several", collect, [])
    .option("--commit <sha>", "expect this source commit (full, or a prefix of 7+ hex)")
    .option("--source-uri <uri>", "expect this source repository")
    .option("--service <name>", "expect this service")
    .option("--schema-version <v>", "expect this schemaVersion contract")
    .option("--bun-version <v>", "expect this Bun version")
    .option("--allow-dirty", "accept an artifact built from a work tree with uncommitted changes")
    .option("--json", "print one JSON object")
    .action(async (target: string, flags: VerifyFlags) => {
      const [{ verifyBundle }, { loadPublicKey }, { BunsealError }] = await Promise.all([import("../../verify/verify-bundle.ts"), import("../../sign/keys.ts"), import("../../errors.ts")]);
      const bundlePath = flags.bundle ?? (target.startsWith("sha256:") ? undefined : `${target}.sigstore.json`);
      if (!bundlePath) throw new BunsealError("USAGE", "a digest has no bundle beside it; expected --bundle FILE", { field: "--bundle", expected: "a bundle path" });
      const keys = await Promise.all(flags.key.map((k) => loadPublicKey(k)));
      const report = await verifyBundle({
        artifact: target,
        bundlePath,
        keys,
        expectations: { commit: flags.commit, sourceUri: flags.sourceUri, service: flags.service, schemaVersion: flags.schemaVersion, bunVersion: flags.bunVersion, allowDirty: flags.allowDirty },
      });
      const { verifiedStatement: _v, statement, ...rest } = report;
      // What an unverified statement claims is attacker-controlled: it is shown only once everything verified.
      const summary = statement && report.verified ? summarize(statement) : undefined;
      if (flags.json) {
        printJson({ ...rest, provenance: summary ?? null });
      } else if (report.verified) {
        printLines([
          `OK: ${report.artifact?.path ?? report.artifact?.digest} verifies`,
          `  signed by key ${report.signer?.keyId.slice(0, 16)}…`,
          ...(summary ? [`  ${summary.service} @ ${summary.commit?.slice(0, 12)} from ${summary.sourceUri}`, `  built with Bun ${summary.bunVersion} by ${summary.builderId}`] : []),
        ]);
      } else {
        printLines([`FAILED: ${report.artifact?.path ?? report.artifact?.digest} does not verify (${report.failures.length} problem${report.failures.length === 1 ? "" : "s"})`, ...report.failures.map((f) => `  ${f.code}: ${f.message}${f.expected !== undefined ? `\n    expected ${f.expected}\n    found    ${f.found}` : ""}`)]);
      }
      setExit(report.verified ? 0 : 1);
    });
}

function summarize(statement: NonNullable<Awaited<ReturnType<typeof import("../../verify/verify-bundle.ts").verifyBundle>>["statement"]>) {
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
