/**
 * Plan before apply: everything the build will do, worked out as a plain value
 * from the config and the source. Pure, so it is tested without a disk, and
 * recorded whole in the statement so a rebuild can run exactly the same plan.
 */
import { configBuilds, type BuildOptions, type Config } from "../config/schema.ts";
import { BunsealError } from "../errors.ts";
import { checkCompileTarget, compileTarget, hostCompileTarget } from "./bun-options.ts";

/** What a running service can import as `bunseal:build-info`. No timestamp: the artifact must stay reproducible. */
export interface BuildInfo {
  service: string;
  bunVersion: string;
  commit: string;
  lockfileDigest: string | null;
  schemaVersion: string | null;
  telemetryContract: string | null;
  /**
   * The config's budgets, so the service can report at boot what it is held to (issue 22). Only for a
   * config with `run`, `load` or a runtime budget (runtimeConfigured): no bunseal before issue 22 took
   * one (the schema is strict), so every artifact it made keeps its bytes when rebuilt by this one.
   */
  budgets?: Config["budgets"];
}

export interface BuildPlan {
  /** absolute path the build runs in (the project folder) */
  projectDir: string;
  /** absolute temporary path the packed tar is written to, renamed into place once attested */
  tarPath: string;
  /**
   * One Bun.build each, in this order (sorted by name). The single form is one
   * build named "", whose outputs sit at the artifact's root; a named build's
   * go under `<name>/`.
   */
  builds: PlannedBuild[];
  /** the whole environment the build process sees, names and values */
  env: Record<string, string>;
  /** names from `env` in the config that were set and so passed through; recorded, values never */
  visibleEnv: string[];
  /** prefix of the worker's command line (empty but for `bunseal check`) */
  wrapper: string[];
  sourceDateEpoch: number;
  buildInfo: BuildInfo;
  /** the config's `copy`: files of the commit packed as they are, beside the bundles */
  copy?: { from: string; to: string }[];
  /** the config's `prebuild`: shell commands the worker runs, in order, in the project folder, before the bundle */
  prebuild?: string[];
  /** what sourcemap `sources` are relative to (src/build/outdir-layout.ts); recorded, and a rebuild builds with the recorded one */
  mapSources: MapSources;
}

/** `outdir`: dist/<build>, as Bun.build with that outdir writes them (since issue #19); `project`: the project folder, as bunseal wrote them before */
export type MapSources = "outdir" | "project";

export interface PlannedBuild {
  name: string;
  /** as in the config, `./`-prefixed; patterns are expanded by the worker, inside the sandbox, where only the build's files are */
  entrypoints: string[];
  options: BuildOptions;
  /** for `compile` to another platform: that platform's Bun, fetched and checked before the build (not recorded in the options: it is a path of this machine) */
  compileBase?: string;
}

export interface PlanInput {
  projectDir: string;
  stagingName: string;
  /** default "outdir"; a rebuild of a statement that recorded none builds "project", as its bunseal did */
  mapSources?: MapSources;
  /** the folder the artifact goes to */
  outDir: string;
  config: Config;
  commit: string;
  commitTime: number;
  lockfileDigest: string | null;
  bunVersion: string;
  /** the environment bunseal itself was started with */
  hostEnv: Readonly<Record<string, string | undefined>>;
  /** a deliberate change to the build's environment, for `bunseal check`; never used for a build that is signed */
  variation?: BuildVariation;
  /** where the config came from, for errors: `bunseal.json` (default) or `package.json#bunseal` */
  configSource?: string;
  /** the compile target of the machine building (default: this one's), the only one `build.compile` may name without a base */
  hostCompileTarget?: string;
  /** base executables of other compile targets, by target (src/runtime/fetch-base-executable.ts) */
  compileBases?: Readonly<Record<string, string>>;
}

/** What `bunseal check` varies between builds to find what the output depends on. */
export interface BuildVariation {
  /** set in the build's environment over the sanitised one (TZ, LC_ALL, noise variables, other values for allowed ones) */
  env?: Readonly<Record<string, string>>;
  /** a command the build process is started through: faketime, unshare, setpriv, a umask shell */
  wrapper?: readonly string[];
  reverseEntrypoints?: boolean;
}

// Tools a macro may reasonably call live here; a fixed PATH keeps the user's
// shell setup out of the build.
const FIXED_PATH = "/usr/local/bin:/usr/bin:/bin";

