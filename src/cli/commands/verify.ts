import type { Command } from "commander";
import { resolve } from "node:path";
import { BunsealError } from "../../errors.ts";
import { isDigestForm } from "../../verify/artifact-target.ts";
import type { Expectations } from "../../verify/expectations.ts";
import type { VerifyReport } from "../../verify/verify-bundle.ts";
import { collect, printJson, printLines } from "../output.ts";
import { trustFromFlags } from "../trust-flags.ts";
import { sandboxText } from "../sandbox-text.ts";
import { SBOM_PREDICATE_TYPE as CYCLONEDX_PREDICATE_TYPE } from "../../verify/sbom-predicate-type.ts";
import { VSA_PREDICATE_TYPE } from "../../vsa/predicate-type.ts";
import { MEASUREMENT_PREDICATE_TYPE } from "../../measure/predicate-type.ts";
import { annotateError, appendSummary, cell, onGitHubActions, writeOutputs } from "../github-actions.ts";
import { signerName, type SignerNames } from "../../signers/names.ts";

/** SLSA provenance v1, what verify takes by default (src/attest/slsa-provenance.ts's, not imported: it loads zod before a usage error could be told) */
const SLSA_PROVENANCE_V1 = "https://slsa.dev/provenance/v1";

/** Commander names each flag after its words (`--source-uri` → `sourceUri`). */
type VerifyFlags = Expectations & {
  bundle?: string;
  key: string[];
  certificateIdentity?: string;
  certificateIdentityRegexp?: string;
  certificateOidcIssuer?: string;
  trustedRoot?: string;
  policy?: string;
  predicateType?: string;
  from?: string;
  signers?: string;
  json?: boolean;
} & VsaFlags;

/** `--vsa OUT`: a Verification Summary Attestation of this verification (src/vsa). */
interface VsaFlags {
  vsa?: string;
  vsaKey?: string;
  vsaKeyless?: boolean;
  vsaOnFailure?: boolean;
  verifierId?: string;
  resourceUri?: string;
  // keyless signing of the summary: build --keyless's flags
  identityToken?: string;
  fulcioUrl?: string;
  rekorUrl?: string;
  rekorEntryType?: string;
  tsaUrl?: string;
}

const VSA_ONLY = ["vsaKey", "vsaKeyless", "vsaOnFailure", "verifierId", "resourceUri"] as const;
const VSA_KEYLESS_ONLY = ["identityToken", "fulcioUrl", "rekorUrl", "rekorEntryType", "tsaUrl"] as const;
const flagName = (name: string) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

