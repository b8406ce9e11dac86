/**
 * A composite action run the way GitHub's runner runs it, for test/ci/: the metadata checked
 * against GitHub's metadata syntax (written here from docs.github.com's "Metadata syntax
 * reference", not copied from any schema), the action checked out into a folder of its own
 * (the files git tracks, no node_modules: what `uses: owner/bunseal@ref` downloads), each step's
 * `if:` and every `${{ }}` evaluated, each `run:` written to a file and run by
 * `bash --noprofile --norc -eo pipefail FILE` (the runner's template for `shell: bash`) in the
 * workspace, with a GITHUB_OUTPUT, GITHUB_ENV and GITHUB_PATH file per step and one
 * GITHUB_STEP_SUMMARY. Of the actions a step may `uses:`, actions/cache is a cache that misses
 * (its key is recorded, to be checked); any other is refused.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";
import { REPO_ROOT } from "./cli.ts";

const Input = z.strictObject({ description: z.string(), required: z.boolean().optional(), default: z.string().optional(), deprecationMessage: z.string().optional() });
const Output = z.strictObject({ description: z.string(), value: z.string() });
const RunStep = z.strictObject({ run: z.string(), shell: z.string(), id: z.string().optional(), if: z.string().optional(), name: z.string().optional(), env: z.record(z.string(), z.string()).optional(), "working-directory": z.string().optional(), "continue-on-error": z.union([z.boolean(), z.string()]).optional() });
const UsesStep = z.strictObject({ uses: z.string(), with: z.record(z.string(), z.string()).optional(), id: z.string().optional(), if: z.string().optional(), name: z.string().optional(), env: z.record(z.string(), z.string()).optional(), "continue-on-error": z.union([z.boolean(), z.string()]).optional() });
/** A composite action's metadata: name and description required; inputs, outputs (a value each), runs.using composite and its steps. */
export const CompositeAction = z.strictObject({
  name: z.string(),
  author: z.string().optional(),
  description: z.string(),
  inputs: z.record(z.string().regex(/^[A-Za-z_][\w-]*$/), Input).optional(),
  outputs: z.record(z.string().regex(/^[A-Za-z_][\w-]*$/), Output).optional(),
  runs: z.strictObject({ using: z.literal("composite"), steps: z.array(z.union([RunStep, UsesStep])).min(1) }),
  branding: z.strictObject({ icon: z.string().optional(), color: z.string().optional() }).optional(),
});
export type Action = z.infer<typeof CompositeAction>;

export function readAction(root = REPO_ROOT): Action {
  return CompositeAction.parse(Bun.YAML.parse(readFileSync(join(root, "action.yml"), "utf8")));
}

/** The action as `uses:` downloads it: the files git knows (tracked, or new and not ignored), nothing installed. */
export async function checkoutAction(into: string): Promise<string> {
  const proc = Bun.spawn(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: REPO_ROOT, stdout: "pipe" });
  const files = (await new Response(proc.stdout).text()).split("\0").filter(Boolean);
  if ((await proc.exited) !== 0) throw new Error("git ls-files failed");
  for (const file of files) {
    mkdirSync(dirname(join(into, file)), { recursive: true });
    try {
      cpSync(join(REPO_ROOT, file), join(into, file), { verbatimSymlinks: true });
    } catch (error) {
      // a file git still lists but the work tree deleted
      if ((error as { code?: string }).code !== "ENOENT") throw error;
    }
  }
  return into;
}

type Value = string | number | boolean | null | Record<string, unknown> | Value[];

/** GitHub's expression language, the part actions use: contexts, literals, ==, !=, !, &&, ||, ( ) and a few functions. */
export function evaluate(expression: string, contexts: Record<string, unknown>, functions: Record<string, (...args: Value[]) => Value>): Value {
  const tokens = expression.match(/'(?:[^']|'')*'|[A-Za-z_][\w-]*|\d+(?:\.\d+)?|==|!=|&&|\|\||[!().,\[\]*]/g) ?? [];
  let at = 0;
  const peek = () => tokens[at];
  const take = (want?: string) => {
    const t = tokens[at++];
    if (want !== undefined && t !== want) throw new Error(`expression ${expression}: expected ${want}, got ${t}`);
    return t!;
  };
  const truthy = (v: Value) => v !== null && v !== false && v !== 0 && v !== "" && v !== undefined;
  const loose = (a: Value, b: Value) => (typeof a === "string" && typeof b === "string" ? a.toLowerCase() === b.toLowerCase() : a === b);
  function primary(): Value {
    const t = take();
    if (t === "(") {
      const v = or();
      take(")");
      return v;
    }
    if (t === "!") return !truthy(primary());
    if (t.startsWith("'")) return t.slice(1, -1).replaceAll("''", "'");
    if (/^\d/.test(t)) return Number(t);
    if (t === "true" || t === "false") return t === "true";
    if (t === "null") return null;
    if (peek() === "(") {
      take("(");
      const args: Value[] = [];
      while (peek() !== ")") {
        args.push(or());
        if (peek() === ",") take(",");
      }
      take(")");
      const fn = functions[t.toLowerCase()];
      if (!fn) throw new Error(`expression ${expression}: no function ${t}`);
      return fn(...args);
    }
    let v = (contexts[t] ?? null) as Value;
    while (peek() === "." || peek() === "[") {
      if (take() === ".") v = ((v as Record<string, Value> | null)?.[take()] ?? null) as Value;
      else {
        const key = or();
        take("]");
        v = ((v as Record<string, Value> | null)?.[String(key)] ?? null) as Value;
      }
    }
    return v;
  }
  function compare(): Value {
    let v = primary();
    while (peek() === "==" || peek() === "!=") v = take() === "==" ? loose(v, primary()) : !loose(v, primary());
    return v;
  }
  function and(): Value {
    let v = compare();
    while (peek() === "&&") {
      take();
      const r = compare();
      v = truthy(v) ? r : v;
    }
    return v;
  }
  function or(): Value {
    let v = and();
    while (peek() === "||") {
      take();
      const r = and();
      v = truthy(v) ? v : r;
    }
    return v;
  }
  const value = or();
  if (at !== tokens.length) throw new Error(`expression ${expression}: unexpected ${tokens[at]}`);
  return value;
}

