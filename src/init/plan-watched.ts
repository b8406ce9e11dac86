/**
 * `bunseal init` on a build written in code, planned: what the script was
 * seen to do (its Bun.build calls, the files it wrote) in, the bunseal.json
 * that builds the same out, with every part it cannot hold named against the
 * `file:line` that did it. Pure: the observation is made elsewhere
 * (watch-build.ts) and this is tested without a sandbox.
 *
 * The artifact's layout is the script's out folder: one call's outdir is the
 * artifact's root; several calls are `builds`, each named after its outdir
 * under their common folder (`dist/server`, `dist/client` → builds "server"
 * and "client"), so every file lands where the script put it.
 */
import { posix } from "node:path";
import { BUILD_NAME_PATTERN, ConfigSchema, type ConfigInput } from "../config/schema.ts";
import { BunsealError } from "../errors.ts";
import { describeIssues, formatProblems } from "../util/schema-issues.ts";
import { fitBuildOptions } from "./fit-schema.ts";
import type { ObservedEvent } from "./observed.ts";
import { emptyTranslation, setOption, setPart, type Translation, type Untranslated } from "./translation.ts";

export interface WatchedPlan {
  config: ConfigInput;
  untranslated: Untranslated[];
  /** each file of the artifact the config should build → the file the script wrote (relative to the project) */
  layout: Map<string, string>;
  /** the script's out folder (relative to the project) that the artifact's root stands for */
  root: string;
}

/** Options that say how the script runs Bun.build, not what it builds: bunseal decides them itself. */
const RUN_ONLY = new Set(["entrypoints", "outdir", "throw", "metafile"]);
/** Bun.build's own defaults where bunseal.json's differ (measured on Bun 1.4.5: Bun.build's chunks are `chunk-[hash]`). */
const BUN_BUILD_TARGET = "browser";
const BUN_BUILD_NAMING = { chunk: "chunk-[hash].[ext]", asset: "[name]-[hash].[ext]" } as const;
const UNEXPRESSIBLE = "bunseal:unexpressible";

type BuildEvent = Extract<ObservedEvent, { kind: "build" }>;
type WriteEvent = Extract<ObservedEvent, { kind: "write" }>;