// The flags are the sigstore-conformance client protocol's, so the suite's arguments work as they are:
//   --bundle FILE (--certificate-identity ID --certificate-oidc-issuer URL | --key PUB) [--trusted-root FILE] FILE_OR_DIGEST
export function registerVerify(program: Command, setExit: (code: number) => void): void {
  program
    .command("verify")
    .description("verify an artifact against its signed provenance: signature, subject, statement and expectations")
    .argument("[files-or-digests...]", "the artifact file, or sha256:<hex>; several for a batch (one process, one report)")
    .option("--from <file>", "batch: read artifacts (paths, one a line; - for standard input) to verify, besides those named")
    .option("--bundle <file>", "the Sigstore bundle (default: FILE.sigstore.json)")
    .option("--key <file>", "key mode: a trusted public key (PEM); repeat for several", collect, [])
    .option("--certificate-identity <id>", "keyless: the exact identity (certificate SAN) that must have signed")
    .option("--certificate-identity-regexp <re>", "keyless: a regular expression searched for in the identity, as cosign does (anchor it with ^ and $)")
    .option("--certificate-oidc-issuer <url>", "keyless: the OIDC issuer that must have vouched for the identity (required)")
    .option("--trusted-root <file>", "a Sigstore TrustedRoot JSON (default: the public-good root shipped with bunseal)")
    .option("--policy <file>", "a verification policy (JSON; schemas/policy.schema.json): who may sign and what the provenance must say; replaces --key and --certificate-identity")
    .option("--predicate-type <uri>", `the kind of statement to verify: ${SLSA_PROVENANCE_V1} (default), ${CYCLONEDX_PREDICATE_TYPE} (build --sbom's SBOM attestation) ${VSA_PREDICATE_TYPE} (a verification summary, also recognised unasked) or ${MEASUREMENT_PREDICATE_TYPE} (bunseal measure's signed runtime measurement)`)
    .option("--commit <sha>", "expect this source commit (full, or a prefix of 7+ hex)")
    .option("--source-uri <uri>", "expect this source repository")
    .option("--service <name>", "expect this service")
    .option("--schema-version <v>", "expect this schemaVersion contract")
    .option("--bun-version <v>", "expect this Bun version")
    .option("--allow-dirty", "accept an artifact built from a work tree with uncommitted changes")
    .option("--allow-unsandboxed", "accept an artifact built without its sandbox (sandbox.kind \"none\", or a record made before the sandbox was recorded)")
    .option("--vsa <file>", "write a Verification Summary Attestation (SLSA VSA v1, a signed Sigstore bundle) of a verification that passed")
    .option("--vsa-key <file>", "with --vsa: sign the summary with this PKCS#8 PEM private key (the verifier's key)")
    .option("--vsa-keyless", "with --vsa: sign the summary keylessly (Fulcio, Rekor), as build --keyless signs")
    .option("--vsa-on-failure", "with --vsa: also write a FAILED summary when the verification fails")
    .option("--verifier-id <uri>", "with --vsa: the verifier's id (default: https://bunseal.dev/verifiers/verify/v1)")
    .option("--resource-uri <uri>", "with --vsa: the resource the artifact is verified as (default: the artifact's file: URI)")
    .option("--identity-token <token>", "with --vsa-keyless: the OIDC token (default: $SIGSTORE_ID_TOKEN, else GitHub Actions' id-token)")
    .option("--fulcio-url <url>", "with --vsa-keyless: the Fulcio to certify the key (default: https://fulcio.sigstore.dev)")
    .option("--rekor-url <url>", "with --vsa-keyless: the Rekor to log the signature in (default: https://rekor.sigstore.dev)")
    .option("--rekor-entry-type <type>", "with --vsa-keyless: the Rekor entry kind, intoto or dsse (default: intoto)")
    .option("--tsa-url <url>", "with --vsa-keyless: also timestamp the signature with this RFC 3161 timestamp authority")
    .option("--signers <file>", "name the signer that verified from this signers file (JSON; schemas/signers.schema.json); a name is a label, never trust")
    .option("--json", "print one JSON object")
    .action(async (targets: string[], flags: VerifyFlags) => {
      // a usage error is told before the verifier loads (issue #12: its start-up is most of the wait)
      if (targets.length === 0 && flags.from === undefined) throw new BunsealError("USAGE", "expected an artifact to verify (a file or sha256:<hex>), or --from FILE", { field: "file-or-digest", expected: "an artifact" });
      // loaded here, not at the top: every other command would pay for the verifier's start-up
      // A one-shot process parses each schema once: compiling a fast parser for it (zod's
      // default, with new Function) costs more than it saves. Same results, a few ms sooner.
      // Set before the verifier loads: zod reads it as each schema is built, not as it parses.
      (await import("../../vendor/zod.js")).z.config({ jitless: true });
      const [{ verifyBundle }, { loadPublicKey }] = await Promise.all([import("../../verify/verify-bundle.ts"), import("../../sign/keys.ts")]);
      const listed = flags.from !== undefined ? await readList(flags.from) : [];
      const all = [...targets, ...listed];
      if (all.length === 0) throw new BunsealError("USAGE", "expected an artifact to verify (a file or sha256:<hex>), or --from FILE", { field: "file-or-digest", expected: "an artifact" });
      const batch = all.length > 1 || flags.from !== undefined;
      const asked = predicateTypeFlag(flags.predicateType, batch);
      if (batch && flags.bundle !== undefined) throw new BunsealError("USAGE", "--bundle names the bundle of one artifact; expected one artifact with it (in a batch, each artifact's bundle is FILE.sigstore.json)", { field: "--bundle", expected: "one artifact" });
      const target = all[0]!;
      const bundlePath = flags.bundle ?? (isDigestForm(target) ? undefined : `${target}.sigstore.json`);
      if (!batch && !bundlePath) throw new BunsealError("USAGE", "a digest has no bundle beside it; expected --bundle FILE", { field: "--bundle", expected: "a bundle path" });
      // the trust rules every command that verifies shares (src/cli/trust-flags.ts): one key, identity or policy
      const keys = await Promise.all(flags.key.map((k) => loadPublicKey(k)));
      const trust = await trustFromFlags(flags, keys);
      const identity = trust?.kind === "identity" ? trust.identity : undefined;
      const policy = trust?.kind === "policy" ? trust.policy : undefined;
      const names = flags.signers !== undefined ? await (await import("../../signers/load.ts")).loadSignerNames(flags.signers) : undefined;
      const expectations = { commit: flags.commit, sourceUri: flags.sourceUri, service: flags.service, schemaVersion: flags.schemaVersion, bunVersion: flags.bunVersion, allowDirty: flags.allowDirty, allowUnsandboxed: flags.allowUnsandboxed };
      checkVsaFlags(flags, batch, target, bundlePath);
      // the summary's signer first: a bad key or a missing token fails now, before anything is verified
      const vsaSigner = flags.vsa !== undefined ? await summarySigner(flags) : undefined;
      // Read once: what is verified, what a summary names by digest and what decides the route are the same bytes.
      const bundleBytes = !batch ? await Bun.file(bundlePath!).bytes().catch(() => undefined) : undefined;
      // and the payload is looked into once, for what it claims to be
      const predicateType = bundleBytes ? (await import("../../vsa/detect.ts")).peekPredicateType(bundleBytes) : undefined;
      // A summary is a verifier's verdict on the artifact (it must say PASSED), so it is recognised unasked;
      // an SBOM attestation concludes nothing about how the artifact was built, so it is verified only when asked for.
      if (asked === VSA_PREDICATE_TYPE || (asked === undefined && predicateType === VSA_PREDICATE_TYPE)) {
        if (flags.vsa !== undefined) throw new BunsealError("USAGE", `${bundlePath} is a verification summary; expected provenance to summarise with --vsa (a summary of a summary is not written)`, { field: "--vsa", expected: "a provenance bundle" });
        const { verifyVsa, verifyVsaWithPolicy } = await import("../../vsa/verify-vsa.ts");
        const request = { artifact: target, bundlePath: bundlePath!, bundleBytes, trustedRoot: flags.trustedRoot, expectations };
        const report = policy ? await verifyVsaWithPolicy(request, policy) : await verifyVsa({ ...request, keys, identity });
        renderVsa(report, flags.json);
        setExit(report.verified ? 0 : 1);
        return;
      }
      if (asked === MEASUREMENT_PREDICATE_TYPE) {
        // a runtime measurement (bunseal measure): signature, subject, the measurement predicate; what it measured is reported beside
        if (flags.vsa !== undefined || policy) throw new BunsealError("USAGE", `${bundlePath} is verified as a runtime measurement; expected provenance for --vsa or --policy`, { field: flags.vsa !== undefined ? "--vsa" : "--policy", expected: "a provenance bundle" });
        const { verifyMeasurement } = await import("../../measure/verify-measurement.ts");
        const report = await verifyMeasurement({ artifact: target, bundlePath: bundlePath!, bundleBytes, trustedRoot: flags.trustedRoot, expectations, keys, identity });
        reportToGitHub([report]);
        const { verifiedMeasurement: _m, statement: _s, ...rest } = report;
        if (flags.json) printJson({ ...rest, provenance: null });
        else printLines(report.verified ? measurementLines(report) : failedLines(report));
        setExit(report.verified ? 0 : 1);
        return;
      }
      if (asked === CYCLONEDX_PREDICATE_TYPE) {
        // an SBOM attestation (build --sbom): signature, subject, a CycloneDX predicate; no provenance rules apply
        if (flags.vsa !== undefined || policy) throw new BunsealError("USAGE", `${bundlePath} is an SBOM attestation; expected provenance for --vsa or --policy`, { field: flags.vsa !== undefined ? "--vsa" : "--policy", expected: "a provenance bundle" });
        const { verifySbomAttestation } = await import("../../sbom/verify-sbom.ts");
        const report = await verifySbomAttestation({ artifact: target, bundlePath: bundlePath!, bundleBytes, trustedRoot: flags.trustedRoot, expectations, keys, identity });
        reportToGitHub([report]);
        if (flags.json) printJson({ ...report, provenance: null });
        else printLines(report.verified ? [`OK: ${report.artifact?.path ?? report.artifact?.digest} has a verified SBOM attestation`, `  CycloneDX ${report.sbom!.specVersion}, ${report.sbom!.components} shipped packages`] : failedLines(report));
        setExit(report.verified ? 0 : 1);
        return;
      }
      if (policy) {
        if (batch) throw new BunsealError("USAGE", "--policy verifies one artifact for now; expected one artifact with it", { field: "--policy", expected: "one artifact" });
        const [{ verifyWithPolicy }, { policyFileDescriptor }] = await Promise.all([import("../../verify/verify-with-policy.ts"), import("../../vsa/policy-descriptor.ts")]);
        const report = await verifyWithPolicy({ artifact: target, bundlePath: bundlePath!, bundleBytes, trustedRoot: flags.trustedRoot, expectations, predicateType: asked }, policy);
        const written = vsaSigner ? await writeSummary(flags, vsaSigner, report, bundlePath!, bundleBytes, policyFileDescriptor(policy), target) : undefined;
        render(report, flags.json, { policy: report.policy, ...(written !== undefined ? { vsaWritten: written } : {}) }, names);
        setExit(report.verified ? 0 : 1);
        return;
      }
      if (batch) {
        // one process, keys and trust read once: a release gate checks every artifact at the cost of the first
        const results = [];
        for (const artifact of all) {
          const bundle = isDigestForm(artifact) ? undefined : `${artifact}.sigstore.json`;
          if (!bundle) {
            results.push({ verified: false, artifact: { digest: artifact }, failures: [{ code: "USAGE", message: "a digest in a batch has no bundle beside it; expected a file" }], provenance: null });
            continue;
          }
          try {
            const one = await verifyBundle({
              artifact,
              bundlePath: bundle,
              keys,
              identity,
              trustedRoot: flags.trustedRoot,
              expectations,
              predicateType: asked,
            });
            results.push(batchEntry(one));
          } catch (error) {
            // a bad entry (an unreadable file, a malformed bundle) is that entry's failure, not the batch's end
            const e = error as { code?: string; message?: string };
            results.push({ verified: false, artifact: { path: artifact }, failures: [{ code: e.code ?? "INTERNAL", message: e.message ?? String(error) }], provenance: null });
          }
        }
        renderBatch(results, flags.json);
        setExit(results.every((r) => r.verified) ? 0 : 1);
        return;
      }
      const report = await verifyBundle({
        artifact: target,
        bundlePath: bundlePath!,
        bundleBytes,
        keys,
        identity,
        trustedRoot: flags.trustedRoot,
        expectations,
        predicateType: asked,
      });
      let written: Awaited<ReturnType<typeof writeSummary>> | undefined;
      if (vsaSigner) {
        const { flagsPolicyDescriptor } = await import("../../vsa/policy-descriptor.ts");
        const trustedRootSha256 = flags.trustedRoot !== undefined ? (await import("../../util/digest.ts")).sha256Hex(await Bun.file(flags.trustedRoot).bytes()) : undefined;
        written = await writeSummary(flags, vsaSigner, report, bundlePath!, bundleBytes, flagsPolicyDescriptor({ keys, identity, trustedRootSha256, expectations }), target);
      }
      render(report, flags.json, written !== undefined ? { vsaWritten: written } : {}, names);
      setExit(report.verified ? 0 : 1);
    });
}

