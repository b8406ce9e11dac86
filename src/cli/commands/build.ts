import type { Command } from "commander";
import { rm } from "node:fs/promises";
import { BunsealError } from "../../errors.ts";
import type { BuildOutcome } from "../../pipeline/build.ts";
import type { Store } from "../../store/store.ts";
import type { KeylessReceipt, KeylessSigner } from "../../sign/keyless-signer.ts";
import { formatBytes, printJson, printLines } from "../output.ts";
import { parseTimeout } from "../timeout-option.ts";
import { warnUnsandboxed } from "../unsandboxed-warning.ts";
import { sandboxText, type SandboxView } from "../sandbox-text.ts";
import { commandProgress } from "../progress.ts";
import { appendSummary, checkCiFiles, onGitHubActions, writeOutputs } from "../github-actions.ts";
import { buildSummary } from "../ci-summaries.ts";
import { describeSigner, trustFromFlags, trustOptions, type TrustFlags } from "../trust-flags.ts";
import type { ArtifactSigner } from "../../store/store.ts";
import type { Trust } from "../../verify/trust.ts";
import type { SigningKey } from "../keys.ts";

const KEYLESS_ONLY = ["identityToken", "fulcioUrl", "rekorUrl", "rekorEntryType", "tsaUrl"] as const;

interface BuildFlags extends TrustFlags {
  out?: string;
  key?: string;
  keyless?: boolean;
  identityToken?: string;
  fulcioUrl?: string;
  rekorUrl?: string;
  tsaUrl?: string;
  rekorEntryType?: string;
  /** false with --no-tlog */
  tlog: boolean;
  sign: boolean;
  allowDirty?: boolean;
  builderId?: string;
  store?: string | boolean;
  timeout?: string;
  workspace?: boolean;
  sbom?: boolean;
  /** false with --no-sandbox */
  sandbox?: boolean;
  bun?: string;
  json?: boolean;
  quiet?: boolean;
}