export interface RunnerContext {
  /** the action's folder (checkoutAction) */
  actionPath: string;
  workspace: string;
  /** RUNNER_TEMP; the step files go here too */
  temp: string;
  /** the runner's own variables, besides those set here (GITHUB_*, RUNNER_TEMP) */
  env?: Record<string, string>;
  /** the github context, over: repository acme/service, public, api.github.com */
  github?: Record<string, unknown>;
}

export interface StepRun {
  id: string;
  ran: boolean;
  code: number;
  env: Record<string, string>;
  outputs: Record<string, string>;
  /** a `uses:` step: what it was given */
  with?: Record<string, string>;
}

export interface ActionRun {
  /** the composite action's outcome: 0, or the first failing step's status */
  code: number;
  outputs: Record<string, string>;
  stdout: string;
  stderr: string;
  summary: string;
  steps: StepRun[];
}

/** Parses a GITHUB_OUTPUT or GITHUB_ENV file: `name=value` lines and `name<<DELIMITER` blocks. */
export function parseCommandFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const block = /^([^=<]+)<<(.+)$/.exec(line);
    if (block) {
      const end = lines.indexOf(block[2]!, i + 1);
      if (end < 0) throw new Error(`unterminated ${block[2]} in a command file`);
      values[block[1]!] = lines.slice(i + 1, end).join("\n");
      i = end;
    } else if (line.includes("=")) values[line.slice(0, line.indexOf("="))] = line.slice(line.indexOf("=") + 1);
    else if (line !== "") throw new Error(`a command file line that is neither name=value nor name<<DELIMITER: ${line}`);
  }
  return values;
}