/**
 * `--predicate-type`: only the kinds of statement bunseal judges (as gh attestation verify's flag, whose
 * default is also SLSA provenance v1). Any other type would pass on a signature and a subject alone.
 */
function predicateTypeFlag(value: string | undefined, batch: boolean): string | undefined {
  if (value === undefined) return undefined;
  const known = [SLSA_PROVENANCE_V1, CYCLONEDX_PREDICATE_TYPE, VSA_PREDICATE_TYPE, MEASUREMENT_PREDICATE_TYPE];
  if (!known.includes(value)) throw new BunsealError("USAGE", `--predicate-type: expected one of ${known.join(", ")}; got ${JSON.stringify(value)}`, { field: "--predicate-type", expected: known.join(" | "), found: value });
  if (batch && value !== SLSA_PROVENANCE_V1) throw new BunsealError("USAGE", `--predicate-type ${value} verifies one artifact with its --bundle (in a batch, each artifact's bundle is its provenance, FILE.sigstore.json)`, { field: "--predicate-type", expected: "one artifact" });
  return value;
}

/**
 * The --vsa flags: one way to sign the summary, nothing that would be silently
 * ignored, one artifact (a summary names one resource), and never a path that
 * would overwrite what is being verified.
 */
function checkVsaFlags(flags: VerifyFlags, batch: boolean, target: string, bundlePath: string | undefined): void {
  if (flags.vsa === undefined) {
    const stray = [...VSA_ONLY, ...VSA_KEYLESS_ONLY].find((name) => flags[name] !== undefined);
    if (stray) throw new BunsealError("USAGE", `${flagName(stray)} applies to writing a verification summary; expected --vsa FILE with it`, { field: flagName(stray), expected: "--vsa FILE" });
    return;
  }
  if (batch) throw new BunsealError("USAGE", "--vsa summarises the verification of one artifact (a summary names one resource); expected one artifact with it", { field: "--vsa", expected: "one artifact" });
  if (flags.vsaKey === undefined && !flags.vsaKeyless) throw new BunsealError("USAGE", "--vsa needs a signer; expected --vsa-key FILE (the verifier's private key) or --vsa-keyless", { field: "--vsa", expected: "--vsa-key FILE or --vsa-keyless" });
  if (flags.vsaKey !== undefined && flags.vsaKeyless) throw new BunsealError("USAGE", "--vsa-key and --vsa-keyless contradict each other; expected one of them", { field: "--vsa-keyless" });
  const stray = VSA_KEYLESS_ONLY.find((name) => flags[name] !== undefined);
  if (stray && !flags.vsaKeyless) throw new BunsealError("USAGE", `${flagName(stray)} applies to keyless signing of the summary; expected --vsa-keyless with it`, { field: flagName(stray), expected: "--vsa-keyless" });
  for (const name of ["verifierId", "resourceUri"] as const) {
    const value = flags[name];
    if (value !== undefined && !URL.canParse(value)) throw new BunsealError("USAGE", `${flagName(name)}: expected a URI, got ${JSON.stringify(value)}`, { field: flagName(name), expected: "a URI", found: value });
  }
  if (isDigestForm(target) && flags.resourceUri === undefined) throw new BunsealError("USAGE", "a summary of an artifact named by its digest needs --resource-uri URI (there is no file to name it by)", { field: "--resource-uri", expected: "a URI" });
  const out = resolve(flags.vsa);
  if ([target, bundlePath].some((p) => p !== undefined && !isDigestForm(p) && resolve(p) === out)) {
    throw new BunsealError("USAGE", `--vsa ${flags.vsa} would overwrite what is being verified; expected another path`, { field: "--vsa", expected: "a new path", found: flags.vsa });
  }
}