export function registerBuild(program: Command, setExit: (code: number) => void): void {
  trustOptions(
    program
      .command("build")
      .description("build the project with bun build, pack a deterministic tar and sign its SLSA provenance")
      .argument("[dir]", "the project folder", ".")
      .option("--out <dir>", "where the artifact and its bundle go (default: the config's outDir, .bunseal/out)")
      .option("--key <file>", "PKCS#8 PEM private key to sign with (see bunseal keygen)")
      .option("--keyless", "sign with Sigstore: a Fulcio certificate for the CI's OIDC identity, logged in Rekor")
      .option("--identity-token <token>", "with --keyless: the OIDC token (default: $SIGSTORE_ID_TOKEN, else GitHub Actions' id-token; the variable keeps it out of the process list)")
      .option("--fulcio-url <url>", "with --keyless: the Fulcio to certify the key (default: https://fulcio.sigstore.dev)")
      .option("--rekor-url <url>", "with --keyless: the Rekor to log the signature in (default: https://rekor.sigstore.dev)")
      .option("--rekor-entry-type <type>", "with --keyless: the Rekor entry kind for the envelope, intoto or dsse (default: intoto)")
      .option("--tsa-url <url>", "with --keyless: also timestamp the signature with this RFC 3161 timestamp authority")
      .option("--no-tlog", "with --keyless and --tsa-url: no transparency-log entry, for a private Sigstore with no Rekor (its trusted root lists no log)")
      .option("--no-sign", "write the bare in-toto statement instead of a signed bundle")
      .option("--allow-dirty", "build a work tree with uncommitted changes, recording them")
      .option("--builder-id <uri>", "the SLSA builder id to record")
      .option("--store [spec]", "record the artifact in the store (sqlite:PATH, a path, or postgres://…; default $BUNSEAL_STORE, else ~/.bunseal/store.db)")
      .option("--timeout <seconds>", "stop the build if it runs longer than this (default 900)")
      .option("--sbom", "also write a CycloneDX SBOM of the shipped packages (ARTIFACT.cdx.json) and sign it as an attestation (ARTIFACT.cdx.sigstore.json)")
      .option("--workspace", "in a workspace root: build every package that has a bunseal config, dependencies first")
      .option("--no-sandbox", "build without the sandbox where none can run (recorded as sandbox.kind \"none\"; verify refuses it unless --allow-unsandboxed)")
      .option("--bun <path|version>", "build with this Bun: a binary, or a version fetched from the npm registry (default: the project's pinned Bun, else the running one)"),
    "the bundle --store records",
    "with --keyless, the identity it was just signed as",
  )
    .option("--json", "print one JSON object")
    .option("--quiet", "no progress on stderr: neither the stage lines nor the updating line on a terminal (warnings still show)")
    .action(async (dir: string, flags: BuildFlags) => {
      checkSigningFlags(flags);
      // the CI's output files before anything is built: a result that cannot be handed on is not made
      checkCiFiles();
      // whether this machine can sandbox is asked now, while the pipeline and the signer load: the build
      // waits for the answer before anything of the project runs (src/sandbox/unavailable.ts)
      if (flags.sandbox !== false) void import("../../sandbox/bwrap.ts").then((m) => m.sandboxAvailability());
      const timeoutMs = parseTimeout(flags.timeout);
      const [{ buildArtifact }, { defaultContext }] = await Promise.all([import("../../pipeline/build.ts"), import("../../context.ts")]);
      if (flags.store !== undefined && !flags.sign) {
        throw new BunsealError("USAGE", "--store records signed artifacts; expected --key, not --no-sign", { field: "--store", expected: "a signed build" });
      }
      // what the store will check the new bundle against, validated before anything is built (verify's rules)
      const storeTrust = flags.store !== undefined && (flags.policy !== undefined || flags.certificateIdentity !== undefined || flags.certificateIdentityRegexp !== undefined || flags.certificateOidcIssuer !== undefined) ? await trustFromFlags(flags) : undefined;
      const progress = commandProgress(flags);
      const ctx = defaultContext(progress.context);
      // the signer first: a bad key, a missing token or a mistyped URL fails now, before anything is made
      let signer;
      let key: SigningKey | undefined;
      let keyless: KeylessSigner | undefined;
      if (flags.key) {
        // the key, or the signer of the bunseal process that holds it (src/sign/key-holder.ts)
        key = await (await import("../keys.ts")).signingKey(flags.key);
        signer = key.signer;
      } else if (flags.keyless) {
        const { keylessSigner } = await import("../../sign/keyless-signer.ts");
        signer = keyless = keylessSigner({
          identityToken: flags.identityToken,
          env: ctx.env,
          fulcioUrl: flags.fulcioUrl,
          rekorUrl: flags.rekorUrl,
          tsaUrl: flags.tsaUrl,
          rekorEntryType: flags.rekorEntryType,
          tlog: flags.tlog,
        });
      }
      // then the store: its spec, and that it is there and writable, before anything is built,
      // so a failure that was knowable now leaves no signed tar or bundle behind (the out
      // folder is checked by the pipeline, first thing after the config)
      let store: Store | undefined;
      if (flags.store !== undefined) {
        const { openWritableStore } = await import("../../store/open-store.ts");
        store = await openWritableStore(typeof flags.store === "string" ? flags.store : undefined);
      }
      try {
        // the key file is named to the sandbox so that the build cannot read it wherever it lies
        const bun = flags.bun === undefined ? undefined : await (await import("../../runtime/project-bun.ts")).bunFromFlag(flags.bun, { onProgress: ctx.log });
        const request = { outDir: flags.out, allowDirty: flags.allowDirty, signer, builderId: flags.builderId, deny: key ? [key.path] : [], timeoutMs, sbom: flags.sbom, sandbox: flags.sandbox === false ? (false as const) : undefined, bun, followPin: true };
        warnUnsandboxed(flags, true);
        const results = flags.workspace
          ? (await (await import("../../workspace/build-workspace.ts")).buildWorkspace({ ...request, rootDir: dir }, ctx)).builds
          : [await buildArtifact({ ...request, projectDir: dir }, ctx)];
        progress.stop();
        let stored: { location: string; signer: ArtifactSigner | null } | null = null;
        if (store && (key || keyless)) {
          const { recordBuild } = await import("../../store/record-build.ts");
          let signer: ArtifactSigner | null = null;
          try {
            const trust = storeTrust ?? (key ? ({ kind: "keys", keys: [key.publicKey] } satisfies Trust) : signedAs(keyless!, flags.trustedRoot));
            for (const result of results) if (result.bundle) signer = (await recordBuild(store, result.artifact.digest, result.bundle.path, trust)).signer;
          } catch (error) {
            // build --store failed as a whole: what it signed does not stay behind
            await removeOutputs(results);
            throw error;
          }
          stored = { location: store.location, signer };
        }
        try {
          if (flags.workspace) renderWorkspace(results as (BuildOutcome & { package: string })[], keyless, stored, flags.json);
          else render(results[0]!, keyless, stored, flags.json);
        } catch (error) {
          // the step's outputs could not be written after all: no release that no later step knows of
          await removeOutputs(results);
          throw error;
        }
      } finally {
        progress.stop();
        await store?.close();
      }
      setExit(0);
    });
}

