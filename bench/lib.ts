/** What the benchmark scripts share: a timed process, medians and percentiles, and the bare `bun build` they compare against. */

import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";

/**
 * bunseal as an installed `bunseal` starts: this Bun with the flags of the
 * bin's shebang (started without them it would start itself again).
 */
export const BUNSEAL = [process.execPath, "--no-env-file", "--config=/dev/null", join(import.meta.dir, "..", "bin", "bunseal")];

/** The bunseal a bench times, and how to name it in the output. */
export interface Cli {
  label: string;
  argv: string[];
}

/**
 * `--cli PATH`: the bunseal a bench times instead of this checkout's bin/bunseal
 * (the bundled dist/entry.js, an installed bunseal's bin). An executable file
 * runs as itself, through its shebang, as a user's shell would start it; any other
 * file is a script this Bun starts with the flags of bin/bunseal's shebang.
 * Without the flag: bin/bunseal, as BUNSEAL starts it.
 */
export function cliUnderTest(args: readonly string[]): Cli {
  const at = args.indexOf("--cli");
  if (at === -1) return { label: "bin/bunseal", argv: BUNSEAL };
  const given = args[at + 1];
  if (given === undefined || given.startsWith("--")) throw new Error("--cli: expected the path of a bunseal to time, got nothing");
  const path = resolve(given);
  if (!existsSync(path) || !statSync(path).isFile()) throw new Error(`--cli: expected a file, got ${path}`);
  let executable = true;
  try {
    accessSync(path, constants.X_OK);
  } catch {
    executable = false;
  }
  return { label: path, argv: executable ? [path] : [process.execPath, "--no-env-file", "--config=/dev/null", path] };
}