/** The summary's signer, wired as build wires its own (src/cli/commands/build.ts): a key, or keyless with the same flags. */
async function summarySigner(flags: VerifyFlags) {
  if (flags.vsaKey !== undefined) {
    // the key, or the signer of the bunseal process that holds it (src/sign/key-holder.ts)
    return (await (await import("../keys.ts")).signingKey(flags.vsaKey)).signer;
  }
  const [{ keylessSigner }, { defaultContext }] = await Promise.all([import("../../sign/keyless-signer.ts"), import("../../context.ts")]);
  return keylessSigner({ identityToken: flags.identityToken, env: defaultContext().env, fulcioUrl: flags.fulcioUrl, rekorUrl: flags.rekorUrl, tsaUrl: flags.tsaUrl, rekorEntryType: flags.rekorEntryType });
}

/** Writes the summary of `report` (src/vsa/emit-vsa.ts); null when the verification failed and --vsa-on-failure was not given. */
async function writeSummary(flags: VerifyFlags, signer: import("../../sign/signer.ts").Signer, report: VerifyReport, bundlePath: string, bundleBytes: Uint8Array | undefined, policy: import("../../vsa/make-vsa.ts").NamedDigest, target: string) {
  // verification read the bundle; had it been unreadable, verify would have stopped with INPUT_UNREADABLE before here
  if (!bundleBytes) return null;
  const [{ emitVsa }, { fileUri }] = await Promise.all([import("../../vsa/emit-vsa.ts"), import("../../vsa/policy-descriptor.ts")]);
  return emitVsa({
    report,
    bundle: { path: bundlePath, bytes: bundleBytes },
    policy,
    verifierId: flags.verifierId,
    resourceUri: flags.resourceUri ?? fileUri(target),
    signer,
    outPath: flags.vsa!,
    onFailure: flags.vsaOnFailure === true,
    now: new Date(),
  });
}

