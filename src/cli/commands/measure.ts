import type { Command } from "commander";
import { resolve } from "node:path";
import { BunsealError } from "../../errors.ts";
import { collect, printJson, printLines } from "../output.ts";
import { commandProgress } from "../progress.ts";
import { trustFromFlags, trustOptions, type TrustFlags } from "../trust-flags.ts";
import { annotateError, appendSummary, cell, onGitHubActions } from "../github-actions.ts";

/** Commander names each flag after its words (`--signing-key` → `signingKey`). */
interface MeasureFlags extends TrustFlags {
  bundle?: string;
  key: string[];
  signingKey?: string;
  keyless?: boolean;
  identityToken?: string;
  fulcioUrl?: string;
  rekorUrl?: string;
  rekorEntryType?: string;
  tsaUrl?: string;
  runs?: string;
  against?: string;
  againstBundle?: string;
  env?: string;
  artifacts?: string;
  store?: string | true;
  timeout?: string;
  allowDirty?: boolean;
  allowUnsandboxed?: boolean;
  json?: boolean;
  quiet?: boolean;
}

export const DEFAULT_RUNS = 10;
export const DEFAULT_TIMEOUT_MS = 30_000;
const KEYLESS_ONLY = ["identityToken", "fulcioUrl", "rekorUrl", "rekorEntryType", "tsaUrl"] as const;
const flagName = (name: string) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

