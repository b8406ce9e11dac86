/**
 * The values of bunseal's build type, assembled from what the earlier stages
 * found. Kept apart from the orchestrator so the mapping from config and
 * source to recorded parameters is read (and tested) in one place.
 */
import type { LoadedConfig } from "../config/load.ts";
import type { BuildPlan } from "../build/plan.ts";
import type { SourceInfo } from "../source/git.ts";
import { sourceUri } from "../source/git.ts";
import type { SandboxRecord } from "../sandbox/boundary.ts";
import type { ExternalParameters, InternalParameters } from "./build-type.ts";

export function externalParameters(loaded: LoadedConfig, source: SourceInfo): ExternalParameters {
  const { config } = loaded;
  return {
    service: config.service,
    // the single form is recorded as it always was, so its statements keep their shape
    ...(config.builds === undefined ? { entrypoints: config.entrypoints, build: config.build } : { builds: config.builds }),
    config: { source: loaded.source, digest: `sha256:${loaded.digest}` },
    featureFlags: config.featureFlags,
    contracts: config.contracts ?? null,
    template: config.template ?? null,
    // they change the output as the build options do; only when there are any, so other statements keep their shape
    ...(config.prebuild !== undefined ? { prebuild: config.prebuild } : {}),
    // what `bunseal measure` runs and judges the artifact by (src/measure): recorded so it comes from the signed build
    ...(config.run !== undefined ? { run: config.run } : {}),
    ...(config.load !== undefined ? { load: config.load } : {}),
    ...(Object.keys(config.budgets).length > 0 ? { budgets: config.budgets } : {}),
    source: {
      uri: sourceUri(source),
      commit: source.commit,
      ref: source.ref ?? null,
      subdir: source.subdir,
      dirty: source.dirty,
      changedPaths: source.changedPaths,
    },
  };
}

export function internalParameters(loaded: LoadedConfig, plan: BuildPlan, lockfileDigest: string | null, bun: { version: string; revision: string }, sandbox: SandboxRecord, pin?: { version: string; from: string }): InternalParameters {
  return {
    bun: { version: bun.version, revision: bun.revision, ...(pin ? { pin: { version: pin.version, from: pin.from } } : {}) },
    platform: process.platform,
    arch: process.arch,
    env: plan.visibleEnv,
    secrets: [...loaded.config.secrets].sort(),
    sourceDateEpoch: plan.sourceDateEpoch,
    lockfileDigest,
    mapSources: plan.mapSources,
    sandbox,
  };
}

/** A CI run's own URL when there is one, so the statement points back at the job that made it. */
export function invocationId(env: Readonly<Record<string, string | undefined>>): string {
  if (env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID) {
    return `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}/attempts/${env.GITHUB_RUN_ATTEMPT ?? "1"}`;
  }
  if (env.CI_JOB_URL) return env.CI_JOB_URL;
  return `urn:uuid:${crypto.randomUUID()}`;
}