/** A verification summary verified: what it says (only once everything verified), or what failed. */
function renderVsa(report: import("../../vsa/verify-vsa.ts").VsaVerifyReport, json: boolean | undefined): void {
  reportToGitHub([report]);
  const { verifiedSummary: _s, statement: _p, ...rest } = report;
  if (json) {
    printJson({ ...rest, provenance: null });
    return;
  }
  if (!report.verified) {
    printLines(failedLines(report));
    return;
  }
  const signer = report.signer?.keyId ? `key ${report.signer.keyId.slice(0, 16)}…` : `${report.signer?.identity} (issuer ${report.signer?.issuer})`;
  printLines([
    `OK: ${report.artifact?.path ?? report.artifact?.digest} verifies by its verification summary`,
    `  verified by ${report.vsa!.verifierId} at ${report.vsa!.timeVerified}: ${report.vsa!.verificationResult}, ${report.vsa!.verifiedLevels.join(", ")}`,
    `  signed by ${signer}`,
  ]);
}

/** A measurement that verified: who signed it, and what it measured (its verdict is the measurement's, not verify's). */
function measurementLines(report: import("../../measure/verify-measurement.ts").MeasurementVerifyReport): string[] {
  const m = report.measurement!;
  const signer = report.signer?.keyId ? `key ${report.signer.keyId.slice(0, 16)}…` : `${report.signer?.identity} (issuer ${report.signer?.issuer})`;
  return [
    `OK: ${report.artifact?.path ?? report.artifact?.digest} has a verified runtime measurement`,
    `  signed by ${signer}`,
    `  ${m.service}, measured ${m.measuredAt} over ${m.runs} runs: ${m.passed ? "passed" : `FAILED (${m.findings.map((f) => `${f.code} ${f.figure}`).join(", ")})`}`,
    ...(m.against ? [`  against ${m.against.name} (sha256:${m.against.sha256.slice(0, 12)})${m.against.env !== undefined ? ` running in ${m.against.env}` : ""}`] : []),
  ];
}