export function registerMeasure(program: Command, setExit: (code: number) => void): void {
  trustOptions(
    program
      .command("measure")
      .description("verify an artifact, start it N times in a sandbox and measure cold start, memory, latency and errors against its budgets (and side by side against another artifact); sign the measurement")
      .argument("<artifact>", "the artifact file (its provenance: --bundle, default ARTIFACT.sigstore.json)")
      .option("--bundle <file>", "the artifact's provenance bundle (default: ARTIFACT.sigstore.json)")
      .option("--key <file>", "a public key trusted to have signed the artifacts' provenance (repeatable); a private key given here signs the measurement", collect, [])
      .option("--signing-key <file>", "sign the measurement with this PKCS#8 PEM private key (the same as a private key given to --key)")
      .option("--keyless", "sign the measurement keylessly (Fulcio, Rekor), as build --keyless signs")
      .option("--identity-token <token>", "with --keyless: the OIDC token (default: $SIGSTORE_ID_TOKEN, else GitHub Actions' id-token)")
      .option("--fulcio-url <url>", "with --keyless: the Fulcio to certify the key (default: https://fulcio.sigstore.dev)")
      .option("--rekor-url <url>", "with --keyless: the Rekor to log the signature in (default: https://rekor.sigstore.dev)")
      .option("--rekor-entry-type <type>", "with --keyless: the Rekor entry kind, intoto or dsse (default: intoto)")
      .option("--tsa-url <url>", "with --keyless: also timestamp the signature with this RFC 3161 timestamp authority")
      .option("--runs <n>", `starts of the artifact (and of the one it is measured against, alternately) (default ${DEFAULT_RUNS})`)
      .option("--against <artifact>", "side by side: another artifact of the service (its bundle: --against-bundle, default ARTIFACT.sigstore.json)")
      .option("--against-bundle <file>", "with --against: its provenance bundle")
      .option("--env <env>", "side by side against the artifact ENV runs now (its newest pin in the store), found by digest in --artifacts")
      .option("--artifacts <dir>", "with --env: where that artifact's file is (default: the out folder, .bunseal/out or this directory's config's outDir)")
      .option("--store [spec]", "record the signed measurement in the store (and with --env, read the pins there): sqlite:PATH, a path, or postgres://…; default $BUNSEAL_STORE, else ~/.bunseal/store.db")
      .option("--timeout <ms>", `a start not ready within this many milliseconds is stopped and counted as never ready (default ${DEFAULT_TIMEOUT_MS})`)
      .option("--allow-dirty", "measure an artifact built from a work tree with uncommitted changes")
      .option("--allow-unsandboxed", "measure an artifact built without its sandbox (sandbox.kind \"none\", or no sandbox record)"),
    "the artifacts' provenance",
  )
    .option("--json", "print one JSON object")
    .option("--quiet", "no progress on stderr")
    .action(async (artifact: string, flags: MeasureFlags) => {
      const runs = count(flags.runs, "--runs", DEFAULT_RUNS, 1, 1000);
      const timeoutMs = count(flags.timeout, "--timeout", DEFAULT_TIMEOUT_MS, 100, 3_600_000);
      checkFlags(flags);
      const { isDigestForm } = await import("../../verify/artifact-target.ts");
      for (const [flag, value] of [["ARTIFACT", artifact], ["--against", flags.against]] as const) {
        if (value !== undefined && isDigestForm(value)) throw new BunsealError("USAGE", `${flag}: measure starts the artifact, so it needs its file; expected a path to the .tar, got a digest`, { field: flag, expected: "a path to the artifact", found: value });
      }
      const { splitKeys } = await import("../keys.ts");
      // --key: public keys are trust, a private one (told by its PEM) signs; --signing-key says the latter outright
      const { trusted, signer: keySigner } = await splitKeys(flags.key);
      if (keySigner && flags.signingKey !== undefined) throw new BunsealError("USAGE", "two signing keys: a private key in --key and --signing-key; expected one key to sign the measurement with", { field: "--signing-key", expected: "one private key" });
      if ((keySigner || flags.signingKey !== undefined) && flags.keyless) throw new BunsealError("USAGE", "a private key and --keyless contradict each other; expected one way to sign the measurement", { field: "--keyless", expected: "one signer" });
      const trust = await trustFromFlags(flags, trusted);
      if (!trust) throw new BunsealError("USAGE", "nothing to verify the artifact with; expected --key PUB, or --certificate-identity ID with --certificate-oidc-issuer URL, or --policy FILE", { field: "--key", expected: "a public key, a certificate identity or a policy" });
      // the signer first: a bad key or a missing token fails now, before minutes of runs
      const signer = keySigner ?? (flags.signingKey !== undefined ? (await (await import("../keys.ts")).signingKey(flags.signingKey)).signer : flags.keyless ? await keylessSigner(flags) : undefined);
      if (flags.store !== undefined && !signer) throw new BunsealError("USAGE", "--store keeps signed measurements; expected a private key (--key KEY or --signing-key KEY) or --keyless to sign it with", { field: "--store", expected: "a signer" });
      const storeSpec = typeof flags.store === "string" ? flags.store : undefined;
      // a store that would refuse the measurement is found out before the runs, not after
      const store = flags.store !== undefined ? await (await import("../../store/open-store.ts")).openWritableStore(storeSpec) : undefined;
      const progress = commandProgress(flags);
      try {
        const bundlePath = flags.bundle ?? `${artifact}.sigstore.json`;
        const against = flags.against !== undefined ? { path: flags.against, bundlePath: flags.againstBundle ?? `${flags.against}.sigstore.json` } : flags.env !== undefined ? envAgainst(flags.env, flags.artifacts, store, storeSpec) : undefined;
        const { measurement, written } = await measureAndRecord({
          artifact: { path: artifact, bundlePath },
          ...(against ? { against } : {}),
          trust,
          allowDirty: flags.allowDirty,
          allowUnsandboxed: flags.allowUnsandboxed,
          runs,
          timeoutMs,
          signer,
          store,
          progress,
        });
        const report = {
          passed: measurement.passed,
          artifact: { path: artifact, name: measurement.subject.name, digest: `sha256:${measurement.subject.sha256}` },
          against: measurement.against ? { path: measurement.against.path, name: measurement.against.name, digest: `sha256:${measurement.against.sha256}`, env: measurement.predicate.against?.env ?? null } : null,
          service: measurement.predicate.service,
          runs: measurement.predicate.runs,
          figures: measurement.predicate.figures,
          againstFigures: measurement.predicate.against?.figures ?? null,
          ratios: measurement.predicate.against?.ratios ?? [],
          budgets: measurement.predicate.budgets,
          findings: measurement.findings,
          machine: measurement.predicate.machine,
          bundle: written?.path ?? null,
          stored: store !== undefined && written !== undefined,
        };
        if (flags.json) printJson(report);
        else printLines(render(report));
        if (onGitHubActions()) {
          appendSummary(summary(report));
          for (const f of report.findings) annotateError(`bunseal measure: ${f.code}`, `${f.figure}: expected ${f.budget}; measured ${f.measured}`);
        }
        setExit(report.passed ? 0 : 1);
      } finally {
        await store?.close();
      }
    });
}