/** The value after `--name`, or `fallback` when the flag is absent. */
export function option(args: readonly string[], name: string, fallback: number): number {
  const at = args.indexOf(name);
  if (at === -1) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name}: expected a positive number, got ${args[at + 1] ?? "nothing"}`);
  return value;
}

/** A ratio against its target, and whether it is met: what every bench ends its lines with. */
export function against(ratio: number, target: number, floor?: string): string {
  return `${ratio.toFixed(2)}×${floor ? ` ${floor}` : ""} (target ≤ ${target.toFixed(2)}×: ${ratio <= target ? "met" : "NOT met"})`;
}

/** The first line of every bench: what ran, on what, under what load (figures are only comparable with it). */
export function header(cli?: Cli): string {
  const load = loadavg().map((l) => l.toFixed(2)).join(" ");
  return `Bun ${Bun.version}, ${navigator.hardwareConcurrency} cores, load average ${load}${cli ? `; timing ${cli.label}` : ""}`;
}

export interface Sample {
  wallMs: number;
  /** max RSS of the largest process in the tree (wait4's figure), KiB */
  maxRssKb: number;
}

/**
 * Runs a command to completion and times it; a failure stops the benchmark with the command's stderr.
 * Peak memory is the largest process's: wait4's figure, or, with `memory`, what /proc showed (VmHWM,
 * polled every 25 ms) for any process of the tree, whichever is larger. wait4 alone misses the build
 * worker, which runs under bubblewrap's own init and is never waited for by bunseal. The polling costs
 * CPU a 2-core machine shares with the command, so runs that measure memory are not the timed ones.
 */
export async function timed(cmd: string[], cwd: string, options: { memory?: boolean } = {}): Promise<Sample> {
  const started = performance.now();
  const proc = Bun.spawn(cmd, { cwd, stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  let peakKb = 0;
  const poll = options.memory
    ? setInterval(() => {
        for (const pid of [proc.pid, ...descendants(proc.pid)]) peakKb = Math.max(peakKb, highWaterKb(pid));
      }, 25)
    : undefined;
  const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  clearInterval(poll);
  const wallMs = performance.now() - started;
  if (code !== 0) throw new Error(`${cmd.join(" ")} exited ${code}:\n${stderr}`);
  return { wallMs, maxRssKb: Math.max(peakKb, Number(proc.resourceUsage()?.maxRSS ?? 0) / 1024) };
}

/** Every process below `root`, from /proc's parent links (empty where there is no /proc). */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  for (const entry of entries) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone since the listing
    }
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) for (const child of children.get(queue.pop()!) ?? []) found.push(child), queue.push(child);
  return found;
}

/** A process's peak resident set (VmHWM), KiB; 0 once it has gone. */
function highWaterKb(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * The floor of `bunseal rebuild` (issue #12: "clone + frozen install + bare build"): the three
 * commands in the order they run, each with the folder it runs in. Nothing of bunseal's runs.
 */
export function rebuildFloor(repo: string, clone: string, config: any): { cmd: string[]; cwd: string }[] {
  return [
    { cmd: ["git", "clone", "-q", repo, clone], cwd: dirname(clone) },
    { cmd: [process.execPath, "install", "--frozen-lockfile", "--no-progress"], cwd: clone },
    { cmd: bareBuildCommand(config, join(clone, "dist")), cwd: clone },
  ];
}

/** The `bun build` command line equivalent to what bunseal runs for this project's config. */
export function bareBuildCommand(config: any, outdir: string): string[] {
  // several builds: one `bun build` each, in bunseal's order (sorted by name), each into its folder, as one timed command
  if (config.builds) {
    const quote = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`;
    const commands = Object.keys(config.builds)
      .sort()
      .map((name) => {
        const { entrypoints, ...build } = config.builds[name];
        return bareBuildCommand({ entrypoints, build }, `${outdir}/${name}`).map(quote).join(" ");
      });
    return ["/bin/sh", "-c", commands.join(" && ")];
  }
  const b = config.build ?? {};
  // glob entrypoints are expanded as the worker does (sorted, in the project folder)
  // an option the config leaves out is left out here too: the CLI's defaults are Bun.build's, as bunseal's are
  const cmd = [process.execPath, "build", ...config.entrypoints, "--outdir", outdir, ...(b.target ? [`--target=${b.target}`] : []), ...(b.format ? [`--format=${b.format}`] : [])];
  if (b.minify === true) cmd.push("--minify");
  else if (typeof b.minify === "object") {
    for (const [key, flag] of [["whitespace", "--minify-whitespace"], ["syntax", "--minify-syntax"], ["identifiers", "--minify-identifiers"], ["keepNames", "--keep-names"]] as const) if (b.minify[key]) cmd.push(flag);
  }
  if (b.bytecode) cmd.push("--bytecode");
  if (b.env !== undefined) cmd.push(`--env=${b.env}`);
  if (b.packages) cmd.push(`--packages=${b.packages}`);
  for (const c of typeof b.conditions === "string" ? [b.conditions] : (b.conditions ?? [])) cmd.push(`--conditions=${c}`);
  if (b.root !== undefined) cmd.push(`--root=${b.root}`);
  if (b.publicPath !== undefined) cmd.push(`--public-path=${b.publicPath}`);
  if (b.banner !== undefined) cmd.push(`--banner=${b.banner}`);
  if (b.footer !== undefined) cmd.push(`--footer=${b.footer}`);
  for (const d of b.drop ?? []) cmd.push(`--drop=${d}`);
  for (const [ext, loader] of Object.entries(b.loader ?? {})) cmd.push(`--loader=${ext}:${loader}`);
  const jsx = b.jsx ?? {};
  if (jsx.runtime) cmd.push(`--jsx-runtime=${jsx.runtime}`);
  if (jsx.factory) cmd.push(`--jsx-factory=${jsx.factory}`);
  if (jsx.fragment) cmd.push(`--jsx-fragment=${jsx.fragment}`);
  if (jsx.importSource) cmd.push(`--jsx-import-source=${jsx.importSource}`);
  if (jsx.sideEffects) cmd.push("--jsx-side-effects");
  if (typeof b.naming === "string") cmd.push(`--entry-naming=${b.naming}`);
  else if (b.naming) for (const kind of ["entry", "chunk", "asset"]) if (b.naming[kind]) cmd.push(`--${kind}-naming=${b.naming[kind]}`);
  // build.plugins has no CLI flag (a bare build runs without them); compile needs --outfile, not --outdir
  if (b.compile) {
    const target = typeof b.compile === "string" ? b.compile : b.compile.target;
    cmd.splice(cmd.indexOf("--outdir"), 2, "--compile", `--outfile=${outdir}/${typeof b.compile === "object" && b.compile.outfile ? b.compile.outfile : "app"}`);
    if (target) cmd.push(`--target=${target}`);
  }
  if (b.sourcemap && b.sourcemap !== "none") cmd.push(`--sourcemap=${b.sourcemap}`);
  if (b.splitting) cmd.push("--splitting");
  for (const e of b.external ?? []) cmd.push(`--external=${e}`);
  for (const [k, v] of Object.entries(b.define ?? {})) cmd.push(`--define=${k}=${v}`);
  // bunseal provides this module; a bare build can only leave it out.
  cmd.push("--external=bunseal:build-info");
  return cmd;
}