/** Artifacts from a file, one a line (blank lines and # comments skipped); `-` reads standard input. */
async function readList(from: string): Promise<string[]> {
  const text = from === "-" ? await new Response(Bun.stdin.stream()).text() : await Bun.file(from).text().catch((cause: Error) => {
    throw Object.assign(new Error(`--from ${from}: cannot be read (${cause.message})`), { code: "INPUT_UNREADABLE" });
  });
  return text.split("\n").map((line) => line.trim()).filter((line) => line !== "" && !line.startsWith("#"));
}

/** One artifact of a batch, as the single-artifact JSON shows it. */
function batchEntry(report: VerifyReport & { verifiedStatement?: unknown }) {
  const { verifiedStatement: _v, statement, ...rest } = report;
  return { ...rest, provenance: statement && report.verified ? summarize(statement) : null };
}

function renderBatch(results: { verified: boolean; artifact?: { path?: string; digest?: string } | null; failures: { code: string; message: string }[] }[], json: boolean | undefined): void {
  const verified = results.every((r) => r.verified);
  reportToGitHub(results);
  if (json) {
    printJson({ verified, results });
    return;
  }
  const failed = results.filter((r) => !r.verified).length;
  printLines([
    `${verified ? "OK" : "FAILED"}: ${results.length - failed} of ${results.length} artifacts verify`,
    ...results.map((r) => `  ${r.verified ? "ok    " : "FAILED"} ${r.artifact?.path ?? r.artifact?.digest ?? "?"}${r.verified ? "" : `: ${r.failures.map((f) => f.code).join(", ")}`}`),
  ]);
}