/**
 * Measure, sign and store, as `measure` does and `pin --measure` does too: signed whatever the
 * verdict (a measured regression is a fact a pin gate must be able to find), stored when a store is given.
 */
export async function measureAndRecord(input: {
  artifact: import("../../measure/measure.ts").ArtifactFile;
  against?: import("../../measure/measure.ts").MeasureRequest["against"];
  trust: import("../../verify/trust.ts").Trust;
  allowDirty?: boolean;
  allowUnsandboxed?: boolean;
  runs: number;
  timeoutMs: number;
  signer: import("../../sign/signer.ts").Signer | undefined;
  store: import("../../store/store.ts").Store | undefined;
  progress: ReturnType<typeof commandProgress>;
}) {
  const { measureArtifact } = await import("../../measure/measure.ts");
  const measurement = await measureArtifact({
    artifact: input.artifact,
    ...(input.against ? { against: input.against } : {}),
    trust: input.trust,
    expectations: { allowDirty: input.allowDirty, allowUnsandboxed: input.allowUnsandboxed },
    runs: input.runs,
    timeoutMs: input.timeoutMs,
    bunPath: process.execPath,
    progress: (line) => input.progress.stage(line),
  }).finally(() => input.progress.stop());
  const { measurementBundlePath, writeMeasurement } = await import("../../measure/sign-measurement.ts");
  const written = input.signer ? await writeMeasurement(measurement, input.signer, measurementBundlePath(input.artifact.path)) : undefined;
  if (input.store && written) {
    await input.store.recordMeasurement({
      bundle: written.bundle,
      service: measurement.predicate.service,
      subjectDigest: measurement.subject.sha256,
      againstDigest: measurement.against?.sha256 ?? null,
      env: measurement.predicate.against?.env ?? null,
      measuredAt: measurement.predicate.measuredAt,
      passed: measurement.passed,
      predicate: measurement.predicate,
    });
  }
  return { measurement, written };
}

/** `--env E`: the artifact E runs now, once the subject's service is known (its verified provenance names it). */
export function envAgainst(env: string, artifacts: string | undefined, store: import("../../store/store.ts").Store | undefined, storeSpec: string | undefined) {
  return async (service: string) => {
    const [{ assertName }, { artifactRunningIn }, { withStore }] = await Promise.all([import("../../config/names.ts"), import("../../measure/env-artifact.ts"), import("../store-option.ts")]);
    assertName(env, "--env");
    const dir = artifacts ?? (await defaultOutDir());
    const found = store ? await artifactRunningIn(store, service, env, dir) : await withStore(storeSpec, (s) => artifactRunningIn(s, service, env, dir), { existing: true });
    return { path: found.path, bundlePath: found.bundlePath, env };
  };
}

/** The out folder build writes to: this directory's config's outDir, else bunseal's default. Only where to look: the file found is verified by its digest. */
export async function defaultOutDir(): Promise<string> {
  try {
    const { loadConfig } = await import("../../config/load.ts");
    return resolve((await loadConfig(".")).config.outDir);
  } catch {
    return resolve(".bunseal/out");
  }
}

function checkFlags(flags: MeasureFlags): void {
  if (flags.against !== undefined && flags.env !== undefined) throw new BunsealError("USAGE", "--against and --env both name what to measure against; expected one of them", { field: "--env", expected: "--against ARTIFACT or --env ENV" });
  if (flags.againstBundle !== undefined && flags.against === undefined) throw new BunsealError("USAGE", "--against-bundle is the bundle of --against's artifact; expected --against ARTIFACT with it", { field: "--against-bundle", expected: "--against ARTIFACT" });
  if (flags.artifacts !== undefined && flags.env === undefined) throw new BunsealError("USAGE", "--artifacts is where --env's artifact is found; expected --env ENV with it", { field: "--artifacts", expected: "--env ENV" });
  const stray = KEYLESS_ONLY.find((name) => flags[name] !== undefined);
  if (stray && !flags.keyless) throw new BunsealError("USAGE", `${flagName(stray)} applies to keyless signing of the measurement; expected --keyless with it`, { field: flagName(stray), expected: "--keyless" });
}

