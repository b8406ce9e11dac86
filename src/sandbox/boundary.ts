/**
 * The build's boundary, decided in one place: which files the build may see
 * and which it may write, whether it has a network, and the record of it all
 * that goes into the statement. The build stage carries it out (the argv
 * prefix); nothing else in bunseal widens or narrows it.
 */
import { existsSync, mkdtempSync, readdirSync, realpathSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import type { ReadScope } from "../inputs/read-inputs.ts";
import { straceCanWrap, traceArgv, traceAvailability } from "./read-trace.ts";
import { fanotifyTracer, fanotifyWorks, straceTracer, untraced, type ReadTracer, type TracerKind } from "./read-tracer.ts";
import { BunsealError } from "../errors.ts";
import type { Env } from "./child-env.ts";
import { handToSandbox, sandboxArgv, sandboxAvailability, sandboxIds, switchesUser, workerCode } from "./bwrap.ts";
import { layerProblem, openLayer, type WritableLayer } from "./writable-layer.ts";
import { hardLinksIn, hiddenPaths, ignoredEntries, isInside } from "./hidden-paths.ts";
import { TURNED_OFF, UNSANDBOXED_WARNING, sandboxUnavailableError } from "./unavailable.ts";
import { BUNDLE_DIR, OWN_ROOT } from "../release/own-script.ts";

export interface SandboxRecord {
  /** "bubblewrap" when the build ran in namespaces that enforce this boundary; "none" when it was turned off (`--no-sandbox`: where none can run, the build is refused instead) */
  kind: "bubblewrap" | "none";
  network: boolean;
  /** how every file the build opened was traced, so that reads outside the metafile are recorded: or "untraced" */
  reads: TracerKind;
  /** how the build's stat calls were traced, so that a file whose metadata alone it read is recorded (role "stat"): or "untraced"; absent with no sandbox */
  stats?: "strace" | "untraced";
  /** why there was no sandbox */
  reason?: string;
  /** where the build's writes went (src/sandbox/writable-layer.ts) */
  writes?: "layer" | "read-only";
}

export interface BoundaryInput {
  projectDir: string;
  /** the repository's top level, when the project is a git work tree */
  repoRoot?: string;
  /** bunseal's folders in the project, hidden whatever git says: the out folder, `.bunseal` */
  bunsealDirs: readonly string[];
  /** the one file the build may write: the tar the worker packs */
  tarPath: string;
  /**
   * Folders (absolute, existing, outside the project) the build may write whole: `bunseal init`'s
   * scratch out folder, where the observed build script's writes into the project are sent
   */
  writableDirs?: readonly string[];
  /** globs (relative to the project) of files outside the commit that belong to the build */
  extra: readonly string[];
  network: boolean;
  /** files that must stay unreadable wherever they lie: the signing key */
  deny: readonly string[];
  bunPath: string;
  host: Env;
  /** a tracer to use instead of the best available one (tests, measurements) */
  tracer?: TracerKind;
  /** no sandbox at all, by the caller's choice (`--no-sandbox`, measurements); recorded as kind "none" with the reason TURNED_OFF */
  off?: boolean;
  /** files outside the project the build may read (another platform's base executable for `compile`) */
  readable?: readonly string[];
  /** folders shown read-only at paths inside the repository instead of what the disk has there: a workspace sibling's outputs of this run */
  shownFrom?: readonly { from: string; at: string }[];
  /** the repository's ignored entries (src/sandbox/hidden-paths.ts ignoredEntries), listed early by a caller that knows HEAD, while it did other work */
  ignored?: Promise<string[]>;
  /** for check's `filesystem` variation: a copy of the build's root on another file system, shown at the root's path */
  rootFrom?: { path: string; packages: readonly string[] };
}

export interface Boundary {
  /** the command prefix that starts the worker inside the sandbox (and its tracer); empty when there is none */
  argv: string[];
  record: SandboxRecord;
  /** how the build's reads are traced */
  reads: ReadTracer;
  /** what the traced reads are judged against (src/inputs/read-inputs.ts) */
  scope: ReadScope;
  /** declared extra inputs found, relative to the project, sorted */
  extras: string[];
  warnings: string[];
  /** the writable layer the build sees the repository through: what it wrote is read from there once the sandbox is gone */
  layer?: WritableLayer;
  /** removes what the boundary made for the build (the layer); call once the sandbox is gone */
  release(): void;
}

const BUNSEAL_ROOT = OWN_ROOT;

export async function planBoundary(input: BoundaryInput): Promise<Boundary> {
  const extras = expandExtras(input.projectDir, input.extra);
  const available = input.off ? { reason: TURNED_OFF } : await sandboxAvailability();
  // bunseal's own code, shown to the sandbox: its bundles (dist/) when it runs as the package's, else its sources and their packages
  const code = [...(BUNDLE_DIR ? [BUNDLE_DIR] : workerCode(BUNSEAL_ROOT)), ...(input.readable ?? [])];
  const toolchain = [...code, dirname(realpathSync(input.bunPath))];
  if (!available.bwrap) {
    // fail closed: a build without its sandbox is only ever one that was asked for, and says so in its record
    if (!input.off) throw sandboxUnavailableError(available);
    const scope = { root: input.projectDir, projectDir: input.projectDir, hidden: [], toolchain };
    return { argv: [], record: { kind: "none", network: true, reads: "untraced", reason: TURNED_OFF }, reads: untraced, extras, scope, warnings: [UNSANDBOXED_WARNING], release: () => {} };
  }
  // A check copy of the project sits outside its repository: there the copy itself is the root.
  const inRepo = input.repoRoot !== undefined && isInside(input.repoRoot, input.projectDir) && existsSync(join(input.repoRoot, ".git"));
  const root = inRepo ? input.repoRoot! : input.projectDir;
  const ignored = inRepo ? await (input.ignored ?? ignoredEntries(root, input.host)) : [];
  const hidden = hiddenPaths(root, ignored, [...input.bunsealDirs, ...dotenvFiles(input.projectDir)]);
  // check's filesystem variation shows the project's own folder at the copy's path: its repository
  // (.git) is none of the copy's files, and a tool that reads it there (tailwind reads .git/info/exclude)
  // read what the copy has not
  if (input.rootFrom && existsSync(join(input.rootFrom.path, ".git")) && !existsSync(join(root, ".git"))) hidden.push({ path: join(root, ".git"), kind: "dir" });
  // the tar is the one file of the disk the build writes (the read trace is written from outside, by the tracer)
  const writable = [input.tarPath];
  const reveal = extras.map((path) => join(input.projectDir, path));
  // What is hidden is removed in the writable layer, where the build may make it anew; a folder with
  // something of the disk shown beneath it (the tar, a declared input, a sibling's outputs) keeps its mask.
  const shownBeneath = [...writable, ...reveal, ...(input.writableDirs ?? []), ...(input.shownFrom ?? []).map((s) => s.at)];
  const removed = hidden.filter((h) => !shownBeneath.some((path) => isInside(h.path, path)));
  const warnings: string[] = [];
  let layer: WritableLayer | undefined;
  try {
    layer = openLayer({ root, lower: input.rootFrom?.path ?? root, removed, runsAs: switchesUser() ? sandboxIds() : undefined });
  } catch (cause) {
    const problem = layerProblem(cause);
    if (problem === undefined) throw cause;
    warnings.push(`the build sees the repository read-only: its writable layer could not be made here (${problem}); a build that writes into the project fails`);
  }
  const masked = layer ? hidden.filter((h) => !removed.includes(h)) : hidden;
  // what is shown from elsewhere is no read of the disk's files there: its digests come with it
  // bunseal installed in the project (a devDependency) has its packages hoisted into the project's own
  // node_modules: those are the project's packages too, and the build's reads of them stay recorded
  const ownToolchain = toolchain.filter((path) => !isInside(root, path) || isInside(BUNSEAL_ROOT, path));
  const scope = { root, projectDir: input.projectDir, hidden: [...hidden.map((h) => h.path), ...(input.shownFrom ?? []).map((s) => s.at)], toolchain: ownToolchain, written: layer?.upper };
  let reads: ReadTracer;
  try {
    // the files the build writes and reads back lie in the layer's upper folder: traced there too
    reads = await chooseTracer([root, ...reveal, ...(layer ? [layer.upper] : [])], available.bwrap, input.projectDir, input.tracer);
  } catch (cause) {
    layer?.release();
    throw cause;
  }
  handToSandbox([...writable, ...(input.writableDirs ?? [])]);
  const keys = input.deny.filter((path) => existsSync(path)).map((path) => realpathSync(path));
  const argv = sandboxArgv(available.bwrap, {
    root,
    rootFrom: input.rootFrom,
    cwd: input.projectDir,
    hidden: masked,
    layer: layer ? { merged: layer.merged, removed } : undefined,
    reveal,
    shownFrom: input.shownFrom,
    writable,
    writableDirs: input.writableDirs,
    // a hard link to the key in the work tree is the key under another name
    deny: [...keys, ...hardLinksIn(root, keys)],
    bunPath: input.bunPath,
    code,
    network: input.network,
  });
  if (reads.kind === "untraced") warnings.push("reads outside the metafile are not recorded: tracing them needs root (fanotify) or strace (Debian package strace)");
  // a tracer wraps the sandbox from outside (strace -f follows bwrap and all below it), so what it writes is out of the build's reach
  return { argv: [...reads.argv, ...(layer?.argv ?? []), ...argv], record: { kind: "bubblewrap", network: input.network, reads: reads.kind, stats: reads.stats, writes: layer ? "layer" : "read-only" }, reads, extras, scope, warnings, layer, release: () => layer?.release() };
}

/**
 * Where strace writes: a folder of its own (0700) in this machine's temporary
 * folder, which the sandbox does not show (it gets an empty /tmp), never beside
 * the tar: a file the build can find and write is a record the build can empty.
 */
const traceFileFor = () => join(mkdtempSync(join(tmpdir(), "bunseal-reads-")), "reads");

async function chooseTracer(roots: string[], bwrap: string, cwd: string, wanted?: TracerKind): Promise<ReadTracer> {
  if (wanted === "untraced") return untraced;
  // as root, fanotify: it sees no stat call, and the record says so (src/sandbox/read-tracer.ts: why not strace beside it)
  if (wanted !== "strace" && fanotifyWorks(roots)) return fanotifyTracer(roots);
  const strace = await traceAvailability();
  if (!strace || !straceCanWrap(bwrap, process.getuid?.() ?? -1)) return untraced;
  const traceFile = traceFileFor();
  return straceTracer({ argv: traceArgv(strace, traceFile), traceFile, cwd });
}

/**
 * Bun's bundler loads the project's .env files into what macros see as
 * process.env, whatever the worker was started with (`--no-env-file` covers
 * the runtime, not Bun.build): committed or not, they are masked, so the
 * config's `env` list stays the only way a value reaches the build.
 */
function dotenvFiles(projectDir: string): string[] {
  return readdirSync(projectDir, { withFileTypes: true })
    .filter((entry) => /^\.env(?:\..+)?$/.test(entry.name) && (entry.isFile() || entry.isSymbolicLink()))
    .map((entry) => join(projectDir, entry.name));
}

/** Declared extra inputs: files only, inside the project, in a stable order. */
function expandExtras(projectDir: string, patterns: readonly string[]): string[] {
  const found = new Set<string>();
  patterns.forEach((pattern, index) => {
    const matched = extraMatches(projectDir, pattern);
    for (const path of matched) found.add(path);
    if (matched.length === 0) {
      throw new BunsealError("CONFIG_INVALID", `bunseal.json: inputs.extra[${index}] "${pattern}" matches no file; expected a glob that names files the build needs (generate them before the build)`, { file: "bunseal.json", field: `inputs.extra.${index}`, expected: "a glob matching at least one file", found: pattern });
    }
  });
  return [...found].sort();
}

/** The files one `inputs.extra` glob names: files only, inside the project, never of .git. */
function extraMatches(projectDir: string, pattern: string): string[] {
  const matched: string[] = [];
  for (const path of new Bun.Glob(pattern).scanSync({ cwd: projectDir, dot: true, onlyFiles: true, followSymlinks: false })) {
    const posix = path.split(sep).join("/");
    if (posix.startsWith(".git/") || relative(projectDir, join(projectDir, path)).startsWith("..")) continue;
    if (!statSync(join(projectDir, path)).isFile()) continue;
    matched.push(posix);
  }
  return matched;
}

/**
 * The `inputs.extra` globs that name no file in `projectDir`: for rebuild, whose
 * fresh checkout lacks what was made outside bunseal. There it is a finding
 * about the checkout (input-drift), not the CONFIG_INVALID a build gets.
 */
export function unmatchedExtras(projectDir: string, patterns: readonly string[]): { index: number; pattern: string }[] {
  return patterns.flatMap((pattern, index) => (extraMatches(projectDir, pattern).length === 0 ? [{ index, pattern }] : []));
}