function render(report: VerifyReport & { verifiedStatement?: unknown }, json: boolean | undefined, extra: Record<string, unknown>, names?: SignerNames): void {
  // a name only for a signer that verified: the file labels signers, it does not vouch for them
  const name = report.verified ? signerName(names, report.signer) : undefined;
  reportToGitHub([{ ...report, signerName: name }]);
  const { verifiedStatement: _v, statement, ...rest } = report;
  // What an unverified statement claims is attacker-controlled: it is shown only once everything verified.
  const summary = statement && report.verified ? summarize(statement) : undefined;
  if (json) printJson({ ...rest, ...(name !== undefined ? { signer: { ...rest.signer, name } } : {}), ...extra, provenance: summary ?? null });
  else printLines([...(report.verified ? okLines(report, summary, name) : failedLines(report)), ...sandboxLines(report), ...vsaLines(extra.vsaWritten)]);
}

/** How the build's boundary was enforced, as its record says (shown once a trusted signer vouched for it). */
function sandboxLines(report: VerifyReport): string[] {
  const sandbox = report.build?.sandbox;
  return sandbox ? [`  sandbox    ${sandboxText(sandbox)}`] : [];
}

function vsaLines(written: unknown): string[] {
  if (written === undefined) return [];
  if (written === null) return ["  no verification summary written (the verification failed; --vsa-on-failure writes a FAILED one)"];
  const w = written as { path: string; verificationResult: string; verifiedLevels: string[] };
  return [`  summary ${w.path} (${w.verificationResult}, ${w.verifiedLevels.join(", ")})`];
}

function okLines(report: VerifyReport, summary: ReturnType<typeof summarize> | undefined, name?: string): string[] {
  const signer = `${name !== undefined ? `${name}: ` : ""}${report.signer?.keyId ? `key ${report.signer.keyId.slice(0, 16)}…` : `${report.signer?.identity} (issuer ${report.signer?.issuer})`}`;
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

/** On GitHub Actions: `verified=true|false`, a summary line per artifact, and an annotation per failure. */
function reportToGitHub(results: readonly { verified: boolean; artifact?: { path?: string; digest?: string } | null; failures: readonly { code: string; message: string }[]; build?: VerifyReport["build"]; signerName?: string }[]): void {
  const verified = results.every((r) => r.verified);
  // GitHub's step outputs, or GitLab's dotenv report: the same values
  writeOutputs({ verified: String(verified) });
  if (!onGitHubActions()) return;
  const name = (r: (typeof results)[number]) => r.artifact?.path ?? r.artifact?.digest ?? "?";
  appendSummary(
    [
      `### bunseal verify: ${verified ? "verified" : "FAILED"}`,
      "",
      "| artifact | result |",
      "| --- | --- |",
      ...results.map((r) => `| \`${cell(name(r))}\` | ${r.verified ? "verified" : cell(r.failures.map((f) => `${f.code}: ${f.message}`).join("; "))}${r.signerName !== undefined ? `<br>signed by: ${cell(r.signerName)}` : ""}${r.build ? `<br>sandbox: ${cell(sandboxText(r.build.sandbox))}` : ""} |`),
    ].join("\n"),
  );
  for (const r of results) for (const f of r.failures) annotateError(`bunseal verify: ${f.code}`, `${name(r)}: ${f.message}`);
}
