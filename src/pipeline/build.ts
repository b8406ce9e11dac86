/**
 * `bunseal build`, as a checklist:
 *   config → source → inputs → build (+ package, in the build worker) → checks → attest → sign → write
 * Each stage is a function in its own module; this file only says the order
 * and passes values along.
 */
import { existsSync, lstatSync, mkdirSync, rmdirSync, statSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import { DEFAULT_BUILDER_ID } from "../attest/build-type.ts";
import { externalParameters, internalParameters, invocationId } from "../attest/parameters.ts";
import { makeStatement, type ProvenanceStatement } from "../attest/provenance.ts";
import { checkBudgets } from "../build/budgets.ts";
import { preflightOutDir } from "../build/preflight.ts";
import { compileTarget, hostCompileTarget } from "../build/bun-options.ts";
import { fetchBaseExecutable, type BaseExecutable } from "../runtime/fetch-base-executable.ts";
import { scriptDrift } from "../init/script-drift.ts";
import { planBuild, type BuildVariation } from "../build/plan.ts";
import { runBuild, type BuildResult } from "../build/run-build.ts";
import { findSecrets } from "../build/secrets.ts";
import { measureTar, preloadTarCheck } from "../build/measure-tar.ts";
import { checkMetafileClaim } from "../build/metafile-claim.ts";
import { loadConfig, withRecordedOptions, type RecordedOptions } from "../config/load.ts";
import { configBuilds } from "../config/schema.ts";
import type { Context } from "../context.ts";
import { nameHiddenMacros } from "../build/macro-error.ts";
import { addReads, collectInputs, type InputFile, type KnownDigests } from "../inputs/collect.ts";
import { readInputs, statInputs } from "../inputs/read-inputs.ts";
import type { ReadSession, TracerKind } from "../sandbox/read-tracer.ts";
import { readLockfile } from "../inputs/lockfile.ts";

import { planBoundary, type SandboxRecord } from "../sandbox/boundary.ts";
import { requireSandbox } from "../sandbox/unavailable.ts";
import { registerScratch, unregisterScratch } from "../util/scratch-registry.ts";
import { preloadSigning, signStatement, type SerializedBundle } from "../sign/sign-statement.ts";
import { STATEMENT_TYPE_V1 } from "../attest/statement.ts";
import type { Signer } from "../sign/signer.ts";
import { checkWorkTree, readHead, type SourceInfo } from "../source/git.ts";
import type { ContentDigests } from "../source/work-tree.ts";
import { ignoredEntries, isInside } from "../sandbox/hidden-paths.ts";
import type { SiblingOutputs } from "../workspace/sibling-outputs.ts";
import { currentBun, type BunRuntime } from "../runtime/bun-runtime.ts";
import { chooseBuildBun, projectBunPin } from "../runtime/project-bun.ts";
import { renameIntoPlace, stageFile, syncFile, writeFileAtomic } from "../util/atomic-write.ts";
import { canonicalJson } from "../util/canonical-json.ts";
import { VERSION } from "../version.ts";
import { BunsealError } from "../errors.ts";
import { StageTimer } from "./stage-timer.ts";

export interface BuildRequest {
  projectDir: string;
  /** where the artifact goes; default: the config's outDir, relative to the project */
  outDir?: string;
  allowDirty?: boolean;
  /** undefined means `--no-sign`: write the bare statement */
  signer?: Signer;
  builderId?: string;
  /** the Bun to build with; default: the one running bunseal (or, with followPin, the project's pin) */
  bun?: BunRuntime;
  /**
   * `build`'s rule: a project that pins Bun (src/runtime/project-bun.ts) is built with that Bun, and
   * `bun` above, when given, is the user's `--bun` (a pin it differs from is warned of). Rebuilds and
   * check's builds leave it off: they build with the Bun the record names.
   */
  followPin?: boolean;
  /** `build --workspace`: the outputs of this run's members this one depends on, shown where its imports find them (src/workspace/sibling-outputs.ts) */
  siblings?: readonly SiblingOutputs[];
  /**
   * The source, when the caller already knows it (a `bunseal check` build of a
   * copy of the project, which is no git work tree). Default: read from git.
   */
  source?: SourceInfo;
  /** for `bunseal check` only: a deliberate change to the build environment */
  variation?: BuildVariation;
  /** files the build must never read wherever they lie: the signing key */
  deny?: readonly string[];
  /** hard limit of the build worker in ms (`--timeout`); default DEFAULT_BUILD_TIMEOUT_MS */
  timeoutMs?: number;
  /** how to trace the build's reads; default: the best this machine offers (fanotify, then strace) */
  tracer?: TracerKind;
  /** for `bunseal check`'s filesystem variation only: the build root's files shown from a copy on another file system */
  rootFrom?: { path: string; packages: readonly string[] };
  /**
   * false: build without the sandbox (`--no-sandbox`; measurements of what the boundary costs);
   * the statement then says `sandbox.kind: "none"`, so a verifier can refuse the artifact.
   * Otherwise a machine where no sandbox runs is SANDBOX_UNAVAILABLE, before any project code runs.
   */
  sandbox?: false;
  /**
   * Also write a CycloneDX SBOM of the shipped packages beside the artifact
   * (ARTIFACT.cdx.json) and, when signing, its attestation (ARTIFACT.cdx.sigstore.json:
   * an in-toto Statement about the artifact, predicateType https://cyclonedx.org/bom)
   */
  sbom?: boolean;
  /** for `bunseal rebuild`: the build options the statement recorded, built in place of what the config means today */
  recorded?: RecordedOptions;
}

/**
 * `bunseal rebuild`'s build: `settleOn` is the sha256 of the tar the verified statement being rebuilt
 * names. A tar this build makes and bunseal measures to be exactly that settles the rebuild there: it
 * is checked as any other (the tar's form, the secret scan, the budgets), placed in the out folder and
 * not attested, since nothing would read its record: the verdict is the digest, and what went into
 * those bytes is what the verified statement says. Any other tar is attested as a build is.
 */
export type SettlingRequest = BuildRequest & { settleOn: string };

/** A build that made the very tar its `settleOn` named: measured and checked, in the out folder, with no statement. */
export interface SettledBuild {
  settled: true;
  service: string;
  commit: string;
  artifact: { path: string; digest: string; size: number };
  files: { path: string; digest: string; size: number }[];
  bun: string;
  /** how the boundary was enforced, as a statement would have recorded it */
  sandbox: SandboxRecord;
  timings: Record<Exclude<Stage, "attest" | "sign"> | "bun" | "total", number>;
  warnings: string[];
}

type Stage = "config" | "source" | "build" | "inputs" | "package" | "attest" | "sign" | "write";

export interface BuildOutcome {
  service: string;
  commit: string;
  dirty: boolean;
  artifact: { path: string; digest: string; size: number };
  bundle: { path: string } | null;
  statement: { path: string } | null;
  /** with `sbom`: the SBOM and, when signed, its attestation */
  sbom?: { path: string; bundle: { path: string } | null; packages: number };
  files: { path: string; digest: string; size: number }[];
  inputs: number;
  dependencies: number;
  bun: string;
  /** wall time of each stage in ms; `bun` is the sandboxed worker on bunseal's clock, from its start to the end of every process in it */
  timings: Record<Stage | "bun" | "total", number>;
  statementValue: ProvenanceStatement;
  /** what the user should know but that did not stop the build (the sandbox turned off) */
  warnings: string[];
}

export function buildArtifact(request: SettlingRequest, ctx: Context): Promise<BuildOutcome | SettledBuild>;
export function buildArtifact(request: BuildRequest, ctx: Context): Promise<BuildOutcome>;
export async function buildArtifact(request: BuildRequest & { settleOn?: string }, ctx: Context): Promise<BuildOutcome | SettledBuild> {
  const startedOn = ctx.now();
  const timer = new StageTimer<Stage>();
  const projectDir = resolve(request.projectDir);

  // config
  // whether this machine can sandbox is asked once, in the background, while the config is read; where
  // none can run, the build stops here, before anything is made or anything of the project runs
  const sandboxed = requireSandbox(request.sandbox === false);
  sandboxed.catch(() => undefined);
  const read = await loadConfig(projectDir);
  const loaded = request.recorded ? withRecordedOptions(read, request.recorded) : read;
  await sandboxed;
  const { config } = loaded;
  const outDir = resolve(projectDir, request.outDir ?? config.outDir);
  // where the results go is checked before anything is built: a file in the way is exit 2, a
  // read-only or full disk exit 3, each naming the path, and nothing is left half-made
  await preflightOutDir(outDir);
  // the project's own build script says what its authors meant: a flag the config lacks is worth a warning
  const scriptWarnings = scriptDrift(await readPackageJson(projectDir), config).map((w) => `package.json build script: ${w}`);
  for (const warning of scriptWarnings) ctx.log(`warning: ${warning}`);
  timer.mark("config");

  // source: the commit now; the work-tree check runs alongside the build
  const head = request.source ?? (await readHead(projectDir));
  // the files it shows to be the commit's are hashed in the same read, for the inputs stage
  const committed: ContentDigests = new Map();
  const workTree = request.source ? Promise.resolve(request.source) : checkWorkTree(head, { allowDirty: request.allowDirty, ignore: [join(projectDir, ".bunseal"), outDir], digests: committed });
  workTree.catch(() => undefined); // awaited after the build; an early rejection must not go unobserved
  // what the sandbox hides is listed from HEAD's tree now, while the lockfile is read, not after
  const ignored = request.source ? undefined : ignoredEntries(head.repoRoot, ctx.env, 0, head.commit);
  ignored?.catch(() => undefined);
  // a workspace member's lockfile is its workspace root's, searched no higher than the repository; a
  // bun.lockb is read through the Bun that builds
  const lock = await readLockfile(projectDir, { repoRoot: head.repoRoot, bunPath: (request.bun ?? currentBun()).path });
  const lockfileDigest = lock ? `sha256:${lock.sha256}` : null;
  // the Bun: the project's own when it pins one (build), else the caller's (rebuild's recorded one), else this one
  const pin = request.followPin ? projectBunPin(projectDir, head.repoRoot, lock?.lockfile.packages) : undefined;
  const chosen = request.followPin ? await chooseBuildBun(pin, request.bun, { onProgress: ctx.log }) : { bun: request.bun ?? currentBun(), pin: undefined, warning: undefined };
  const { bun } = chosen;
  if (chosen.warning) ctx.log(`warning: ${chosen.warning}`);
  // compile for another platform: that platform's Bun, from the npm registry, checked, before the sandbox closes the network
  const compileBases = await fetchCompileBases(configBuilds(config), bun.version, ctx);
  timer.mark("source");

  const plan = planBuild({
    projectDir,
    stagingName: `${process.pid}-${crypto.randomUUID().slice(0, 8)}`,
    mapSources: request.recorded?.mapSources,
    outDir,
    config,
    configSource: loaded.source,
    commit: head.commit,
    commitTime: head.commitTime,
    lockfileDigest,
    bunVersion: bun.version,
    hostEnv: ctx.env,
    variation: request.variation,
    compileBases: Object.fromEntries(compileBases.map((b) => [b.target, b.path])),
  });
  let built: BuildResult | undefined;
  let session: ReadSession | undefined;
  let staged: Promise<string> | undefined;
  let made: string[] | undefined;
  let boundaryMade: { release(): void } | undefined;
  try {
    // boundary: what the build may see and write, decided in one place (src/sandbox); the
    // tar exists before the sandbox starts, since it is the one file shown writable there
    await writeFile(plan.tarPath, "");
    registerScratch(plan.tarPath);
    // a sibling's outputs are shown over its build folder: the folder must be there to be mounted on (an
    // empty one, which git does not see, made here and removed after when the disk had none)
    const siblings = request.siblings ?? [];
    for (const sibling of siblings) if (!existsSync(sibling.at)) (made ??= []).push(sibling.at), mkdirSync(sibling.at, { recursive: true });
    const boundary = await planBoundary({
      projectDir,
      repoRoot: head.repoRoot,
      bunsealDirs: [join(projectDir, ".bunseal"), outDir],
      tarPath: plan.tarPath,
      extra: config.inputs?.extra ?? [],
      // one sandbox for all the builds: the network is open if any build asks for it
      network: plan.builds.some((b) => b.options.network === true),
      deny: request.deny ?? [],
      bunPath: bun.path,
      host: ctx.env,
      tracer: request.tracer,
      off: request.sandbox === false,
      rootFrom: request.rootFrom,
      readable: compileBases.map((b) => b.path),
      ignored,
      shownFrom: siblings.map(({ from, at }) => ({ from, at })),
    });
    boundaryMade = boundary;
    if (siblings.length > 0 && boundary.record.kind === "none") {
      throw new BunsealError("SANDBOX_UNAVAILABLE", `the outputs of ${siblings.map((s) => s.member).join(", ")} (built in this run) can be shown to this build only in the sandbox; without it the build would read whatever ${siblings.map((s) => relative(projectDir, s.at)).join(", ")} holds on the disk`, { expected: "a sandbox for a workspace member that imports a sibling's build output" });
    }
    for (const warning of boundary.warnings) ctx.log(`warning: ${warning}`);
    checkCopySources(config.copy ?? [], projectDir, boundary.scope.hidden);

    // build, then package in the worker; the signing libraries load meanwhile
    ctx.log(`building ${config.service} at ${head.commit.slice(0, 12)} with Bun ${bun.version}`);
    ctx.progress?.(`bun build: ${config.service}`);
    const tracing = boundary.reads.start();
    session = tracing;
    const building = runBuild(plan, bun.path, { sandbox: boundary.argv, budgetMs: config.budgets.maxBuildMs, timeoutMs: request.timeoutMs, onSpawn: (pid) => tracing.follow(pid), tracer: boundary.reads.argv[0], explainLogs: (logs) => nameHiddenMacros(logs, projectDir, boundary.scope.hidden) });
    if (request.signer) preloadSigning();
    preloadTarCheck();
    built = await building;
    timer.mark("build");

    // inputs: hashed here while the worker packs the outputs (hashing the
    // sources during the bundle instead was measured: on two cores it slows
    // the bundler by as much as it saves); the metafile is the worker's claim,
    // so its list is hashed here and the trace catches what it leaves out
    const source = await workTree;
    const known: KnownDigests = knownDigests(committed, head.repoRoot, projectDir);
    // a sibling's files are what its artifact holds, not what the disk has at that path
    const fromSiblings = new Set<string>();
    for (const sibling of siblings) {
      for (const file of sibling.files) {
        const path = relative(projectDir, join(sibling.at, file.path)).split(sep).join("/");
        known.set(path, { sha256: file.sha256, size: file.size });
        fromSiblings.add(path);
      }
    }
    if (lock?.path === "bun.lock") known.set("bun.lock", { sha256: lock.sha256, size: lock.bytes.byteLength });
    const virtual = new Map([["bunseal:bunseal:build-info", canonicalJson(plan.buildInfo)]]);
    ctx.progress?.("hashing inputs and attesting");
    // every path the claim names lies where the build could see, or it is not read at all
    const claimed = checkMetafileClaim(built.metafile, projectDir, boundary.record.kind === "none" ? unsandboxedRoot(head.repoRoot, projectDir) : boundary.scope.root);
    const collect = (written?: ReadonlyMap<string, string | null>) => collectInputs(projectDir, claimed, { known, virtual, extras: boundary.extras, copies: config.copy?.map((c) => c.from), written }).map((m) => (fromSiblings.has(m.path) ? { ...m, role: "sibling" as const } : m));
    // hashed while the worker packs, from the disk; a module the build wrote itself is only in its
    // layer, read once the sandbox is gone (below). A rebuild that may settle on its tar's digest
    // hashes none until the tar is measured: on the 10,000-module project reading them cost more
    // than the worker's packing they overlapped, and a settled rebuild needs none of them
    let modules: InputFile[] | undefined;
    const { settleOn } = request;
    if (settleOn === undefined) {
      try {
        modules = collect();
      } catch (error) {
        if (!(boundary.layer && error instanceof BunsealError && error.code === "INPUT_UNREADABLE")) throw error;
      }
    }
    timer.mark("inputs");

    // package: once the sandbox and every process in it are gone, the tar is read here, shown
    // to be the deterministic tar bunseal writes, and every digest taken from it: the worker's
    // word is not evidence, and nothing can write the tar any more
    const sealed = await built.sealed;
    // what the build wrote in its layer, now that nothing can write there: what it read of it is "generated"
    // the upper folder is walked once: by path at the repository (the trace's), and relative to the project (the inputs')
    const writtenAt = boundary.layer?.written() ?? new Map<string, string | null>();
    const written = writtenByBuild(writtenAt, projectDir);
    if (settleOn === undefined && (modules === undefined || written.size > 0)) modules = collect(written);
    const packaged = await measureTar(plan.tarPath, plan.sourceDateEpoch, { sealed: boundary.record.kind !== "none" });

    // checks: nothing is signed until the outputs pass the secret scan and the budgets (timed on this clock)
    findSecrets(packaged.files.map((f) => ({ path: f.path, data: packaged.bytes.subarray(f.offset, f.offset + f.size) })), config.secrets, ctx.env);
    checkBudgets(config.budgets, { artifactBytes: packaged.bytes.byteLength, buildMs: sealed.durationMs });
    const artifactName = `${config.service}-${source.commit.slice(0, 12)}${source.dirty ? "-dirty" : ""}.tar`;
    const artifactPath = join(outDir, artifactName);
    // to disk while the statement is made and signed: the worker's file itself, synced, when the
    // sandbox is gone; else the bytes that were hashed (a process the build left behind where there
    // was no sandbox could still write the worker's file)
    staged = packaged.inPlace ? syncFile(plan.tarPath).then(() => plan.tarPath) : stageFile(artifactPath, packaged.bytes).then((tmp) => (registerScratch(tmp), tmp));
    staged.catch(() => undefined);
    timer.mark("package");

    // settled: the tar bunseal measured, now that nothing can write it, is the recorded one (see SettlingRequest)
    if (settleOn !== undefined && packaged.sha256 === settleOn) {
      // no statement, so no record of the reads: the trace is dropped (and not ended twice should a later step fail)
      session = undefined;
      await tracing.abandon();
      const stagedPath = await staged;
      await renameIntoPlace(stagedPath, artifactPath);
      unregisterScratch(stagedPath);
      await rm(plan.tarPath, { force: true });
      unregisterScratch(plan.tarPath);
      timer.mark("write");
      return {
        settled: true,
        service: config.service,
        commit: source.commit,
        artifact: { path: artifactPath, digest: `sha256:${packaged.sha256}`, size: packaged.bytes.byteLength },
        files: packaged.files.map((f) => ({ path: f.path, digest: `sha256:${f.sha256}`, size: f.size })),
        bun: bun.version,
        sandbox: boundary.record,
        timings: { ...timer.laps, bun: Math.round(sealed.durationMs), total: timer.total() },
        warnings: [...scriptWarnings, ...(chosen.warning ? [chosen.warning] : []), ...boundary.warnings],
      };
    }
    // a rebuild that did not settle attests its tar as any build: its inputs are read now
    if (modules === undefined) modules = collect(written);

    // attest
    const { sha256: tarSha256 } = packaged;
    const { metafileSha256 } = sealed;
    // reads: what the build opened that is not an input already, from the kernel's trace of the worker
    const { opened, stated } = await tracing.finish(built.exited);
    const inputPaths = new Set(modules.map((m) => m.path));
    const traced = readInputs(opened, boundary.scope, inputPaths, writtenAt)
      // a file the build made in its layer and removed again (`--compile` writes its executable under a
      // temporary name in the project first) is in neither the layer nor the tree: none of the tree's files
      .filter((path) => !boundary.layer || written.has(path) || existsSync(join(projectDir, path)));
    // files whose metadata alone the build read (a macro embedding an mtime): inputs of role "stat"
    const statOnly = statInputs(stated, traced, boundary.scope, inputPaths, writtenAt);
    const inputs = [...addReads(projectDir, addReads(projectDir, modules, traced, written), statOnly, written, "stat"), ...compileBases.map(baseInput)];
    const statement = makeStatement({
      artifact: { name: artifactName, sha256: tarSha256, size: packaged.bytes.byteLength },
      files: packaged.files,
      externalParameters: externalParameters(loaded, source),
      internalParameters: {
        ...internalParameters(loaded, plan, lockfileDigest, bun, boundary.record, chosen.pin),
        ...(siblings.length > 0 ? { siblings: siblings.map((s) => ({ member: s.member, package: s.package, at: relative(head.repoRoot, s.at).split(sep).join("/"), artifact: s.artifact })) } : {}),
      },
      inputs,
      packages: lock?.lockfile.packages ?? [],
      builder: { id: request.builderId ?? DEFAULT_BUILDER_ID, version: { bunseal: VERSION, bun: bun.version } },
      invocationId: invocationId(ctx.env),
      startedOn,
      finishedOn: ctx.now(),
      metafileSha256,
      buildDurationMs: sealed.durationMs,
    });
    const statementBytes = new TextEncoder().encode(canonicalJson(statement));
    // the record itself is published too: a secret in a define value, a flag or the template must not be signed into it
    findSecrets([{ path: "the statement (provenance record)", data: statementBytes }], config.secrets, ctx.env);
    timer.mark("attest");

    // sign
    if (request.signer) ctx.progress?.("signing");
    const bundle = request.signer ? await signStatement(statementBytes, request.signer) : undefined;
    // the SBOM points at the provenance written beside it: the signed bundle, or the bare statement
    const sbom = request.sbom ? await sbomAttestation(statement, artifactName, tarSha256, request.signer, `${artifactName}${bundle ? ".sigstore.json" : ".intoto.json"}`) : undefined;
    timer.mark("sign");

    // write: the artifact first, its attestation last, so a reader never finds an attestation without its artifact
    const bundlePath = bundle ? `${artifactPath}.sigstore.json` : null;
    const statementPath = bundle ? null : `${artifactPath}.intoto.json`;
    const stagedPath = await staged;
    await renameIntoPlace(stagedPath, artifactPath);
    unregisterScratch(stagedPath);
    await rm(plan.tarPath, { force: true });
    unregisterScratch(plan.tarPath);
    const sbomPath = sbom ? `${artifactPath}.cdx.json` : null;
    const sbomBundlePath = sbom?.bundle ? `${artifactPath}.cdx.sigstore.json` : null;
    try {
      if (sbom) await writeFileAtomic(sbomPath!, `${JSON.stringify(sbom.document, null, 2)}\n`);
      if (sbom?.bundle) await writeFileAtomic(sbomBundlePath!, `${JSON.stringify(sbom.bundle, null, 2)}\n`);
      if (bundlePath) await writeFileAtomic(bundlePath, `${JSON.stringify(bundle, null, 2)}\n`);
      if (statementPath) await writeFileAtomic(statementPath, statementBytes);
    } catch (error) {
      // half a release is no release: an artifact whose attestation could not be written goes too
      await Promise.all([artifactPath, sbomPath, sbomBundlePath].map((p) => p && rm(p, { force: true })));
      throw error;
    }
    timer.mark("write");

    return {
      service: config.service,
      commit: source.commit,
      dirty: source.dirty,
      artifact: { path: artifactPath, digest: `sha256:${tarSha256}`, size: packaged.bytes.byteLength },
      bundle: bundlePath ? { path: bundlePath } : null,
      statement: statementPath ? { path: statementPath } : null,
      ...(sbom ? { sbom: { path: sbomPath!, bundle: sbomBundlePath ? { path: sbomBundlePath } : null, packages: (sbom.document.components as unknown[]).length } } : {}),
      files: packaged.files.map((f) => ({ path: f.path, digest: `sha256:${f.sha256}`, size: f.size })),
      inputs: inputs.length,
      dependencies: lock?.lockfile.packages.length ?? 0,
      bun: bun.version,
      timings: { ...timer.laps, bun: Math.round(sealed.durationMs), total: timer.total() },
      statementValue: statement,
      warnings: [...scriptWarnings, ...(chosen.warning ? [chosen.warning] : []), ...boundary.warnings],
    };
  } catch (error) {
    // the packed tar is only ever renamed into place once attested; on any failure it goes
    await built?.stop();
    const stagedPath = await staged?.catch(() => undefined);
    if (stagedPath) unregisterScratch(stagedPath);
    await Promise.all([rm(plan.tarPath, { force: true }), stagedPath && rm(stagedPath, { force: true }), session?.abandon()]);
    unregisterScratch(plan.tarPath);
    throw error;
  } finally {
    // the mount points made for siblings' outputs go, if still empty (the build could write none of them)
    for (const dir of made ?? []) rmdirQuietly(dir);
    boundaryMade?.release();
  }
}

/** The layer's written files by their path relative to the project (a file outside it keeps its `../`). */
function writtenByBuild(written: ReadonlyMap<string, string | null>, projectDir: string): Map<string, string | null> {
  const byPath = new Map<string, string | null>();
  for (const [at, file] of written) byPath.set(relative(projectDir, at).split(sep).join("/"), file);
  return byPath;
}

function rmdirQuietly(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // not empty, or gone: left as it is
  }
}

