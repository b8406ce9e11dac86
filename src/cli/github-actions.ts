/**
 * On GitHub Actions (`GITHUB_ACTIONS=true`), what a workflow step reads:
 * values in `GITHUB_OUTPUT` (`steps.<id>.outputs.digest`), a markdown summary
 * in `GITHUB_STEP_SUMMARY`, and `::error` annotations for failures. Written
 * beside the usual output, never instead of it; annotations go to stderr so
 * that `--json` on stdout stays one JSON value.
 */
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { writeErr } from "./streams.ts";

type Env = Readonly<Record<string, string | undefined>>;

export function onGitHubActions(env: Env = process.env): boolean {
  return env.GITHUB_ACTIONS === "true";
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
  appendFileSync(env.GITHUB_OUTPUT, lines.join(""));
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
  writeFileSync(temporary, Object.entries(keys).map(([k, v]) => `${k}=${v}\n`).join(""));
  renameSync(temporary, path);
}

export function appendSummary(markdown: string, env: Env = process.env): void {
  if (!onGitHubActions(env) || !env.GITHUB_STEP_SUMMARY) return;
  appendFileSync(env.GITHUB_STEP_SUMMARY, `${markdown.trimEnd()}\n\n`);
}

/** `::error title=…::message`, escaped as the workflow-command format says (%, CR, LF; and : , in properties). */
export function annotateError(title: string, message: string, env: Env = process.env): void {
  if (!onGitHubActions(env)) return;
  const data = message.replaceAll("%", "%25").replaceAll("\r", "%0D").replaceAll("\n", "%0A");
  const property = title.replaceAll("%", "%25").replaceAll("\r", "%0D").replaceAll("\n", "%0A").replaceAll(":", "%3A").replaceAll(",", "%2C");
  writeErr(`::error title=${property}::${data}\n`);
}

/** A markdown table cell: pipes and line breaks would break the table. */
export function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}