export function planWatched(input: { service: string; script: string; events: readonly ObservedEvent[] }): WatchedPlan {
  const { script } = input;
  const notes: Untranslated[] = [];
  const note = (token: string, reason: string) => notes.push({ script, token, reason });
  const calls = input.events.filter((e): e is BuildEvent => e.kind === "build");
  const writes = input.events.filter((e): e is WriteEvent => e.kind === "write");
  const kept = calls.filter((call) => {
    if (call.outdir !== undefined) return true;
    note(call.site, "a Bun.build call with no outdir in the project: its outputs stay in the script's memory, so bunseal cannot tell what of them is released");
    return false;
  });
  if (kept.length === 0) {
    throw new BunsealError("BUILD_SCRIPT_NOT_FOUND", `package.json: script "${script}" ran, but expected it to call Bun.build with an outdir in the project, got ${calls.length === 0 ? "no Bun.build call" : `${calls.length} call(s) without one`}`, { file: "package.json", field: `scripts.${script}`, expected: "a Bun.build call with an outdir" });
  }
  const root = kept.length === 1 ? kept[0]!.outdir! : commonFolder(kept.map((c) => c.outdir!));
  const names = buildNames(kept.map((c) => c.outdir!), root);
  if (kept.length > 1 && names.fallback) note(kept.map((c) => c.site).join(", "), `the calls' outdirs (${kept.map((c) => c.outdir).join(", ")}) are not one folder each under a common one: they are built as ${names.names.join(", ")}, each under a folder of that name`);

  const layout = new Map<string, string>();
  const outputs = new Set<string>();
  const builds = kept.map((call, index) => {
    const name = kept.length === 1 ? "" : names.names[index]!;
    for (const output of call.outputs) {
      outputs.add(output);
      const inside = posix.relative(call.outdir!, output);
      layout.set(name === "" ? inside : `${name}/${inside}`, output);
    }
    return { name, ...planCall(call, note) };
  });

  const copy: { from: string; to: string }[] = [];
  for (const write of writes) {
    if (outputs.has(write.to)) {
      note(write.site, `writes ${write.to} over an output of Bun.build; bunseal.json cannot express a change made to an output after the bundle`);
      continue;
    }
    const to = posix.relative(root, write.to);
    if (to === "" || to.startsWith("..")) {
      note(write.site, `writes ${write.to}, outside the out folder ${root}; it is not part of the artifact`);
      continue;
    }
    if (write.from === undefined) {
      note(write.site, `writes ${write.to} from data the script made, not a copy of a file of the commit; bunseal.json's copy holds only copies (generate the file before the build and declare it in inputs.extra, or commit it)`);
      continue;
    }
    copy.push({ from: write.from, to });
    layout.set(to, write.to);
  }

  const base = { service: input.service.replace(/^@[^/]+\//, "") };
  const tail = { ...(copy.length > 0 ? { copy } : {}), env: [], secrets: [], outDir: ".bunseal/out" };
  const config: ConfigInput =
    builds.length === 1
      ? { ...base, entrypoints: builds[0]!.entrypoints, build: builds[0]!.build as ConfigInput["build"], ...tail }
      : { ...base, builds: Object.fromEntries(builds.map((b) => [b.name, { entrypoints: b.entrypoints, ...b.build }])) as ConfigInput["builds"], ...tail };
  const checked = ConfigSchema.safeParse(config, { reportInput: true });
  if (!checked.success) {
    const problems = describeIssues(checked.error.issues);
    throw new BunsealError("CONFIG_INVALID", `the configuration made from what script "${script}" did is not valid (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${formatProblems(problems)}`, { file: "package.json", field: problems[0]!.field, expected: problems[0]!.expected, found: problems[0]!.found });
  }
  return { config, untranslated: notes, layout, root };
}

/**
 * A call made by another Bun than the one bunseal builds with (`bun run` puts node_modules/.bin
 * first, and a `bun` package there is the project's own Bun): its bytes may be that Bun's, so it is said.
 */
export function otherBuns(events: readonly ObservedEvent[], version: string, projectDir: string, script: string): Untranslated[] {
  const seen = new Map<string, { version: string; path: string; site: string }>();
  for (const event of events) if (event.kind === "build" && event.bun && event.bun.version !== version) seen.set(`${event.bun.version}\0${event.bun.path}`, { ...event.bun, site: event.site });
  return [...seen.values()].map((other) => {
    const where = posix.relative(projectDir, other.path);
    return { script, token: `${other.site}: Bun ${other.version}`, reason: `the script's Bun.build ran on Bun ${other.version} (${where.startsWith("..") ? other.path : where}), and bunseal builds with Bun ${version}: a file that differs below may differ by the Bun alone` };
  });
}

/** One call's options, in bunseal.json's terms, each blamed on the call's `file:line`. */
function planCall(call: BuildEvent, note: (token: string, reason: string) => void): { entrypoints: string[]; build: Record<string, unknown> } {
  const t: Translation = emptyTranslation();
  const site = call.site;
  for (const [key, value] of Object.entries(call.options)) {
    if (RUN_ONLY.has(key) || value === undefined) continue;
    const bad = unexpressible(value);
    if (bad !== undefined) {
      note(site, `build option ${key} is ${bad} in the script; bunseal.json holds only values JSON can write`);
      continue;
    }
    if (typeof value === "object" && value !== null && !Array.isArray(value)) for (const [part, v] of Object.entries(value)) setPart(t, key, part, v, site);
    else setOption(t, key, value, site);
  }
  // written explicit where bunseal.json's default is not Bun.build's, so the config means what the call meant
  if (t.options.target === undefined) t.options.target = BUN_BUILD_TARGET;
  const naming = t.options.naming;
  t.options.naming = typeof naming === "string" ? { entry: naming, ...BUN_BUILD_NAMING } : { ...BUN_BUILD_NAMING, ...((naming as Record<string, string> | undefined) ?? {}) };
  const plugins: string[] = [];
  for (const plugin of call.plugins) {
    const module = plugin.module;
    if (module === undefined) note(plugin.site ?? site, `plugin "${plugin.name}" is built in the script, not the default export of a module it imports; bunseal.json's build.plugins names such a module: move the plugin into a file of the project (or use the package's) and export it as default`);
    else plugins.push("file" in module ? module.file : module.package);
  }
  if (plugins.length > 0) setOption(t, "plugins", plugins, site);
  const fitted = fitBuildOptions(t);
  for (const u of fitted.untranslated) note(u.token, u.reason);
  const entrypoints: string[] = [];
  const raw = call.options.entrypoints;
  for (const entry of Array.isArray(raw) ? raw : []) {
    const path = typeof entry === "string" ? posix.normalize(entry.replace(/^(\.\/)+/, "")) : "";
    if (path === "" || path.startsWith("/") || path.startsWith("..")) note(site, `entrypoint ${JSON.stringify(entry)} is outside the project; bunseal builds from the project's own files`);
    else entrypoints.push(path);
  }
  return { entrypoints, build: fitted.build };
}

function unexpressible(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  if (!Array.isArray(value) && typeof (value as Record<string, unknown>)[UNEXPRESSIBLE] === "string") return (value as Record<string, string>)[UNEXPRESSIBLE];
  for (const v of Array.isArray(value) ? value : Object.values(value)) {
    const inner = unexpressible(v);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

/** The deepest folder holding every one of `dirs` (POSIX, relative). */
function commonFolder(dirs: readonly string[]): string {
  const split = dirs.map((d) => d.split("/").filter(Boolean));
  const common: string[] = [];
  for (let i = 0; split.every((parts) => i < parts.length && parts[i] === split[0]![i]); i++) common.push(split[0]![i]!);
  return common.join("/");
}

/** Each outdir's folder under the root as its build's name, when every one is a single distinct, valid name. */
function buildNames(dirs: readonly string[], root: string): { names: string[]; fallback: boolean } {
  const names = dirs.map((d) => posix.relative(root, d));
  const ok = names.every((n) => BUILD_NAME_PATTERN.test(n)) && new Set(names).size === names.length;
  return ok ? { names, fallback: false } : { names: dirs.map((_, i) => `build-${i + 1}`), fallback: true };
}