/**
 * What an unsandboxed build could be said to see: its repository, or the project
 * itself when it lies outside it (check's copy of the project, whose source is the original's).
 */
function unsandboxedRoot(repoRoot: string | undefined, projectDir: string): string {
  return repoRoot !== undefined && (projectDir === repoRoot || projectDir.startsWith(`${repoRoot}/`)) ? repoRoot : projectDir;
}

/** package.json as parsed JSON, or undefined (none, or not JSON: the config stage has said so already). */
async function readPackageJson(projectDir: string): Promise<unknown> {
  try {
    return await Bun.file(join(projectDir, "package.json")).json();
  } catch {
    return undefined;
  }
}

/** The base executables of the compile targets that are not this machine's, fetched once each. */
async function fetchCompileBases(builds: ReturnType<typeof configBuilds>, bunVersion: string, ctx: Context): Promise<BaseExecutable[]> {
  const host = hostCompileTarget();
  const targets = [...new Set(builds.map((b) => compileTarget(b.options.compile)).filter((t): t is string => t !== undefined && t !== host))].sort();
  return Promise.all(targets.map((target) => fetchBaseExecutable(bunVersion, target, { onProgress: ctx.log })));
}

/** A base executable as an input of the build: named by its package, with the digest of the binary that was wrapped. */
function baseInput(base: BaseExecutable): InputFile {
  return { path: `${base.package}@${base.version}`, role: "compile-base", sha256: base.sha256, size: statSync(base.path).size };
}