async function removeOutputs(results: readonly BuildOutcome[]): Promise<void> {
  await Promise.all(results.flatMap((r) => [r.artifact.path, r.bundle?.path, r.statement?.path, r.sbom?.path, r.sbom?.bundle?.path].map((path) => path && rm(path, { force: true })))).catch(() => undefined);
}

/**
 * build --keyless --store with no identity named: the bundle must carry the identity it was just
 * signed as (the certificate's SAN) and the issuer of the token it was signed with, under the
 * trusted root, with its certificate chain, SCT and log entry checked as verify checks them.
 */
function signedAs(keyless: KeylessSigner, trustedRoot: string | undefined): Trust {
  const { identity, issuer } = keyless.receipt;
  if (!identity || !issuer) throw new BunsealError("VERIFY_FAILED", "the keyless signature names no identity and issuer to record; expected both in the signing certificate", { field: "--keyless", expected: "an identity and an issuer" });
  return { kind: "identity", identity: { identity, issuer }, trustedRoot };
}

type Stored = { location: string; signer: ArtifactSigner | null } | null;

function render(result: BuildOutcome, keyless: KeylessSigner | undefined, stored: Stored, json: boolean | undefined): void {
  reportToGitHub(result, keyless);
  const { statementValue: _statement, ...built } = result;
  const summary = { ...built, keyless: keyless?.receipt ?? null, store: stored };
  if (json) {
    printJson(summary);
  } else {
    const widest = Math.max(...result.files.map((f) => f.path.length));
    printLines([
      `${result.service} @ ${result.commit.slice(0, 12)}${result.dirty ? " (dirty work tree)" : ""}, Bun ${result.bun}`,
      `artifact   ${result.artifact.path}`,
      `digest     ${result.artifact.digest}  (${formatBytes(result.artifact.size)})`,
      result.bundle ? `bundle     ${result.bundle.path}` : `statement  ${result.statement?.path} (unsigned)`,
      ...(result.sbom ? [`sbom       ${result.sbom.path} (${result.sbom.packages} shipped packages)${result.sbom.bundle ? `, attested in ${result.sbom.bundle.path}` : ""}`] : []),
      ...(keyless ? keylessLines(keyless.receipt) : []),
      `inputs     ${result.inputs} files, ${result.dependencies} locked packages`,
      ...sandboxLine(result),
      ...(stored ? [`store      ${stored.location}${stored.signer ? `, signer ${describeSigner(stored.signer)}` : ""}`] : []),
      `time       ${result.timings.total} ms (bun build ${result.timings.bun} ms)`,
      "files",
      ...result.files.map((f) => `  ${f.path.padEnd(widest)}  ${f.digest.slice(0, 23)}…  ${formatBytes(f.size)}`),
    ]);
  }
}

/** How the build's boundary was enforced, as the statement records it. */
function recordedSandbox(result: BuildOutcome): SandboxView | undefined {
  return (result.statementValue.predicate.buildDefinition.internalParameters as { sandbox?: SandboxView }).sandbox;
}

function sandboxLine(result: BuildOutcome): string[] {
  const sandbox = recordedSandbox(result);
  return sandbox ? [`sandbox    ${sandboxText(sandbox)}`] : [];
}

