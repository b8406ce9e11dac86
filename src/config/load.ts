/**
 * Stage `config`: find and validate the project's configuration before
 * anything is built. Bad config stops the run here, naming the file, the field,
 * what was expected and what was found.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { BunsealError } from "../errors.ts";
import { canonicalJson } from "../util/canonical-json.ts";
import { sha256Hex } from "../util/digest.ts";
import { describeIssues, formatProblems } from "../util/schema-issues.ts";
import { BuildOptionsSchema, ConfigSchema, resolveBuildOptions, type BuildOptions, type Config, type NamedBuild } from "./schema.ts";

export const CONFIG_FILE = "bunseal.json";

export interface LoadedConfig {
  config: Config;
  /** where it came from, relative to the project: `bunseal.json`, `package.json#bunseal`, or `package.json (defaults)` */
  source: string;
  /** sha256 of the canonical JSON of the config with defaults applied: equal configs, equal digests */
  digest: string;
}

export async function loadConfig(projectDir: string): Promise<LoadedConfig> {
  const configPath = join(projectDir, CONFIG_FILE);
  const packagePath = join(projectDir, "package.json");
  const pkg = existsSync(packagePath) ? await readJson(packagePath, "package.json") : undefined;
  if (pkg !== undefined && (typeof pkg !== "object" || pkg === null || Array.isArray(pkg))) {
    throw new BunsealError("CONFIG_INVALID", "package.json: expected a JSON object at the top level", { file: "package.json", field: "(top level)", expected: "an object" });
  }
  const pkgObject = pkg as Record<string, unknown> | undefined;

  if (existsSync(configPath)) {
    if (pkgObject && "bunseal" in pkgObject) {
      throw new BunsealError("CONFIG_INVALID", `both ${CONFIG_FILE} and a "bunseal" key in package.json configure this project; expected one of them`, { file: CONFIG_FILE, expected: "a single configuration" });
    }
    return validate(await readJson(configPath, CONFIG_FILE), CONFIG_FILE);
  }
  if (pkgObject && "bunseal" in pkgObject) return validate(pkgObject.bunseal, "package.json#bunseal", "bunseal");
  if (!pkgObject) {
    throw new BunsealError("CONFIG_NOT_FOUND", `no ${CONFIG_FILE} and no package.json in ${projectDir}; expected a Bun project`, { file: CONFIG_FILE, expected: `${CONFIG_FILE} or package.json` });
  }
  return validate(defaultsFromPackage(pkgObject, projectDir), "package.json (defaults)");
}

/** With no config, what a Bun project already says: its name and its entry module. */
function defaultsFromPackage(pkg: Record<string, unknown>, projectDir: string): unknown {
  const name = typeof pkg.name === "string" ? pkg.name.replace(/^@[^/]+\//, "") : undefined;
  const candidates = [pkg.module, pkg.main, "src/index.ts", "index.ts"].filter((c): c is string => typeof c === "string");
  const entry = candidates.map((c) => c.replace(/^\.\//, "")).find((c) => existsSync(join(projectDir, c)));
  if (name === undefined) {
    throw new BunsealError("CONFIG_INVALID", `package.json: no ${CONFIG_FILE} and no "name" to name the service after; expected a "name" string or a ${CONFIG_FILE}`, { file: "package.json", field: "name", expected: "a string" });
  }
  if (entry === undefined) {
    throw new BunsealError("CONFIG_INVALID", `package.json: no ${CONFIG_FILE} and no entry module found (tried "module", "main", src/index.ts, index.ts); expected one of them to exist`, { file: "package.json", field: "module", expected: "an existing entry module" });
  }
  return { service: name, entrypoints: [entry] };
}

/** What a statement recorded it built: the single form's entrypoints and build, or the builds. */
export type RecordedOptions = ({ entrypoints: string[]; build: BuildOptions; builds?: undefined } | { builds: Record<string, NamedBuild> }) & {
  /** what the recorded build's sourcemap sources were relative to (src/build/plan.ts MapSources) */
  mapSources?: "outdir" | "project";
};

/**
 * The config with the builds a statement recorded in place of its own. A
 * rebuild checks out the recorded commit, so the file is the one that was
 * built, but what it leaves out meant what the defaults of the bunseal that
 * built it said (target "bun" until they became Bun.build's): the record has
 * those values resolved, so the rebuild builds what was built, and the config
 * digest is again the recorded one.
 */
export function withRecordedOptions(loaded: LoadedConfig, recorded: RecordedOptions): LoadedConfig {
  const { entrypoints: _entrypoints, build: _build, builds: _builds, ...rest } = loaded.config;
  const config: Config =
    recorded.builds !== undefined
      ? { ...rest, builds: recorded.builds, entrypoints: [], build: resolveBuildOptions(BuildOptionsSchema.parse({})) }
      : { ...rest, entrypoints: recorded.entrypoints, build: recorded.build };
  const { $schema: _ignored, ...digested } = config;
  return { config, source: loaded.source, digest: sha256Hex(canonicalJson(digested)) };
}

function validate(raw: unknown, source: string, prefix?: string): LoadedConfig {
  const file = source.split("#")[0]!.split(" ")[0]!;
  const result = ConfigSchema.safeParse(raw, { reportInput: true });
  if (!result.success) {
    const problems = describeIssues(result.error.issues).map((p) => (prefix ? { ...p, field: p.field === "(top level)" ? prefix : `${prefix}.${p.field}` } : p));
    const first = problems[0]!;
    throw new BunsealError("CONFIG_INVALID", `${file}: the configuration is not valid (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${formatProblems(problems)}`, {
      file,
      field: first.field,
      expected: first.expected,
      found: first.found,
    });
  }
  const { $schema: _ignored, ...config } = result.data;
  return { config: result.data, source, digest: sha256Hex(canonicalJson(config)) };
}

async function readJson(path: string, display: string): Promise<unknown> {
  let text: string;
  try {
    text = await Bun.file(path).text();
  } catch (cause) {
    throw new BunsealError("INPUT_UNREADABLE", `${display}: cannot be read (${(cause as Error).message})`, { file: display, cause });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new BunsealError("CONFIG_INVALID", `${display}: expected valid JSON, got a syntax error: ${(cause as Error).message}`, { file: display, field: "(top level)", expected: "valid JSON", cause });
  }
}
