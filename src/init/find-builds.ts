/**
 * The `bun build` command lines a project's package.json scripts run: the
 * "build" script first, then the others in the order they are written,
 * following `bun run X`, `bun X`, `npm run X` (and yarn, pnpm) into script X,
 * and `bunx bun build` to the bundler. Pure: package.json in, commands out.
 */
import { splitScript, type ShellCommand } from "./shell-words.ts";

export interface FoundBuild {
  /** the script the command is written in */
  script: string;
  /** the scripts that led to it, from the one scanned (`["build", "build:web"]`) */
  via: string[];
  /** the words after `bun build` */
  args: string[];
  env: Record<string, string>;
  text: string;
  /** a `$VAR` or backquote in the command: its words are only known when it runs */
  expands: boolean;
}

export interface ScriptNote {
  script: string;
  /** the scripts that led to it, from the one scanned */
  via?: string[];
  token: string;
  reason: string;
}

export interface ScriptScan {
  builds: FoundBuild[];
  /** commands that run a build bunseal cannot read (a Bun.build script file) */
  notes: ScriptNote[];
}

const PACKAGE_RUNNERS = new Set(["npm", "pnpm", "yarn"]);
/** Flags of `bun` itself that may stand before its subcommand and take no value. */
const BUN_LEADING_FLAGS = new Set(["--bun", "-b", "--silent", "--no-install"]);
const SCRIPT_FILE = /\.(m|c)?(t|j)sx?$/;

export function scriptsOf(packageJson: unknown): Record<string, string> {
  const scripts = (packageJson as { scripts?: unknown } | null)?.scripts;
  if (typeof scripts !== "object" || scripts === null || Array.isArray(scripts)) return {};
  return Object.fromEntries(Object.entries(scripts).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
}

export function findBuilds(packageJson: unknown): ScriptScan {
  const scripts = scriptsOf(packageJson);
  const order = ["build", ...Object.keys(scripts).filter((name) => name !== "build")].filter((name) => name in scripts);
  const scan: ScriptScan = { builds: [], notes: [] };
  const seen = new Set<string>();
  for (const name of order) visit(scripts, name, [], seen, scan);
  return scan;
}

function visit(scripts: Record<string, string>, name: string, via: string[], seen: Set<string>, scan: ScriptScan): void {
  // each script once: a script reached from "build" is not reported again on its own, and a loop ends
  if (seen.has(name)) return;
  seen.add(name);
  const path = [...via, name];
  for (const command of splitScript(scripts[name]!)) {
    const step = classify(command, scripts);
    if (step.kind === "build") scan.builds.push({ script: name, via: path, args: step.args, env: command.env, text: command.text, expands: command.expands });
    else if (step.kind === "script") visit(scripts, step.name, path, seen, scan);
    // a file run from a build script is a build in code; from "dev" or "start" it is the app itself
    else if (step.kind === "file" && /^build/.test(path[0]!)) scan.notes.push({ script: name, via: path, token: command.text, reason: `runs ${step.file}, a build written in code (Bun.build in a script); bunseal cannot read its options: write build in bunseal.json by hand` });
  }
}

type Step = { kind: "build"; args: string[] } | { kind: "script"; name: string } | { kind: "file"; file: string } | { kind: "other" };

function classify(command: ShellCommand, scripts: Record<string, string>): Step {
  const [head, ...rest] = command.words;
  if (head === undefined) return { kind: "other" };
  const program = head.split("/").pop()!;
  if (program === "bunx") return bunx(rest, scripts);
  if (PACKAGE_RUNNERS.has(program)) {
    const args = rest[0] === "run" || rest[0] === "run-script" ? rest.slice(1) : rest;
    const target = args.find((a) => !a.startsWith("-"));
    return target !== undefined && target in scripts ? { kind: "script", name: target } : { kind: "other" };
  }
  if (program !== "bun") return { kind: "other" };
  let i = 0;
  while (rest[i] !== undefined && BUN_LEADING_FLAGS.has(rest[i]!)) i++;
  const sub = rest[i];
  if (sub === "build") return { kind: "build", args: rest.slice(i + 1) };
  if (sub === "x") return bunx(rest.slice(i + 1), scripts);
  const target = sub === "run" ? rest.slice(i + 1).find((a) => !a.startsWith("-")) : sub;
  if (target === undefined) return { kind: "other" };
  // `bun run X` and `bun X` run script X when there is one, else the file X
  if (target in scripts) return { kind: "script", name: target };
  if (SCRIPT_FILE.test(target)) return { kind: "file", file: target };
  return { kind: "other" };
}

/** `bunx bun build …` (or `bunx --bun bun build`): the bundler, through the package runner. */
function bunx(args: string[], scripts: Record<string, string>): Step {
  const at = args.findIndex((a) => !a.startsWith("-"));
  if (at === -1 || args[at]!.replace(/@.*$/, "") !== "bun") return { kind: "other" };
  return classify({ env: {}, words: ["bun", ...args.slice(at + 1)], text: "", expands: false }, scripts);
}
