/**
 * `bunseal build`, as a checklist:
 *   config → source → inputs → build → package → attest → sign → write
 * Each stage is a function in its own module; this file only says the order
 * and passes values along.
 */
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { BUILD_TYPE, DEFAULT_BUILDER_ID, type ExternalParameters, type InternalParameters } from "../attest/build-type.ts";
import { makeStatement, type ProvenanceStatement } from "../attest/provenance.ts";
import { packTar } from "../artifact/tar-pack.ts";
import { checkBudgets } from "../build/budgets.ts";
import { planBuild } from "../build/plan.ts";
import { readOutputs, type OutputFile } from "../build/read-outputs.ts";
import { runBuild } from "../build/run-build.ts";
import { findSecrets } from "../build/secrets.ts";
import { loadConfig } from "../config/load.ts";
import type { Context } from "../context.ts";
import { collectInputs } from "../inputs/collect.ts";
import { readLockfile } from "../inputs/lockfile.ts";
import { sortedMetafileDigest } from "../inputs/metafile.ts";
import { preloadSigning, signStatement } from "../sign/sign-statement.ts";
import type { Signer } from "../sign/signer.ts";
import { readSource, sourceUri } from "../source/git.ts";
import { writeFileAtomic } from "../util/atomic-write.ts";
import { canonicalJson } from "../util/canonical-json.ts";
import { sha256Hex } from "../util/digest.ts";
import { VERSION } from "../version.ts";

export interface BuildRequest {
  projectDir: string;
  /** where the artifact goes; default: the config's outDir, relative to the project */
  outDir?: string;
  allowDirty?: boolean;
  /** undefined means `--no-sign`: write the bare statement */
  signer?: Signer;
  builderId?: string;
}

export interface BuildOutcome {
  service: string;
  commit: string;
  dirty: boolean;
  artifact: { path: string; digest: string; size: number };
  bundle: { path: string } | null;
  statement: { path: string } | null;
  files: { path: string; digest: string; size: number }[];
  inputs: number;
  dependencies: number;
  bun: string;
  timings: { buildMs: number; totalMs: number };
  statementValue: ProvenanceStatement;
}