export function planBuild(input: PlanInput): BuildPlan {
  const { config, hostEnv } = input;
  // before anything runs: a target the sandbox cannot build for is bad input, not a failed build
  const configured = configBuilds(config);
  const bases = input.compileBases ?? {};
  for (const build of configured) {
    const target = compileTarget(build.options.compile);
    if (target !== undefined && bases[target] !== undefined) continue;
    checkCompileTarget(build.options.compile, input.hostCompileTarget ?? hostCompileTarget(), build.name === "" ? "build.compile" : `builds.${build.name}.compile`);
  }
  const epochOverride = hostEnv.SOURCE_DATE_EPOCH;
  const sourceDateEpoch = epochOverride !== undefined && /^\d+$/.test(epochOverride) ? Number(epochOverride) : input.commitTime;
  checkEnvSet(config, hostEnv, input.configSource ?? "bunseal.json");
  const visibleEnv = config.env.filter((name) => hostEnv[name] !== undefined).sort();
  const env: Record<string, string> = {
    PATH: FIXED_PATH,
    TZ: "UTC",
    LC_ALL: "C",
    LANG: "C",
    SOURCE_DATE_EPOCH: String(sourceDateEpoch),
  };
  for (const name of visibleEnv) env[name] = hostEnv[name]!;
  const variation = input.variation ?? {};
  Object.assign(env, variation.env);
  const builds = configured.map(({ name, entrypoints, options }) => {
    const planned = entrypoints.map((e) => (e.startsWith("./") ? e : `./${e}`));
    if (variation.reverseEntrypoints) planned.reverse();
    const target = compileTarget(options.compile);
    return { name, entrypoints: planned, options, ...(target !== undefined && bases[target] !== undefined ? { compileBase: bases[target] } : {}) };
  });
  return {
    projectDir: input.projectDir,
    tarPath: `${input.outDir}/.${input.stagingName}.tar.tmp`,
    builds,
    env,
    visibleEnv,
    wrapper: [...(variation.wrapper ?? [])],
    sourceDateEpoch,
    ...(config.copy !== undefined ? { copy: config.copy } : {}),
    ...(config.prebuild !== undefined ? { prebuild: config.prebuild } : {}),
    mapSources: input.mapSources ?? "outdir",
    buildInfo: {
      service: config.service,
      bunVersion: input.bunVersion,
      commit: input.commit,
      lockfileDigest: input.lockfileDigest,
      schemaVersion: config.contracts?.schemaVersion ?? null,
      telemetryContract: config.contracts?.telemetryContract ?? null,
      ...(runtimeConfigured(config) ? { budgets: config.budgets } : {}),
    },
  };
}

/**
 * Every variable the config's env lists is set, unless marked optional: one
 * missing would be inlined as `undefined` (a development build, signed as the
 * release). Set to "" counts as set: that is a value the user chose.
 */
function checkEnvSet(config: Config, hostEnv: Readonly<Record<string, string | undefined>>, source: string): void {
  const optional = new Set(config.optionalEnv ?? []);
  const missing = config.env.filter((name) => hostEnv[name] === undefined && !optional.has(name));
  if (missing.length === 0) return;
  const [file, key] = source.includes("#") ? [source.split("#")[0]!, `${source.split("#")[1]}.env`] : [source.split(" ")[0]!, "env"];
  const names = missing.join(", ");
  throw new BunsealError(
    "ENV_MISSING",
    `${file}: ${key} lists ${names}, which ${missing.length === 1 ? "is" : "are"} not set where bunseal runs; expected ${missing.length === 1 ? "it" : "each"} set (an empty value counts), or marked optional in ${key}: {"name": "${missing[0]}", "optional": true}`,
    { file, field: key, expected: "set in bunseal's environment", found: `${names} unset` },
  );
}

/** The build budgets every bunseal knew; any other budget, `run` or `load` came with issue 22's runtime measurements. */
const BUILD_BUDGETS = new Set(["maxArtifactBytes", "maxBuildMs"]);

export function runtimeConfigured(config: Pick<Config, "budgets" | "run" | "load">): boolean {
  return config.run !== undefined || config.load !== undefined || Object.keys(config.budgets ?? {}).some((name) => !BUILD_BUDGETS.has(name));
}
