/**
 * Preloaded (`BUN_OPTIONS=--preload=…`) into every Bun process of a build
 * script that `bunseal init` runs in the sandbox: it wraps Bun.build so each
 * call's options are recorded, then makes the call as usual. The project is
 * read-only there, so what the script writes inside it (Bun.build's outdir,
 * Bun.write, the fs calls a build script uses to copy files) goes to the same
 * path under a scratch folder the sandbox shows writable, and is recorded.
 *
 * Everything this file writes is the script's to tamper with (it runs in the
 * script's process): the parent reads it as a claim, builds with the config it
 * makes, and compares the bytes before it believes any of it.
 */
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import type { ObservedEvent, ObservedPlugin } from "./observed.ts";

// required, not imported: Bun makes a built-in module's ES namespace from its object the first time
// it is imported, so patched here first, a script's `import { cpSync } from "node:fs"` gets the patched function
const fs = require("node:fs") as typeof import("node:fs");
const fsp = require("node:fs/promises") as typeof import("node:fs/promises");

const scratch = process.env.BUNSEAL_INIT_SCRATCH;
const project = process.cwd();
const HERE = import.meta.path;

if (scratch) install(scratch);

function install(scratchDir: string): void {
  const outRoot = join(scratchDir, "out");
  const events: ObservedEvent[] = [];
  const original = { build: Bun.build, write: Bun.write, writeFileSync: fs.writeFileSync, mkdirSync: fs.mkdirSync };
  const record = (event: ObservedEvent) => {
    events.push(event);
    original.mkdirSync(scratchDir, { recursive: true });
    original.writeFileSync(join(scratchDir, `observed-${process.pid}.json`), JSON.stringify(events));
  };
  /** A path in the project, relative to it (POSIX), or undefined for one outside. */
  const inProject = (path: string): string | undefined => {
    const rel = relative(project, resolve(project, path));
    return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? undefined : rel.split(sep).join("/");
  };
  const redirect = (path: unknown): unknown => {
    const text = path instanceof URL ? (path.protocol === "file:" ? path.pathname : undefined) : typeof path === "string" ? path : undefined;
    if (text === undefined) return path;
    const rel = inProject(text);
    return rel === undefined ? path : join(outRoot, rel);
  };
  const projectPath = (path: unknown) => (typeof path === "string" || path instanceof URL ? inProject(path instanceof URL ? path.pathname : path) : undefined);

  (Bun as { build: unknown }).build = async function observedBuild(options: Bun.BuildConfig) {
    const site = callSite();
    const outdir = typeof options.outdir === "string" ? inProject(options.outdir) : undefined;
    const event: ObservedEvent = { kind: "build", site, options: serialise(options, inProject), plugins: await describePlugins(options.plugins ?? [], site), outdir, outputs: [], bun: { version: Bun.version, path: process.execPath } };
    // made before the call, as a script's own outdir usually already is: a plugin may write into it in its
    // setup (bun-plugin-dts writes its declarations there, and failed with ENOENT on a redirected outdir)
    if (outdir !== undefined) original.mkdirSync(join(outRoot, outdir), { recursive: true });
    const result = await original.build({ ...options, ...(outdir !== undefined ? { outdir: join(outRoot, outdir) } : {}) } as Bun.BuildConfig);
    if (outdir !== undefined) event.outputs = result.outputs.map((o) => relative(outRoot, o.path).split(sep).join("/"));
    event.success = result.success;
    record(event);
    return result;
  };

  (Bun as { write: unknown }).write = function observedWrite(destination: unknown, input: unknown, ...rest: unknown[]) {
    const to = projectPath(destination instanceof Blob && "name" in destination ? (destination as { name?: string }).name : destination);
    if (to === undefined) return (original.write as (...a: unknown[]) => unknown)(destination, input, ...rest);
    const from = input instanceof Blob && "name" in input && typeof (input as { name?: unknown }).name === "string" ? projectPath((input as { name: string }).name) : undefined;
    record({ kind: "write", site: callSite(), to, ...(from !== undefined ? { from } : {}) });
    original.mkdirSync(dirname(join(outRoot, to)), { recursive: true });
    return (original.write as (...a: unknown[]) => unknown)(join(outRoot, to), input, ...rest);
  };

  // a script that copies or writes with fs (cpSync, copyFile, writeFile, mkdir, rm)
  const copyCall = (name: string, target: Record<string, unknown>) => {
    const fn = target[name] as (...a: unknown[]) => unknown;
    target[name] = function observedCopy(from: unknown, to: unknown, ...rest: unknown[]) {
      const dest = projectPath(to);
      if (dest !== undefined) {
        record({ kind: "write", site: callSite(), to: dest, ...(projectPath(from) !== undefined ? { from: projectPath(from) } : {}) });
        original.mkdirSync(dirname(join(outRoot, dest)), { recursive: true });
      }
      return fn.call(this, from, redirect(to), ...rest);
    };
  };
  const pathCall = (name: string, target: Record<string, unknown>, recordWrite: boolean) => {
    const fn = target[name] as (...a: unknown[]) => unknown;
    target[name] = function observedPath(path: unknown, ...rest: unknown[]) {
      const dest = projectPath(path);
      if (dest !== undefined && recordWrite) {
        record({ kind: "write", site: callSite(), to: dest });
        original.mkdirSync(dirname(join(outRoot, dest)), { recursive: true });
      }
      return fn.call(this, redirect(path), ...rest);
    };
  };
  const sync = fs as unknown as Record<string, unknown>;
  const promises = fsp as unknown as Record<string, unknown>;
  for (const [target, names] of [[sync, ["copyFileSync", "cpSync"]], [promises, ["copyFile", "cp"]]] as const) for (const name of names) copyCall(name, target);
  for (const [target, names] of [[sync, ["writeFileSync", "appendFileSync"]], [promises, ["writeFile", "appendFile"]]] as const) for (const name of names) pathCall(name, target, true);
  for (const [target, names] of [[sync, ["mkdirSync", "rmSync"]], [promises, ["mkdir", "rm"]]] as const) for (const name of names) pathCall(name, target, false);
}