/** One summary for the whole workspace: a line per package built, in the order built; `--json`: the single-build objects under `builds`. */
function renderWorkspace(results: (BuildOutcome & { package: string })[], keyless: KeylessSigner | undefined, stored: Stored, json: boolean | undefined): void {
  const builds = results.map(({ statementValue: _statement, ...built }) => ({ ...built, keyless: keyless?.receipt ?? null, store: stored }));
  if (json) {
    printJson({ builds });
    return;
  }
  const first = results[0]!;
  const widest = Math.max(...results.map((r) => r.package.length));
  printLines([
    `workspace @ ${first.commit.slice(0, 12)}${first.dirty ? " (dirty work tree)" : ""}, Bun ${first.bun}: ${results.length} package(s) built, dependencies first`,
    ...results.map((r) => `  ${r.package.padEnd(widest)}  ${r.service}  ${r.artifact.digest.slice(0, 23)}…  ${formatBytes(r.artifact.size)}  ${r.dependencies} locked packages  ${r.bundle?.path ?? `${r.statement?.path} (unsigned)`}`),
    ...(keyless ? keylessLines(keyless.receipt) : []),
    ...(stored ? [`store      ${stored.location}`] : []),
    `time       ${results.reduce((sum, r) => sum + r.timings.total, 0)} ms`,
  ]);
}

/** Exactly one way to sign (or --no-sign), and no keyless setting that would be silently ignored. */
function checkSigningFlags(flags: BuildFlags): void {
  const ways = [flags.key && "--key", flags.keyless && "--keyless", !flags.sign && "--no-sign"].filter(Boolean);
  if (ways.length === 0) {
    throw new BunsealError("USAGE", "expected --key FILE or --keyless to sign with, or --no-sign for an unsigned statement", { field: "--key", expected: "a private key file, --keyless or --no-sign" });
  }
  if (ways.length > 1) {
    throw new BunsealError("USAGE", `${ways.join(" and ")} contradict each other; expected one of them`, { field: String(ways[1]) });
  }
  const stray = KEYLESS_ONLY.find((name) => flags[name] !== undefined) ?? (flags.tlog === false ? "noTlog" : undefined);
  if (stray && !flags.keyless) {
    const flag = `--${stray.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    throw new BunsealError("USAGE", `${flag} applies to keyless signing only; expected --keyless with it`, { field: flag, expected: "--keyless" });
  }
  // the trust flags say what the store checks the new bundle against: nothing to say without --store
  const trustFlag = (["certificateIdentity", "certificateIdentityRegexp", "certificateOidcIssuer", "trustedRoot", "policy"] as const).find((name) => flags[name] !== undefined);
  const flagName = (name: string) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  if (trustFlag && flags.store === undefined) {
    throw new BunsealError("USAGE", `${flagName(trustFlag)} says what build --store checks the bundle against before recording it; expected --store with it`, { field: flagName(trustFlag), expected: "--store" });
  }
  // a key-signed build is checked against its own key (or a --policy): an identity or a trusted root would be ignored
  const keylessOnly = (["certificateIdentity", "certificateIdentityRegexp", "certificateOidcIssuer"] as const).find((name) => flags[name] !== undefined) ?? (flags.trustedRoot !== undefined && flags.policy === undefined ? "trustedRoot" : undefined);
  if (keylessOnly && !flags.keyless) {
    throw new BunsealError("USAGE", `${flagName(keylessOnly)} applies to keyless signing only; expected --keyless with it`, { field: flagName(keylessOnly), expected: "--keyless" });
  }
}

function keylessLines(receipt: KeylessReceipt): string[] {
  return [
    `signer     ${receipt.identity ?? "?"} (issuer ${receipt.issuer ?? "?"}, token from ${receipt.tokenSource})`,
    receipt.rekorUrl ? `rekor      ${receipt.rekorUrl}, ${receipt.rekorEntryType} entry ${receipt.logIndex ?? "?"}` : "rekor      none (--no-tlog)",
    ...(receipt.tsaUrl ? [`timestamp  ${receipt.tsaUrl}`] : []),
  ];
}

/** On GitHub Actions: the step's outputs (digest, artifact-path, bundle-path) and a summary of what was built. */
function reportToGitHub(result: BuildOutcome, keyless: KeylessSigner | undefined): void {
  // GitHub's step outputs, or GitLab's dotenv report: the same values
  writeOutputs({ digest: result.artifact.digest, "artifact-path": result.artifact.path, "bundle-path": result.bundle?.path ?? result.statement?.path ?? "" });
  if (!onGitHubActions()) return;
  appendSummary(buildSummary(result, keyless?.receipt, recordedSandbox(result)));
}