export async function runAction(ctx: RunnerContext, inputs: Record<string, string>, afterStep?: (step: StepRun) => void): Promise<ActionRun> {
  const action = readAction(ctx.actionPath);
  for (const name of Object.keys(inputs)) if (!action.inputs?.[name]) throw new Error(`the action has no input ${name}`);
  const steps: Record<string, { outputs: Record<string, string>; outcome: string; conclusion: string }> = {};
  const summary = join(ctx.temp, `summary-${crypto.randomUUID()}.md`);
  writeFileSync(summary, "");
  let failed = 0;
  let extraEnv: Record<string, string> = {};
  let extraPath: string[] = [];
  const github = { action_path: ctx.actionPath, workspace: ctx.workspace, repository: "acme/service", server_url: "https://github.com", api_url: "https://api.github.com", token: "", event: { repository: { visibility: "public" } }, ...ctx.github } as Record<string, unknown> & { repository: string; api_url: string; server_url: string };
  // an input's default may be an expression of the github context (${{ github.token }})
  const defaultOf = (text: string) => text.replace(/\$\{\{(.*?)\}\}/gs, (_, e: string) => String(evaluate(e, { github }, {}) ?? ""));
  const values = Object.fromEntries(Object.entries(action.inputs ?? {}).map(([name, spec]) => [name, inputs[name] ?? defaultOf(spec.default ?? "")]));
  const runs: StepRun[] = [];
  let stdout = "";
  let stderr = "";
  for (const [index, step] of action.runs.steps.entries()) {
    const id = step.id ?? `__${index}`;
    const functions: Record<string, (...args: Value[]) => Value> = {
      always: () => true,
      success: () => failed === 0,
      failure: () => failed !== 0,
      cancelled: () => false,
      contains: (a, b) => (Array.isArray(a) ? a.includes(b) : String(a).toLowerCase().includes(String(b).toLowerCase())),
      startswith: (a, b) => String(a).toLowerCase().startsWith(String(b).toLowerCase()),
      format: (f, ...args) => String(f).replace(/\{(\d+)\}/g, (_, n: string) => String(args[Number(n)] ?? "")),
      hashfiles: (...patterns) => hashFiles(ctx.workspace, patterns.map(String)),
    };
    const contexts = { inputs: values, steps, github, runner: { temp: ctx.temp, os: "Linux", arch: "X64" }, env: { ...ctx.env, ...extraEnv } };
    const expand = (text: string) => text.replace(/\$\{\{(.*?)\}\}/gs, (_, e: string) => {
      const v = evaluate(e, contexts, functions);
      return v === null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
    });
    const condition = step.if === undefined ? "success()" : step.if.replace(/^\s*\$\{\{(.*)\}\}\s*$/s, "$1");
    // a condition without a status function is joined to success(), as the runner does
    const full = /\b(always|success|failure|cancelled)\(\)/.test(condition) ? condition : `success() && (${condition})`;
    const run: StepRun = { id, ran: false, code: 0, env: {}, outputs: {} };
    runs.push(run);
    if (evaluate(full, contexts, functions) === false || !truthyValue(evaluate(full, contexts, functions))) {
      steps[id] = { outputs: {}, outcome: "skipped", conclusion: "skipped" };
      continue;
    }
    run.ran = true;
    if ("uses" in step) {
      run.with = Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, expand(v)]));
      // a cache that misses: the step after it finds nothing restored
      if (!/^actions\/cache(\/restore)?@/.test(step.uses)) throw new Error(`the simulated runner does not run ${step.uses}`);
      run.outputs = { "cache-hit": "false" };
      steps[id] = { outputs: run.outputs, outcome: "success", conclusion: "success" };
      afterStep?.(run);
      continue;
    }
    if (step.shell !== "bash") throw new Error(`the simulated runner runs shell: bash only, got ${step.shell}`);
    const files = Object.fromEntries(["output", "env", "path"].map((f) => [f, join(ctx.temp, `${f}-${crypto.randomUUID()}`)]));
    for (const file of Object.values(files)) writeFileSync(file, "");
    const script = join(ctx.temp, `step-${crypto.randomUUID()}.sh`);
    writeFileSync(script, expand(step.run));
    run.env = {
      PATH: [...extraPath, ctx.env?.PATH ?? process.env.PATH!].join(":"),
      HOME: process.env.HOME ?? "/root",
      CI: "true",
      GITHUB_ACTIONS: "true",
      GITHUB_ACTION_PATH: ctx.actionPath,
      GITHUB_WORKSPACE: ctx.workspace,
      GITHUB_REPOSITORY: github.repository,
      GITHUB_API_URL: github.api_url,
      GITHUB_SERVER_URL: github.server_url,
      GITHUB_OUTPUT: files.output!,
      GITHUB_ENV: files.env!,
      GITHUB_PATH: files.path!,
      GITHUB_STEP_SUMMARY: summary,
      RUNNER_TEMP: ctx.temp,
      RUNNER_OS: "Linux",
      RUNNER_ARCH: "X64",
      ...ctx.env,
      ...extraEnv,
      ...Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, expand(v)])),
    };
    const cwd = step["working-directory"] ? join(ctx.workspace, expand(step["working-directory"])) : ctx.workspace;
    const proc = Bun.spawn(["bash", "--noprofile", "--norc", "-eo", "pipefail", script], { cwd, env: run.env, stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    stdout += out;
    stderr += err;
    run.code = code;
    run.outputs = parseCommandFile(readFileSync(files.output!, "utf8"));
    extraEnv = { ...extraEnv, ...parseCommandFile(readFileSync(files.env!, "utf8")) };
    extraPath = [...readFileSync(files.path!, "utf8").split("\n").filter(Boolean).reverse(), ...extraPath];
    const outcome = code === 0 ? "success" : "failure";
    steps[id] = { outputs: run.outputs, outcome, conclusion: outcome };
    if (code !== 0 && failed === 0) failed = code;
    afterStep?.(run);
  }
  const contexts = { inputs: values, steps, github, runner: { temp: ctx.temp }, env: {} };
  const outputs = Object.fromEntries(Object.entries(action.outputs ?? {}).map(([name, spec]) => [name, spec.value.replace(/\$\{\{(.*?)\}\}/gs, (_, e: string) => String(evaluate(e, contexts, {}) ?? ""))]));
  return { code: failed, outputs: failed === 0 ? outputs : {}, stdout, stderr, summary: readFileSync(summary, "utf8"), steps: runs };
}

function truthyValue(v: Value): boolean {
  return v !== null && v !== false && v !== 0 && v !== "";
}

/** hashFiles(): the sha256 of each matching file's sha256, in path order; '' when nothing matches. */
function hashFiles(root: string, patterns: string[]): string {
  const files = [...new Set(patterns.flatMap((p) => [...new Bun.Glob(p).scanSync({ cwd: root, onlyFiles: true })]))].sort();
  if (files.length === 0) return "";
  const all = new Bun.CryptoHasher("sha256");
  for (const f of files) all.update(new Bun.CryptoHasher("sha256").update(readFileSync(join(root, f))).digest());
  return all.digest("hex");
}