export async function buildArtifact(request: BuildRequest, ctx: Context): Promise<BuildOutcome> {
  const startedOn = ctx.now();
  const t0 = performance.now();
  const projectDir = resolve(request.projectDir);

  // config
  const { config, source: configSource, digest: configDigest } = await loadConfig(projectDir);
  const outDir = resolve(projectDir, request.outDir ?? config.outDir);
  if (request.signer) preloadSigning();

  // source
  const source = await readSource(projectDir, { allowDirty: request.allowDirty, ignore: [join(projectDir, ".bunseal"), outDir] });

  // inputs that are known before the build
  const lock = await readLockfile(projectDir);
  const lockfileDigest = lock ? `sha256:${lock.sha256}` : null;

  // build
  const stagingName = `stage-${process.pid}-${crypto.randomUUID().slice(0, 8)}`;
  const plan = planBuild({
    projectDir,
    stagingName,
    config,
    commit: source.commit,
    commitTime: source.commitTime,
    lockfileDigest,
    bunVersion: Bun.version,
    hostEnv: ctx.env,
  });
  const stagingDir = join(projectDir, plan.outdir);
  let outputs: OutputFile[];
  let buildMs: number;
  let metafileSha256: string;
  let inputs;
  try {
    ctx.log(`building ${config.service} at ${source.commit.slice(0, 12)} with Bun ${Bun.version}`);
    const built = await runBuild(plan);
    buildMs = built.durationMs;
    metafileSha256 = sortedMetafileDigest(built.metafile);
    inputs = collectInputs(projectDir, built.metafile, {
      known: lock ? new Map([["bun.lock", { sha256: lock.sha256, size: lock.bytes.byteLength }]]) : undefined,
      virtual: new Map([["bunseal:bunseal:build-info", canonicalJson(plan.buildInfo)]]),
    });
    outputs = readOutputs(stagingDir);
  } finally {
    rmSync(stagingDir, { recursive: true, force: true });
  }

  // package: nothing is signed until the outputs pass the secret scan and the budgets
  findSecrets(outputs, config.secrets, ctx.env);
  const tar = await packTar(outputs, { mtime: plan.sourceDateEpoch });
  const artifactName = `${config.service}-${source.commit.slice(0, 12)}${source.dirty ? "-dirty" : ""}.tar`;
  const artifact = { name: artifactName, sha256: sha256Hex(tar), size: tar.byteLength };
  checkBudgets(config.budgets, { artifactBytes: artifact.size, buildMs });

  // attest
  const externalParameters: ExternalParameters = {
    service: config.service,
    entrypoints: config.entrypoints,
    build: config.build,
    config: { source: configSource, digest: `sha256:${configDigest}` },
    featureFlags: config.featureFlags,
    contracts: config.contracts ?? null,
    template: config.template ?? null,
    source: {
      uri: sourceUri(source),
      commit: source.commit,
      ref: source.ref ?? null,
      subdir: source.subdir,
      dirty: source.dirty,
      changedPaths: source.changedPaths,
    },
  };
  const internalParameters: InternalParameters = {
    bun: { version: Bun.version, revision: Bun.revision },
    platform: process.platform,
    arch: process.arch,
    env: plan.visibleEnv,
    secrets: [...config.secrets].sort(),
    sourceDateEpoch: plan.sourceDateEpoch,
    lockfileDigest,
  };
  const files = outputs.map((o) => ({ path: o.path, sha256: o.sha256, size: o.data.byteLength }));
  const statement = makeStatement({
    artifact,
    files,
    externalParameters,
    internalParameters,
    inputs,
    packages: lock?.lockfile.packages ?? [],
    builder: { id: request.builderId ?? DEFAULT_BUILDER_ID, version: { bunseal: VERSION, bun: Bun.version } },
    invocationId: invocationId(ctx.env),
    startedOn,
    finishedOn: ctx.now(),
    metafileSha256,
    buildDurationMs: buildMs,
  });
  const statementBytes = new TextEncoder().encode(canonicalJson(statement));

  // sign, then write: the artifact first, its attestation last, so a reader
  // never finds an attestation whose artifact is missing.
  const artifactPath = join(outDir, artifactName);
  await writeFileAtomic(artifactPath, tar);
  let bundlePath: string | null = null;
  let statementPath: string | null = null;
  if (request.signer) {
    const bundle = await signStatement(statementBytes, request.signer);
    bundlePath = `${artifactPath}.sigstore.json`;
    await writeFileAtomic(bundlePath, `${JSON.stringify(bundle, null, 2)}\n`);
  } else {
    statementPath = `${artifactPath}.intoto.json`;
    await writeFileAtomic(statementPath, statementBytes);
  }

  return {
    service: config.service,
    commit: source.commit,
    dirty: source.dirty,
    artifact: { path: artifactPath, digest: `sha256:${artifact.sha256}`, size: artifact.size },
    bundle: bundlePath ? { path: bundlePath } : null,
    statement: statementPath ? { path: statementPath } : null,
    files: files.map((f) => ({ path: f.path, digest: `sha256:${f.sha256}`, size: f.size })),
    inputs: inputs.length,
    dependencies: lock?.lockfile.packages.length ?? 0,
    bun: Bun.version,
    timings: { buildMs: Math.round(buildMs), totalMs: Math.round(performance.now() - t0) },
    statementValue: statement,
  };
}

/** A CI run's own URL when there is one, so the statement points back at the job that made it. */
function invocationId(env: Context["env"]): string {
  if (env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID) {
    return `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}/attempts/${env.GITHUB_RUN_ATTEMPT ?? "1"}`;
  }
  if (env.CI_JOB_URL) return env.CI_JOB_URL;
  return `urn:uuid:${crypto.randomUUID()}`;
}

export { BUILD_TYPE };