export function count(text: string | undefined, flag: string, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new BunsealError("USAGE", `${flag}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`, { field: flag, expected: `${min}..${max}`, found: text });
  return n;
}

async function keylessSigner(flags: MeasureFlags) {
  const [{ keylessSigner }, { defaultContext }] = await Promise.all([import("../../sign/keyless-signer.ts"), import("../../context.ts")]);
  return keylessSigner({ identityToken: flags.identityToken, env: defaultContext().env, fulcioUrl: flags.fulcioUrl, rekorUrl: flags.rekorUrl, tsaUrl: flags.tsaUrl, rekorEntryType: flags.rekorEntryType });
}

type Report = {
  passed: boolean;
  artifact: { path: string; name: string; digest: string };
  against: { name: string; digest: string; env: string | null } | null;
  service: string;
  runs: number;
  figures: import("../../measure/predicate.ts").Figures;
  againstFigures: import("../../measure/predicate.ts").Figures | null;
  ratios: { figure: string; ratio: number; low: number; high: number; regression: boolean }[];
  findings: import("../../measure/predicate.ts").Finding[];
  bundle: string | null;
  stored: boolean;
};

function render(r: Report): string[] {
  const f = r.figures;
  const lines = [
    `${r.passed ? "PASSED" : "FAILED"}: ${r.artifact.name} (${r.artifact.digest.slice(0, 19)}…), ${r.service}, ${r.runs} run${r.runs === 1 ? "" : "s"}`,
    `  cold start   ${f.coldStartMs ? `p50 ${f.coldStartMs.p50} ms, p95 ${f.coldStartMs.p95} ms` : "never ready"}`,
    `  memory       ${f.rssMb ? `${f.rssMb.atReady} MiB at ready, peak ${f.rssMb.peak} MiB` : "not measured"}`,
    `  latency      ${f.latencyMs ? `p50 ${f.latencyMs.p50} ms, p95 ${f.latencyMs.p95} ms, p99 ${f.latencyMs.p99} ms over ${f.requests} requests` : "no load"}`,
    `  errors       ${(f.errorRate * 100).toFixed(2)} % (${f.crashes} crashed, ${f.neverReady} never ready)`,
    `  size         ${f.artifactBytes} bytes`,
  ];
  if (r.against) {
    lines.push(`  against ${r.against.name} (${r.against.digest.slice(0, 19)}…)${r.against.env ? `, what ${r.against.env} runs now` : ""}:`);
    for (const ratio of r.ratios) lines.push(`    ${ratio.figure.padEnd(15)} ${ratio.ratio.toFixed(2)}× (95 % ${ratio.low.toFixed(2)}–${ratio.high.toFixed(2)})${ratio.regression ? "  REGRESSION" : ""}`);
  }
  for (const finding of r.findings) lines.push(`  ${finding.code}: ${finding.figure}: expected ${finding.budget}; measured ${finding.measured}`);
  lines.push(r.bundle ? `  signed measurement ${r.bundle}${r.stored ? " (stored)" : ""}` : "  not signed (give a private key with --key or --signing-key, or --keyless)");
  return lines;
}

function summary(r: Report): string {
  return [
    `### bunseal measure: ${r.passed ? "passed" : "FAILED"}`,
    "",
    `\`${cell(r.artifact.name)}\`, ${r.runs} runs${r.against ? ` against \`${cell(r.against.name)}\`` : ""}`,
    "",
    ...(r.findings.length > 0 ? ["| finding | figure | budget | measured |", "| --- | --- | --- | --- |", ...r.findings.map((f) => `| ${f.code} | ${cell(f.figure)} | ${cell(f.budget)} | ${cell(f.measured)} |`)] : ["within every budget"]),
  ].join("\n");
}