/** `file:line` of the script's code that made the call, relative to the project. */
function callSite(): string {
  for (const line of (new Error().stack ?? "").split("\n").slice(1)) {
    const match = /\(?((?:\/|file:\/\/)[^()]*?):(\d+):\d+\)?\s*$/.exec(line.trim());
    if (!match) continue;
    const file = match[1]!.replace(/^file:\/\//, "");
    if (file === HERE) continue;
    const rel = relative(process.cwd(), file).split(sep).join("/");
    return `${rel.startsWith("..") ? file : rel}:${match[2]}`;
  }
  return "(unknown place)";
}

/**
 * Where a plugin built in the script is written: its setup function's own
 * text, found in the calling file at or after the call (the call's line when it is not there).
 */
function pluginSite(plugin: unknown, source: string, site: string): string {
  const setup = (plugin as { setup?: unknown } | null)?.setup;
  const [file, line] = [site.replace(/:\d+$/, ""), Number(/:(\d+)$/.exec(site)?.[1] ?? 1)];
  if (typeof setup !== "function") return site;
  const text = Function.prototype.toString.call(setup);
  const lines = source.split("\n");
  const from = lines.slice(0, line - 1).join("\n").length;
  const at = source.indexOf(text, line > 1 ? from : 0);
  return at === -1 ? site : `${file}:${source.slice(0, at).split("\n").length}`;
}

/**
 * The options as data: values JSON can hold are kept; a function, a class
 * instance or anything else that cannot be written in bunseal.json is named
 * by its key, so the config never claims a value it did not see.
 */
function serialise(options: Bun.BuildConfig, inProject: (path: string) => string | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // paths a script often makes absolute (path.resolve(__dirname, …)): relative to the project, as bunseal.json has them
  const relativeTo = (value: unknown) => (typeof value === "string" && isAbsolute(value) ? (inProject(value) ?? value) : value);
  for (const [key, value] of Object.entries(options)) {
    if (key === "plugins") continue;
    if (key === "entrypoints" && Array.isArray(value)) out[key] = value.map(relativeTo);
    else if (key === "root") out[key] = relativeTo(value);
    else out[key] = plain(value);
  }
  return out;
}

const UNEXPRESSIBLE = "bunseal:unexpressible";

function plain(value: unknown): unknown {
  if (value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, plain(v)]));
  }
  return { [UNEXPRESSIBLE]: typeof value === "function" ? "a function" : Object.prototype.toString.call(value) };
}

/**
 * Each plugin by the module whose default export it is: a module the calling
 * file imports, found by identity (a plugin made by a call, `tailwind()`, is
 * a new object and matches none), so the config names a module, never a guess.
 */
async function describePlugins(plugins: readonly unknown[], site: string): Promise<ObservedPlugin[]> {
  if (plugins.length === 0) return [];
  const file = resolve(process.cwd(), site.replace(/:\d+$/, ""));
  const imports: { spec: string; path: string }[] = [];
  let source = "";
  try {
    source = await Bun.file(file).text();
    for (const imp of new Bun.Transpiler({ loader: "tsx" }).scanImports(source)) {
      try {
        imports.push({ spec: imp.path, path: Bun.resolveSync(imp.path, dirname(file)) });
      } catch {
        // unresolvable: it names no plugin
      }
    }
  } catch {
    // the caller's file cannot be read: every plugin is reported as built inline
  }
  const described: ObservedPlugin[] = [];
  for (const plugin of plugins) {
    const name = typeof (plugin as { name?: unknown })?.name === "string" ? (plugin as { name: string }).name : "(unnamed)";
    let module: ObservedPlugin["module"];
    for (const imp of imports) {
      const loaded = (await import(imp.path).catch(() => undefined)) as { default?: unknown } | undefined;
      if (loaded?.default !== plugin) continue;
      const rel = relative(process.cwd(), imp.path).split(sep).join("/");
      const bare = !imp.spec.startsWith(".") && !imp.spec.startsWith("/");
      module = bare ? { package: imp.spec, path: rel } : { file: `./${rel}` };
      break;
    }
    described.push({ name, ...(module ? { module } : { site: pluginSite(plugin, source, site) }) });
  }
  return described;
}
