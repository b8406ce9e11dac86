/**
 * On GitHub Actions (`GITHUB_ACTIONS=true`), what a workflow step reads:
 * values in `GITHUB_OUTPUT` (`steps.<id>.outputs.digest`), a markdown summary
 * in `GITHUB_STEP_SUMMARY`, and `::error` annotations for failures. Written
 * beside the usual output, never instead of it; annotations go to stderr so
 * that `--json` on stdout stays one JSON value.
 */
import { appendFileSync, closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { BunsealError } from "../errors.ts";
import { writeErr } from "./streams.ts";

type Env = Readonly<Record<string, string | undefined>>;

export function onGitHubActions(env: Env = process.env): boolean {
  return env.GITHUB_ACTIONS === "true";
}

/** The files this run's CI reads back from bunseal, each named by the variable that gave it. */
function ciFiles(env: Env): { variable: string; path: string; replaced: boolean }[] {
  const files: { variable: string; path: string; replaced: boolean }[] = [];
  if (onGitHubActions(env)) {
    for (const variable of ["GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"]) if (env[variable]) files.push({ variable, path: env[variable]!, replaced: false });
  }
  if (env.GITLAB_CI === "true") files.push({ variable: "BUNSEAL_DOTENV", path: env.BUNSEAL_DOTENV || "bunseal.env", replaced: true });
  return files;
}

function unwritable(variable: string, path: string, cause: unknown): BunsealError {
  const reason = (cause as { code?: string; message?: string }).code ?? (cause as Error).message;
  return new BunsealError("CI_OUTPUT_UNWRITABLE", `${variable}=${path} cannot be written (${reason}); expected a file this user can write, where the CI reads the step's results`, { file: path, field: variable, expected: "a writable file", cause });
}

/**
 * That every file the CI reads back can be written, tried as it will be written (appended to;
 * the dotenv's temporary beside it), before anything is built: a build whose results cannot be
 * handed on would otherwise sign and leave a tar and a bundle no later step knows of.
 */
export function checkCiFiles(env: Env = process.env): void {
  for (const { variable, path, replaced } of ciFiles(env)) {
    const probe = replaced ? `${path}.${process.pid}.tmp` : path;
    try {
      // renamed over, a folder stays: the temporary alone would say yes
      if (replaced && statSync(path, { throwIfNoEntry: false })?.isDirectory()) throw Object.assign(new Error("a folder"), { code: "EISDIR" });
      closeSync(openSync(probe, replaced ? "w" : "a"));
      if (replaced) rmSync(probe);
    } catch (error) {
      throw unwritable(variable, path, error);
    }
  }
}

/** `name=value` lines; a value with a line break is written with a delimiter, as GitHub's format requires. */
export function writeOutputs(values: Record<string, string>, env: Env = process.env): void {
  writeDotenv(values, env);
  if (!onGitHubActions(env) || !env.GITHUB_OUTPUT) return;
  const lines = Object.entries(values).map(([name, value]) => {
    if (!value.includes("\n")) return `${name}=${value}\n`;
    const delimiter = `bunseal_${crypto.randomUUID()}`;
    return `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
  });
  try {
    appendFileSync(env.GITHUB_OUTPUT, lines.join(""));
  } catch (error) {
    throw unwritable("GITHUB_OUTPUT", env.GITHUB_OUTPUT, error);
  }
}

/**
 * On GitLab CI (`GITLAB_CI=true`): the same values as a dotenv report
 * (`artifacts: reports: dotenv: bunseal.env`), upper-cased with `-` as `_`,
 * for later jobs' variables. The file is `$BUNSEAL_DOTENV`, else `bunseal.env`
 * in the job's folder; each command replaces the keys it writes.
 */
export function writeDotenv(values: Record<string, string>, env: Env = process.env): void {
  if (env.GITLAB_CI !== "true") return;
  const path = env.BUNSEAL_DOTENV || "bunseal.env";
  const current = existsSync(path) ? readFileSync(path, "utf8").split("\n").filter((l) => l.includes("=")) : [];
  const keys = Object.fromEntries(current.map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
  for (const [name, value] of Object.entries(values)) keys[name.toUpperCase().replaceAll("-", "_")] = value.replaceAll("\n", " ");
  // under a temporary name, then renamed: a later job never reads half a report
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, Object.entries(keys).map(([k, v]) => `${k}=${v}\n`).join(""));
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw unwritable("BUNSEAL_DOTENV", path, error);
  }
}

export function appendSummary(markdown: string, env: Env = process.env): void {
  if (!onGitHubActions(env) || !env.GITHUB_STEP_SUMMARY) return;
  try {
    appendFileSync(env.GITHUB_STEP_SUMMARY, `${markdown.trimEnd()}\n\n`);
  } catch (error) {
    throw unwritable("GITHUB_STEP_SUMMARY", env.GITHUB_STEP_SUMMARY, error);
  }
}

/** `::error title=…::message`, escaped as the workflow-command format says (%, CR, LF; and : , in properties). */
export function annotateError(title: string, message: string, env: Env = process.env): void {
  if (!onGitHubActions(env)) return;
  const data = message.replaceAll("%", "%25").replaceAll("\r", "%0D").replaceAll("\n", "%0A");
  const property = title.replaceAll("%", "%25").replaceAll("\r", "%0D").replaceAll("\n", "%0A").replaceAll(":", "%3A").replaceAll(",", "%2C");
  writeErr(`::error title=${property}::${data}\n`);
}

/**
 * A command that failed still leaves its summary: the job's page shows what stopped it, not
 * nothing (a failed build wrote none). Best effort: the summary file may be what failed.
 */
export function summarizeFailure(command: string, code: string, message: string, env: Env = process.env): void {
  try {
    appendSummary([`### bunseal ${command}: FAILED`, "", "| | |", "| --- | --- |", `| code | ${code} |`, `| message | ${cell(message)} |`].join("\n"), env);
  } catch {
    // CI_OUTPUT_UNWRITABLE for the summary itself: the error is told on stderr already
  }
}

/** A markdown table cell: pipes and line breaks would break the table. */
export function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}