/**
 * The SBOM of what this build ships, from the statement just made, and its
 * attestation: the artifact as the one subject, the SBOM as the predicate,
 * signed by the same signer (none with --no-sign: the SBOM file alone).
 */
async function sbomAttestation(statement: ProvenanceStatement, artifactName: string, tarSha256: string, signer: Signer | undefined, provenance: string): Promise<{ document: Record<string, unknown>; bundle: SerializedBundle | undefined }> {
  const { cycloneDxSbom, CYCLONEDX_PREDICATE_TYPE } = await import("../sbom/cyclonedx.ts");
  const document = cycloneDxSbom(statement, { name: artifactName, sha256: tarSha256, provenance });
  if (!signer) return { document, bundle: undefined };
  const attestation = { _type: STATEMENT_TYPE_V1, subject: [{ name: artifactName, digest: { sha256: tarSha256 } }], predicateType: CYCLONEDX_PREDICATE_TYPE, predicate: document };
  return { document, bundle: await signStatement(new TextEncoder().encode(canonicalJson(attestation)), signer) };
}

/** The work-tree check's digests (by path in the repository) by path relative to the project, as the inputs stage names files. */
function knownDigests(committed: ContentDigests, repoRoot: string, projectDir: string): KnownDigests {
  const known: KnownDigests = new Map();
  const subdir = relative(repoRoot, projectDir).split(sep).join("/");
  if (subdir === "") return new Map(committed);
  if (subdir.startsWith("..")) return known;
  const prefix = `${subdir}/`;
  for (const [path, digest] of committed) {
    // a file above the project (a workspace root's) is named by a `../` path: those are hashed as before
    if (path.startsWith(prefix)) known.set(path.slice(prefix.length), digest);
  }
  return known;
}

/**
 * A `copy` source is read by the worker inside the sandbox and hashed for the record here: both must
 * see the same bytes. A file the sandbox hides (git-ignored, a .env) is another file in there (masked),
 * and a link may lead elsewhere in each: only a plain file the build can see is copied.
 */
function checkCopySources(copies: readonly { from: string }[], projectDir: string, hidden: readonly string[]): void {
  copies.forEach(({ from }, i) => {
    const path = join(projectDir, from);
    const problem = hidden.some((h) => isInside(h, path)) ? "a file the build cannot see (git ignores it, or it is a .env or bunseal's own)" : !lstatSync(path, { throwIfNoEntry: false })?.isFile() ? "no plain file (missing, a folder or a link)" : undefined;
    if (problem) throw new BunsealError("CONFIG_INVALID", `bunseal.json: copy[${i}].from: ${from} is ${problem}; expected a committed file of the project`, { file: "bunseal.json", field: `copy[${i}].from`, expected: "a committed plain file", found: problem });
  });
}
