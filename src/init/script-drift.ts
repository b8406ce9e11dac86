/**
 * Where the project's own build script and bunseal.json disagree: the signed
 * artifact is then not what `bun run build` makes, and a reviewer comparing
 * the two would be misled. Warnings, not failures: the config is what bunseal
 * builds and records, and may differ on purpose. Pure, for the build pipeline
 * to call with what it has already read.
 */
import { BuildOptionsSchema, type Config } from "../config/schema.ts";
import { canonicalJson } from "../util/canonical-json.ts";
import { findBuilds } from "./find-builds.ts";
import { CLI_DEFAULTS, CLI_NAMING, translateCommand } from "./translate-command.ts";
import { tokensOf } from "./translation.ts";

/** Options whose order does not change the build. */
const UNORDERED = new Set(["external", "drop", "conditions", "features", "allowUnresolved"]);

export function scriptDrift(packageJson: unknown, config: Config): string[] {
  // several builds have no one script to compare against: a per-build comparison would need the scripts named alike
  if (config.builds !== undefined) return [];
  const [build] = findBuilds(packageJson).builds;
  if (!build) return [];
  const t = translateCommand(build.args, build.env);
  const where = `package.json script "${build.script}"`;
  const shape = BuildOptionsSchema.shape as Record<string, unknown>;
  const configBuild = config.build as Record<string, unknown>;
  const warnings: string[] = [];

  const scriptEntries = [...t.entrypoints].sort();
  const configEntries = [...config.entrypoints].map((e) => e.replace(/^(\.\/)+/, "")).sort();
  if (canonicalJson(scriptEntries) !== canonicalJson(configEntries)) {
    warnings.push(`${where} builds ${list(scriptEntries)}, bunseal.json's entrypoints are ${list(configEntries)}`);
  }

  // chunk names name nothing without chunks: only split builds and HTML entries make them, and the CLI's
  // default chunk name is not Bun.build's (which the config's default is), so elsewhere it is no drift
  const chunks = t.options.splitting === true || config.build.splitting || [...t.entrypoints, ...config.entrypoints].some((e) => e.endsWith(".html"));
  for (const [key, scriptValue] of Object.entries(t.options)) {
    if (key === "naming" && !chunks && normalize(key, { ...(scriptValue as object), chunk: "" }) === normalize(key, { ...config.build.naming, chunk: "" })) continue;
    const tokens = tokensOf(t, key);
    const said = tokens.length > 0 ? tokens.join(" ") : "bun build's default";
    if (!(key in shape)) {
      if (tokens.length > 0) warnings.push(`${where} passes ${said} (Bun.build's ${key}), which bunseal.json cannot express yet; the artifact is built without it`);
      continue;
    }
    const configValue = configBuild[key] === undefined ? CLI_DEFAULTS[key] : configBuild[key];
    if (normalize(key, scriptValue) !== normalize(key, configValue)) {
      warnings.push(`${where} builds with ${key} ${JSON.stringify(scriptValue)} (${said}), bunseal.json with build.${key} ${configBuild[key] === undefined ? "unset" : JSON.stringify(configBuild[key])}`);
    }
  }

  for (const [name, value] of Object.entries(build.env)) {
    if (name !== "NODE_ENV" && !config.env.includes(name)) {
      warnings.push(`${where} sets ${name}=${value} for the build; bunseal's build does not see ${name} unless the config's env lists it`);
    }
  }
  return warnings;
}

function normalize(key: string, value: unknown): string {
  if (value === undefined) return "undefined";
  if (key === "minify") {
    const m = typeof value === "boolean" ? { whitespace: value, syntax: value, identifiers: value } : (value as Record<string, boolean>);
    return canonicalJson({ whitespace: !!m.whitespace, syntax: !!m.syntax, identifiers: !!m.identifiers, keepNames: !!m.keepNames });
  }
  // a string names the entry only; the CLI's chunk and asset names stand
  if (key === "naming") return canonicalJson(typeof value === "string" ? { ...CLI_NAMING, entry: value } : { ...CLI_NAMING, ...(value as object) });
  if (key === "compile" && value === false) return "undefined";
  if (key === "conditions" && typeof value === "string") return canonicalJson([value]);
  if (UNORDERED.has(key) && Array.isArray(value)) return canonicalJson([...value].sort());
  return canonicalJson(value);
}

function list(values: readonly string[]): string {
  return values.length === 0 ? "nothing" : values.join(", ");
}
