/**
 * `bunseal init`, applied: read package.json, plan, and write bunseal.json
 * (atomically) unless one is there already or this is a dry run.
 */
import { existsSync, lstatSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { readTarFiles } from "../artifact/tar-read.ts";
import { CONFIG_FILE } from "../config/load.ts";
import type { ConfigInput } from "../config/schema.ts";
import { BunsealError } from "../errors.ts";
import { writeFileAtomic } from "../util/atomic-write.ts";
import { defaultContext, type Context } from "../context.ts";
import { currentBun } from "../runtime/bun-runtime.ts";
import { compareOutputs, type Comparison } from "./compare-outputs.ts";
import { findCopySources } from "./copy-sources.ts";
import { findBuilds } from "./find-builds.ts";
import { pickBuildScript } from "./pick-script.ts";
import { madeByCall, placeScriptMap } from "./place-script-maps.ts";
import { planInit } from "./plan-init.ts";
import { otherBuns, planWatched } from "./plan-watched.ts";
import type { Untranslated } from "./translation.ts";
import { watchBuild } from "./watch-build.ts";

export interface InitRequest {
  projectDir: string;
  /** replace an existing bunseal.json */
  force?: boolean;
  /** plan only: nothing is written */
  dryRun?: boolean;
}

export interface InitOutcome {
  config: ConfigInput;
  /** where the config is (or, in a dry run, would be) written */
  path: string;
  written: boolean;
  /** the project's .gitignore, when init added bunseal's out folder (`.bunseal/`) to it (or created it) */
  gitignored?: string;
  /** the script and command translated */
  script: string;
  command: string;
  untranslated: Untranslated[];
  /**
   * A build written in code (`bun build.ts`): the script was run in the sandbox with Bun.build
   * observed, and, unless this is a dry run, the config was built and its files compared with the script's
   */
  watched?: { script: string; comparison?: Comparison };
}

export async function initProject(request: InitRequest, ctx: Context = defaultContext()): Promise<InitOutcome> {
  const path = join(request.projectDir, CONFIG_FILE);
  const packagePath = join(request.projectDir, "package.json");
  // checked before anything is planned, so the refusal does not depend on the scripts
  if (!request.dryRun && !request.force && existsSync(path)) {
    throw new BunsealError("CONFIG_EXISTS", `${path} already exists; expected no ${CONFIG_FILE} (run with --force to replace it, or --dry-run to see the translation)`, { file: path, expected: `no ${CONFIG_FILE}`, found: "a file" });
  }
  const packageJson = await readPackageJson(packagePath);
  const choice = pickBuildScript(packageJson);
  if (choice.kind === "code") return initWatched(request, packageJson, choice.script, choice.command, path, ctx);
  // no script builds at all: a build file the project runs by hand (`bun build.ts`), run the same way and watched
  const file = findBuilds(packageJson).builds.length === 0 ? buildFileInCode(request.projectDir) : undefined;
  if (file !== undefined) return initWatched(request, packageJson, file, `bun ${file}`, path, ctx);
  const plan = planInit(packageJson);
  const text = `${JSON.stringify(plan.config, null, 2)}\n`;
  const ignore = ignoreOutFolder(request.projectDir);
  if (!request.dryRun) {
    await writeFileAtomic(path, text);
    if (ignore) await writeFileAtomic(ignore.path, ignore.text);
  }
  return { config: plan.config, path, written: !request.dryRun, ...(!request.dryRun && ignore ? { gitignored: ignore.path } : {}), script: plan.build.script, command: plan.build.text, untranslated: plan.untranslated };
}

/** Where projects keep a build written in code that no package.json script runs, in the order looked at. */
const BUILD_FILES = ["build.ts", "build.js", "build.mjs", "bun.build.ts", "bun.build.js", "scripts/build.ts", "scripts/build.js", "scripts/build.mjs"];

/**
 * The first of BUILD_FILES that is a plain file calling Bun.build; `bun run <file>` runs it.
 * Whether it builds is not taken from its name: it is run and watched, and a run that makes no
 * Bun.build call is BUILD_SCRIPT_NOT_FOUND as for a script.
 */
function buildFileInCode(projectDir: string): string | undefined {
  return BUILD_FILES.find((name) => {
    const stat = lstatSync(join(projectDir, name), { throwIfNoEntry: false });
    return stat?.isFile() === true && readFileSync(join(projectDir, name), "utf8").includes("Bun.build(");
  });
}

/** bunseal's default out folder (config `outDir`, `.bunseal/out`) and its other files live under it. */
const OUT_FOLDER = ".bunseal";
/** The .gitignore lines that ignore the project's `.bunseal` folder or all of its contents (git's spellings). */
const IGNORING = new Set(["", "/", "/*", "/**"].flatMap((tail) => [`${OUT_FOLDER}${tail}`, `/${OUT_FOLDER}${tail}`, `**/${OUT_FOLDER}${tail}`]));

/**
 * The project's .gitignore with `.bunseal/` added (created if there is none),
 * or undefined when its own lines ignore the folder already: every build
 * writes its artifact there, and an untracked folder of tars in `git status`
 * gets committed by someone.
 */
function ignoreOutFolder(projectDir: string): { path: string; text: string } | undefined {
  const path = join(projectDir, ".gitignore");
  const stat = lstatSync(path, { throwIfNoEntry: false });
  // a link is not followed: the project is not trusted, and its .gitignore pointing at a key would copy the key
  // into a file meant to be committed (git itself reads no symlinked .gitignore)
  if (stat && !stat.isFile()) {
    throw new BunsealError("INPUT_UNREADABLE", `${path}: expected a regular file, got ${stat.isSymbolicLink() ? "a symbolic link" : "something else"}; git reads no such .gitignore, so add ${OUT_FOLDER}/ to a real one`, { file: path, expected: "a regular file", found: stat.isSymbolicLink() ? "a symbolic link" : "not a file" });
  }
  const text = stat ? readFileSync(path, "utf8") : "";
  let ignored = false;
  for (const raw of text.split("\n")) {
    // git drops a line's trailing spaces (unless escaped) and its CR; leading spaces are part of the pattern
    const line = raw.replace(/\r$/, "").replace(/(?<!\\) +$/, "");
    if (IGNORING.has(line)) ignored = true;
    else if (line.startsWith("!") && IGNORING.has(line.slice(1))) ignored = false;
  }
  if (ignored) return undefined;
  return { path, text: `${text}${text === "" || text.endsWith("\n") ? "" : "\n"}${OUT_FOLDER}/\n` };
}

/**
 * The script is run and watched; the config made from it is written, then
 * built as `bunseal build --no-sign` would, and the artifact's files compared
 * with the script's. A config that does not build is taken back.
 */
async function initWatched(request: InitRequest, packageJson: unknown, script: string, command: string, path: string, ctx: Context): Promise<InitOutcome> {
  const name = (packageJson as { name?: unknown } | null)?.name;
  if (typeof name !== "string" || name === "") {
    throw new BunsealError("CONFIG_INVALID", 'package.json: expected a "name" to name the service after, got none', { file: "package.json", field: "name", expected: "a string" });
  }
  const { readHead } = await import("../source/git.ts");
  const repoRoot = await readHead(request.projectDir).then((head) => head.repoRoot, () => undefined);
  const bun = currentBun();
  const watched = await watchBuild({ projectDir: request.projectDir, repoRoot, script, bunPath: bun.path, host: ctx.env });
  try {
    const plan = planWatched({ service: name, script, events: await findCopySources(request.projectDir, watched.events, watched.written, ctx.env) });
    // a step after the bundle failed: the config holds what was bundled, and the user is told what did not run
    const failure = watched.failed ? [{ script, token: `exit ${watched.failed.code}`, reason: `${watched.failed.why}\n  the config is made from the Bun.build calls made before the failure` }] : [];
    const outcome: InitOutcome = { config: plan.config, path, written: false, script, command, untranslated: [...failure, ...otherBuns(watched.events, bun.version, request.projectDir, script), ...plan.untranslated], watched: { script } };
    if (request.dryRun) return outcome;
    const previous = existsSync(path) ? await Bun.file(path).text() : undefined;
    await writeFileAtomic(path, `${JSON.stringify(plan.config, null, 2)}\n`);
    const outDir = mkdtempSync(join(tmpdir(), "bunseal-init-build-"));
    try {
      // built as `bunseal build` will build it: with the Bun the project pins, so the comparison is the one the user gets
      const { buildArtifact } = await import("../pipeline/build.ts");
      const built = await buildArtifact({ projectDir: request.projectDir, outDir, allowDirty: true, followPin: true }, ctx);
      const actual = await readTarFiles(built.artifact.path);
      const expected = new Map<string, Uint8Array>();
      const unplaced = new Map<string, string>();
      // the script's files as it writes them in place: its maps' sources named the scratch folder
      const madeBy = madeByCall(watched.events);
      const where = { outRoot: watched.outRoot, projectDir: realpathSync(request.projectDir) };
      const take = async (artifactPath: string, written: string, file: string) => {
        const bytes = new Uint8Array(await Bun.file(file).arrayBuffer());
        const placed = placeScriptMap(bytes, written, madeBy.get(written), where);
        if (placed !== undefined && "unplaced" in placed) unplaced.set(artifactPath, placed.unplaced);
        expected.set(artifactPath, placed !== undefined && "bytes" in placed ? placed.bytes : bytes);
      };
      for (const [artifactPath, written] of plan.layout) {
        const file = watched.written.get(written);
        if (file !== undefined) await take(artifactPath, written, file);
      }
      // what else the script left in its out folder is part of what it ships: a file the config cannot make is named
      const mapped = new Set(plan.layout.values());
      for (const [written, file] of watched.written) {
        const inside = posix.relative(plan.root, written);
        if (!mapped.has(written) && inside !== "" && !inside.startsWith("..")) await take(inside, written, file);
      }
      // as for a translated command: every later build writes its artifact under .bunseal
      const ignore = ignoreOutFolder(request.projectDir);
      if (ignore) await writeFileAtomic(ignore.path, ignore.text);
      return { ...outcome, written: true, ...(ignore ? { gitignored: ignore.path } : {}), watched: { script, comparison: compareOutputs(expected, actual, unplaced) } };
    } catch (error) {
      // a config bunseal cannot build is not left behind as if it were the answer
      if (previous === undefined) rmSync(path, { force: true });
      else await writeFileAtomic(path, previous);
      throw error;
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  } finally {
    watched.cleanup();
  }
}

async function readPackageJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await Bun.file(path).text();
  } catch (cause) {
    throw new BunsealError("CONFIG_NOT_FOUND", `${path}: expected a package.json whose scripts run bun build, got none`, { file: path, expected: "package.json", cause });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new BunsealError("CONFIG_INVALID", `${path}: expected JSON, got ${(cause as Error).message}`, { file: path, expected: "JSON", cause });
  }
}
