/**
 * `bunseal rebuild`, as a checklist:
 *   verify → checkout → install → siblings → build → compare → explain
 * Reproduces an artifact from the commit its attestation records, in a fresh
 * clone, with the recorded Bun and parameters, and says exactly why when the
 * bytes differ. `siblings` is for a workspace member built beside other
 * members' outputs (build --workspace): those are made again first.
 */
import { existsSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import type { Context } from "../context.ts";
import { BunsealError, isBunsealError, type ErrorCode } from "../errors.ts";
import { buildArtifact } from "../pipeline/build.ts";
import { requireSandbox } from "../sandbox/unavailable.ts";
import { sandboxOf } from "../verify/check-sandbox.ts";
import { probeBun, resolveBun } from "../runtime/bun-runtime.ts";
import { signStatement } from "../sign/sign-statement.ts";
import type { Signer } from "../sign/signer.ts";
import { writeFileAtomic } from "../util/atomic-write.ts";
import { canonicalJson } from "../util/canonical-json.ts";
import { sha256File } from "../util/digest.ts";
import { verifyTrusted, type Trust } from "../verify/trust.ts";
import { cloneUrl } from "../source/uri.ts";
import { checkoutCommit, removeInBackground } from "./checkout.ts";
import { compareTars, type Comparison, type FileDifference } from "./compare.ts";
import { readTarFiles } from "../artifact/tar-read.ts";
import type { Experiment } from "../diagnose/diagnose.ts";
import type { BuildFacts, Cause } from "./explain.ts";
import { missingExtraCauses } from "./missing-extras.ts";
import { rebuildSiblings, type RebuiltSibling } from "./siblings.ts";
import { installDependencies, type InstallResult } from "./install.ts";
import { currentUser, installScripts, recordedFacts } from "./facts.ts";
import { readRecordedBuild, type RecordedBuild } from "./recorded.ts";
import { rebuildStatement } from "./rebuild-attestation.ts";
import { StageTimer } from "../pipeline/stage-timer.ts";

export interface RebuildRequest {
  bundlePath: string;
  /** the original artifact, for a byte-level comparison; default: the bundle's path without `.sigstore.json`, if it exists */
  artifactPath?: string;
  /** where to clone from (a URL, or a repository or any folder inside one; a relative path is relative to the current folder); default: the recorded source */
  source?: string;
  /** what the original's attestation must verify against: public keys, a keyless identity, or a policy */
  trust: Trust;
  /** signs a rebuild attestation when the artifact reproduces */
  signer?: Signer;
  allowDirty?: boolean;
  /** a Bun binary to build with instead of the recorded version */
  bunPath?: string;
  /** keep the checkout (its path is in the report) */
  keep?: boolean;
  /** write a diffoscope-format JSON report here */
  diffoscopePath?: string;
  /** hard limit of the build worker in ms (`--timeout`) */
  timeoutMs?: number;
  /** files the rebuild must never read (the key files named on the command line) */
  deny?: readonly string[];
  /** at most this many extra builds to confirm causes when the bytes differ (`--max-experiments`, default DEFAULT_MAX_EXPERIMENTS; 0: none) */
  maxExperiments?: number;
  /** false: rebuild without the sandbox (`--no-sandbox`), recorded as kind "none"; otherwise no sandbox here is SANDBOX_UNAVAILABLE before anything is cloned or installed */
  sandbox?: false;
  /** accept an original recorded as built without its sandbox (`--allow-unsandboxed`) */
  allowUnsandboxed?: boolean;
}

export interface RebuildReport {
  reproducible: boolean;
  /** `rebuilt` is null when nothing was built: the checkout lacked an input the original read (an `inputs.extra` file made outside bunseal) */
  artifact: { name: string; recorded: string; rebuilt: string | null; original: string | null };
  source: { uri: string; commit: string; clonedFrom: string; checkout: string | null };
  /** `revisionMatches` is false when the same version number names another build of Bun */
  bun: { recorded: string; used: string; path: string; revisionMatches: boolean };
  install: InstallResult;
  differences: FileDifference[];
  causes: Cause[];
  /** the experiments run to confirm the causes, in order */
  experiments: Experiment[];
  attestation: { path: string } | null;
  diffoscope: { path: string } | null;
  /** things a reader should know even when the bytes reproduced (a lockfile that differs from the recorded one) */
  notes: string[];
  /** the rebuild's own build failed with this error (then `rebuilt` is null and the causes say which change makes it build again) */
  buildError?: string;
  /** a member built with `build --workspace`: each member whose outputs it was shown, as recorded and as rebuilt from the checkout (absent when it was shown none) */
  siblings?: RebuiltSibling[];
  /** wall time of each stage in ms */
  timings: Record<RebuildStage | "total", number>;
  /** how each build's boundary was enforced: as the original's statement records it, and as the rebuild's says */
  sandbox: { recorded: RecordedSandbox; rebuilt: RecordedSandbox };
}

/**
 * A value that changes run to run takes five builds to name (the repeat and two
 * pairs with the clocks stopped); one build of every factor and a bisection of
 * some ten factors (four, and one to clear the rest) must still fit after them.
 */
export const DEFAULT_MAX_EXPERIMENTS = 12;

/**
 * The error of a build that ran and failed. A prebuild command that fails stays
 * the error it was (PREBUILD_FAILED): its own status and output say why.
 */
const FAILED_BUILD: readonly ErrorCode[] = ["BUILD_FAILED"];

type RecordedSandbox = { kind: string; network: boolean | null; reads: string | null; reason?: string };

type RebuildStage = "verify" | "checkout" | "install" | "siblings" | "build" | "compare" | "explain" | "attest";

export async function rebuildArtifact(request: RebuildRequest, ctx: Context): Promise<RebuildReport> {
  const startedOn = ctx.now();
  const timer = new StageTimer<RebuildStage>();
  // a rebuild attestation says nothing of a sandbox: one signed over a rebuild that ran beside the
  // machine (and beside the key that signs it) would vouch for what nothing enclosed
  if (request.sandbox === false && request.signer) {
    throw new BunsealError("USAGE", "--no-sandbox rebuilds without the sandbox, and a private --key would sign a rebuild attestation over it; expected only public keys with --no-sandbox (nothing is signed then)", { field: "--no-sandbox", expected: "no private key", found: "a private key among --key" });
  }
  // the install runs the project's scripts: where no sandbox can run, nothing of the project may start
  await requireSandbox(request.sandbox === false);

  // verify: a rebuild of an unverified claim proves nothing
  const verified = await verifyTrusted(request.trust, { artifact: undefined, bundlePath: request.bundlePath, expectations: { allowDirty: request.allowDirty, allowUnsandboxed: request.allowUnsandboxed } });
  if (!verified.verified || !verified.verifiedStatement) {
    const reasons = verified.failures.map((f) => `${f.code}: ${f.message}`).join("\n  ");
    throw new BunsealError("VERIFY_FAILED", `the bundle does not verify, so there is nothing trustworthy to rebuild:\n  ${reasons}`, { file: request.bundlePath, expected: "a verified attestation", found: `${verified.failures.length} failure(s)` });
  }
  const recorded = readRecordedBuild(verified.verifiedStatement);
  const { source } = recorded.external;
  timer.mark("verify");

  // checkout
  ctx.log(`cloning ${request.source ?? cloneUrl(source.uri)} at ${source.commit.slice(0, 12)}`);
  ctx.progress?.(`cloning ${source.commit.slice(0, 12)}`);
  // a local --source may be any folder of the repository; what was cloned is its top level
  const checkout = await checkoutCommit(request.source ?? cloneUrl(source.uri), source.commit, source.subdir);
  const clonedFrom = checkout.source;
  timer.mark("checkout");
  try {
    // install, with the recorded Bun (fetched from the npm registry when it is not the one running);
    // --bun is the user's explicit choice, of any version: the report then compares two Buns
    const bun = request.bunPath ? await probeBun(request.bunPath) : await resolveBun(recorded.internal.bun.version, { onProgress: ctx.log });
    ctx.progress?.("installing dependencies (bun install --frozen-lockfile)");
    // in the sandbox, beside nothing of the rebuilder's: its key is masked there, and its process out of sight
    const install = await installDependencies(checkout.projectDir, recorded, bun.path, { ...ctx.env }, { repoRoot: checkout.repo, scratch: join(checkout.root, "install"), deny: request.deny ?? [] });
    timer.mark("install");

    // an input made outside bunseal (inputs.extra) is in no commit: without it there is nothing to rebuild, and that is the finding
    const lacking = await missingExtraCauses(checkout.projectDir, recorded);
    const env = { ...ctx.env, SOURCE_DATE_EPOCH: String(recorded.internal.sourceDateEpoch) };
    // the checkout is the recorded commit by construction; its source is what the statement says
    const checkoutSource = { repoRoot: checkout.repo, subdir: source.subdir, commit: source.commit, commitTime: recorded.internal.sourceDateEpoch, remoteUrl: undefined, ref: source.ref ?? undefined, dirty: false, changedPaths: [] };
    // siblings: the outputs of the workspace members it was shown (build --workspace), made again from this checkout
    const siblings = lacking.length > 0 ? undefined : await rebuildSiblings(recorded, { checkout, bun, source: checkoutSource, timeoutMs: request.timeoutMs, deny: request.deny, sandbox: request.sandbox, ctx: { ...ctx, env } });
    timer.mark("siblings");
    try {
      const missing = [...lacking, ...(siblings?.causes ?? [])];
      if (missing.length > 0) {
        const originalPath = request.artifactPath ?? defaultArtifactPath(request.bundlePath);
        return {
          reproducible: false,
          artifact: { name: recorded.artifact.name, recorded: `sha256:${recorded.artifact.sha256}`, rebuilt: null, original: originalPath ?? null },
          source: { uri: source.uri, commit: source.commit, clonedFrom, checkout: request.keep ? checkout.root : null },
          bun: { recorded: recorded.internal.bun.version, used: bun.version, path: bun.path, revisionMatches: bun.revision === recorded.internal.bun.revision },
          install,
          differences: [],
          causes: missing,
          experiments: [],
          attestation: null,
          diffoscope: null,
          notes: [...(install.lockfileMatches ? [] : [`the checkout's bun.lock is ${install.lockfileDigest ?? "absent"}, the attestation records ${recorded.internal.lockfileDigest ?? "none"}`]), ...(install.note ? [install.note] : [])],
          ...(siblings && siblings.siblings.length > 0 ? { siblings: siblings.siblings } : {}),
          timings: { ...timer.laps, total: timer.total() },
          sandbox: { recorded: sandboxView(sandboxOf(verified.verifiedStatement)), rebuilt: { kind: "none", network: null, reads: null, reason: "nothing was built" } },
        };
      }

      // build: the same pipeline as the original, at the recorded source date
      ctx.log(`rebuilding ${recorded.external.service} with Bun ${bun.version}`);
      const built = await buildArtifact(
        {
          projectDir: checkout.projectDir,
          outDir: join(checkout.root, "out"),
          bun,
          source: checkoutSource,
          timeoutMs: request.timeoutMs,
          deny: request.deny,
          sandbox: request.sandbox,
          // what was built, not what the checkout's config means to this bunseal's defaults
          recorded: recorded.options,
          // shown exactly as build --workspace showed the original the record's siblings
          siblings: siblings?.outputs,
          // the recorded tar, measured, settles it: its inputs are then neither read nor recorded again
          settleOn: recorded.artifact.sha256,
        },
        { ...ctx, env },
      ).catch((error: unknown) => {
        // the original built: a rebuild that does not is a finding to explain, not the end of the report
        if (isBunsealError(error) && FAILED_BUILD.includes(error.code)) return { failed: `${error.code}: ${error.message}` };
        throw error;
      });
      if ("failed" in built) {
        const setup = { checkout, bun, source: checkoutSource, recorded: recorded.options, siblings: siblings?.outputs, timeoutMs: request.timeoutMs, deny: request.deny, sandbox: request.sandbox, ctx: { ...ctx, env } };
        const { causes, experiments } = await (await import("./run-experiments.ts")).explainFailure({ error: built.failed, recorded, setup, maxExperiments: request.maxExperiments ?? DEFAULT_MAX_EXPERIMENTS });
        timer.mark("build");
        return {
          reproducible: false,
          artifact: { name: recorded.artifact.name, recorded: `sha256:${recorded.artifact.sha256}`, rebuilt: null, original: (request.artifactPath ?? defaultArtifactPath(request.bundlePath)) ?? null },
          source: { uri: source.uri, commit: source.commit, clonedFrom, checkout: request.keep ? checkout.root : null },
          bun: { recorded: recorded.internal.bun.version, used: bun.version, path: bun.path, revisionMatches: bun.revision === recorded.internal.bun.revision },
          install,
          differences: [],
          causes,
          experiments,
          attestation: null,
          diffoscope: null,
          notes: [...(install.lockfileMatches ? [] : [`the checkout's bun.lock is ${install.lockfileDigest ?? "absent"}, the attestation records ${recorded.internal.lockfileDigest ?? "none"}`]), ...(install.note ? [install.note] : [])],
          buildError: built.failed,
          ...(siblings && siblings.siblings.length > 0 ? { siblings: siblings.siblings } : {}),
          timings: { ...timer.laps, total: timer.total() },
          sandbox: { recorded: sandboxView(sandboxOf(verified.verifiedStatement)), rebuilt: { kind: "none", network: null, reads: null, reason: "the build failed: no statement records its sandbox" } },
        };
      }
      const rebuilt = built;
      timer.mark("build");

      // compare
      // the same tar digest settles it (the build stopped there, unattested); only a difference needs the bytes compared
      const originalPath = request.artifactPath ?? defaultArtifactPath(request.bundlePath);
      const reproducible = "settled" in rebuilt;
      const attested = "settled" in rebuilt ? undefined : rebuilt;
      const comparison: Comparison = !attested ? { identical: true, files: [] } : originalPath ? await compareTars(originalPath, attested.artifact.path) : compareDigestsOnly(recorded, attested.statementValue.subject);
      if (comparison.tar && comparison.tar.original !== recorded.artifact.sha256) {
        // explaining a difference from some other tar would explain nothing
        throw new BunsealError("SUBJECT_MISMATCH", `${originalPath} is not the artifact the attestation names; expected sha256:${recorded.artifact.sha256}, got sha256:${comparison.tar.original}`, { file: originalPath, expected: `sha256:${recorded.artifact.sha256}`, found: `sha256:${comparison.tar.original}` });
      }
      timer.mark("compare");

      // explain
      // the explanation is loaded only when there is something to explain
      const found = !attested ? [] : (await import("./explain.ts")).explainDifferences(comparison, recordedFacts(recorded), { ...rebuildFacts(readRecordedBuild(attested.statementValue), checkout.projectDir, env), startedAt: startedOn });
      // a cause is confirmed only by an experiment: builds of the same checkout that change one thing
      const { causes, experiments, failures } = !attested
        ? { causes: [], experiments: [], failures: [] }
        : await (await import("./run-experiments.ts")).runExperiments({ comparison, found, rebuilt: attested, recorded, setup: { checkout, bun, source: checkoutSource, recorded: recorded.options, siblings: siblings?.outputs, timeoutMs: request.timeoutMs, deny: request.deny, sandbox: request.sandbox, ctx: { ...ctx, env, progress: ctx.progress && ((stage: string) => ctx.progress!(`experiment: ${stage}`)) } }, maxExperiments: request.maxExperiments ?? DEFAULT_MAX_EXPERIMENTS });
      // identical artifacts: no report, as diffoscope writes none when its inputs are the same
      const diffoscope = request.diffoscopePath && attested ? await writeDiffoscope(request.diffoscopePath, comparison, originalPath ?? recorded.artifact.name, attested.artifact.path, originalPath !== undefined) : null;
      timer.mark("explain");

      // attest the reproduction
      let attestation: RebuildReport["attestation"] = null;
      if (reproducible && request.signer) {
        const statement = rebuildStatement({
          artifact: recorded.artifact,
          bundleSha256: (await sha256File(request.bundlePath)).hex,
          builderId: recorded.builderId,
          invocationId: recorded.invocationId,
          source: { uri: source.uri, commit: source.commit, clonedFrom },
          bun,
          lockfileDigest: install.lockfileDigest,
          files: recorded.files.size,
          startedOn,
          finishedOn: ctx.now(),
        });
        const bundle = await signStatement(new TextEncoder().encode(canonicalJson(statement)), request.signer);
        const path = request.bundlePath.replace(/\.sigstore\.json$/, "").concat(".rebuild.sigstore.json");
        await writeFileAtomic(path, `${JSON.stringify(bundle, null, 2)}\n`);
        attestation = { path };
      }
      timer.mark("attest");

      return {
        reproducible,
        artifact: { name: recorded.artifact.name, recorded: `sha256:${recorded.artifact.sha256}`, rebuilt: rebuilt.artifact.digest, original: originalPath ?? null },
        source: { uri: source.uri, commit: source.commit, clonedFrom, checkout: request.keep ? checkout.root : null },
        bun: { recorded: recorded.internal.bun.version, used: bun.version, path: bun.path, revisionMatches: bun.revision === recorded.internal.bun.revision },
        install,
        differences: comparison.files,
        causes,
        experiments,
        attestation,
        diffoscope,
        notes: [...(install.lockfileMatches ? [] : [`the checkout's bun.lock is ${install.lockfileDigest ?? "absent"}, the attestation records ${recorded.internal.lockfileDigest ?? "none"}`]), ...(install.note ? [install.note] : []), ...failures.map((f) => `an experiment found the build breaking: ${f.experiment}`)],
        ...(siblings && siblings.siblings.length > 0 ? { siblings: siblings.siblings } : {}),
        timings: { ...timer.laps, total: timer.total() },
        sandbox: { recorded: sandboxView(sandboxOf(verified.verifiedStatement)), rebuilt: "settled" in rebuilt ? sandboxView(rebuilt.sandbox) : sandboxView(sandboxOf(rebuilt.statementValue)) },
      };
    } finally {
      await siblings?.dispose();
    }
  } finally {
    if (!request.keep) removeInBackground(checkout.root);
  }
}

/** A bunseal statement always has a sandbox view (a missing record reads as kind none); the fallback is for the types. */
function sandboxView(facts: { kind: string; network: boolean | null; reads: string | null; reason?: string } | undefined): RecordedSandbox {
  if (!facts) return { kind: "none", network: null, reads: null, reason: "no sandbox recorded" };
  return { kind: facts.kind, network: facts.network, reads: facts.reads, ...(facts.reason ? { reason: facts.reason } : {}) };
}

function defaultArtifactPath(bundlePath: string): string | undefined {
  const candidate = bundlePath.replace(/\.sigstore\.json$/, "");
  return candidate !== bundlePath && existsSync(candidate) ? candidate : undefined;
}

/** Without the original tar only digests can be compared: which files differ, not how. */
function compareDigestsOnly(recorded: RecordedBuild, rebuiltSubjects: { name?: string; digest: Record<string, string> }[]): Comparison {
  const rebuilt = new Map(rebuiltSubjects.slice(1).map((s) => [s.name ?? "", s.digest.sha256 ?? ""]));
  const paths = [...new Set([...recorded.files.keys(), ...rebuilt.keys()])].sort();
  const files: FileDifference[] = [];
  for (const path of paths) {
    const a = recorded.files.get(path);
    const b = rebuilt.get(path);
    if (a === b) continue;
    files.push({ path, kind: a === undefined ? "added" : b === undefined ? "removed" : "changed", size: {}, sha256: { original: a, rebuilt: b } });
  }
  return { identical: files.length === 0, files };
}

function rebuildFacts(rebuilt: RecordedBuild, projectDir: string, env: Record<string, string | undefined>): BuildFacts {
  // only the variables that were set: an unset one is told apart from an empty one
  const visible = new Map(rebuilt.internal.env.flatMap((name) => (env[name] === undefined ? [] : [[name, env[name]!] as const])));
  return {
    ...recordedFacts(rebuilt),
    buildPath: projectDir,
    hostname: hostname(),
    user: currentUser(),
    home: process.env.HOME,
    timezone: "UTC",
    locale: "C",
    env: visible,
    installScripts: installScripts(projectDir, rebuilt.trustedScripts),
  };
}

async function writeDiffoscope(path: string, comparison: Comparison, original: string, rebuilt: string, tars: boolean): Promise<{ path: string }> {
  const { toDiffoscope } = await import("./diffoscope.ts");
  // both tars' members, for the JSON members' pretty-printed layer: only when both tars are here
  const contents = tars ? { original: await readTarFiles(original), rebuilt: await readTarFiles(rebuilt) } : undefined;
  await writeFileAtomic(path, `${JSON.stringify(toDiffoscope(comparison, { original, rebuilt }, contents), null, 2)}\n`);
  return { path };
}
