/**
 * `bunseal init`, applied: read package.json, plan, and write bunseal.json
 * (atomically) unless one is there already or this is a dry run.
 */
import { existsSync } from "node:fs";
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
  if (!request.dryRun) await writeFileAtomic(path, text);
  return { config: plan.config, path, written: !request.dryRun, script: plan.build.script, command: plan.build.text, untranslated: plan.untranslated };
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
