/**
 * `bunseal init`, applied: read package.json, plan, and write bunseal.json
 * (atomically) unless one is there already or this is a dry run.
 */
import { existsSync, lstatSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CONFIG_FILE } from "../config/load.ts";
import type { ConfigInput } from "../config/schema.ts";
import { BunsealError } from "../errors.ts";
import { writeFileAtomic } from "../util/atomic-write.ts";
import { planInit } from "./plan-init.ts";
import type { Untranslated } from "./translation.ts";

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
}

export async function initProject(request: InitRequest): Promise<InitOutcome> {
  const path = join(request.projectDir, CONFIG_FILE);
  const packagePath = join(request.projectDir, "package.json");
  // checked before anything is planned, so the refusal does not depend on the scripts
  if (!request.dryRun && !request.force && existsSync(path)) {
    throw new BunsealError("CONFIG_EXISTS", `${path} already exists; expected no ${CONFIG_FILE} (run with --force to replace it, or --dry-run to see the translation)`, { file: path, expected: `no ${CONFIG_FILE}`, found: "a file" });
  }
  const plan = planInit(await readPackageJson(packagePath));
  const text = `${JSON.stringify(plan.config, null, 2)}\n`;
  const ignore = ignoreOutFolder(request.projectDir);
  if (!request.dryRun) {
    await writeFileAtomic(path, text);
    if (ignore) await writeFileAtomic(ignore.path, ignore.text);
  }
  return { config: plan.config, path, written: !request.dryRun, ...(!request.dryRun && ignore ? { gitignored: ignore.path } : {}), script: plan.build.script, command: plan.build.text, untranslated: plan.untranslated };
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
