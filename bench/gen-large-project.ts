/**
 * Generates a synthetic Bun project for benchmarking bunseal's overhead over a
 * bare `bun build`:
 *
 *   bun bench/gen-large-project.ts DIR [--modules 10000]
 *
 * Module i imports modules 2i+1 and 2i+2 (module 0 is src/index.ts), so every
 * module is reachable and the bundler must visit all of them. Each module holds
 * ordinary application-shaped code (an interface, a class, a few functions,
 * string constants) and is used by its parent, so minification cannot drop it.
 * Output is a pure function of the module count: the same files, lockfile and
 * commit hash on every run, so timings from different runs compare like for like.
 */
import { existsSync, readdirSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { mulberry32 } from "../test/fuzz/mutate.ts";
import { git, gitCommitAll } from "../test/helpers/git.ts";

const USAGE = "usage: bun bench/gen-large-project.ts DIR [--modules 10000]";
const MODULES_PER_FOLDER = 100;
const NOUNS = ["invoice", "customer", "shipment", "order", "ledger", "coupon", "refund", "catalog", "session", "address", "payment", "review", "warehouse", "carrier", "tenant", "webhook"];
const VERBS = ["sync", "audit", "render", "price", "route", "merge", "index", "expire", "notify", "settle"];

/** A small seeded PRNG: varied code, identical on every run. */
const prng = mulberry32;

function modulePath(i: number): string {
  return i === 0 ? "src/index.ts" : `src/features/group-${Math.floor(i / MODULES_PER_FOLDER)}/module-${i}.ts`;
}

/** The import specifier of module `to` as written in module `from`. */
function specifier(from: number, to: number): string {
  const path = relative(dirname(modulePath(from)), modulePath(to));
  return path.startsWith(".") ? path : `./${path}`;
}

function moduleSource(i: number, total: number): string {
  const rand = prng(i + 1);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const noun = pick(NOUNS);
  const verb = pick(VERBS);
  const Noun = noun[0]!.toUpperCase() + noun.slice(1);
  const labels = [pick(NOUNS), pick(VERBS), pick(NOUNS), `${verb}-${i}`];
  const children = [2 * i + 1, 2 * i + 2].filter((c) => c < total);
  const imports = children.map((c) => `import { summarize${c} } from "${specifier(i, c)}";`);
  if (i === 0) imports.unshift(`import { formatReport } from "@large-project/shared";`);
  const childCalls = children.map((c) => `  total += summarize${c}(seed + ${c % 7});`);
  const multiplier = 3 + Math.floor(rand() * 90);
  const modulus = 1009 + Math.floor(rand() * 9000);
  return `${imports.join("\n")}${imports.length ? "\n\n" : ""}export const ROUTE_${i} = "/api/v1/${noun}/${verb}/${i}";
export const LABELS_${i} = ${JSON.stringify(labels)} as const;

export interface ${Noun}Record${i} {
  id: number;
  name: string;
  tags: readonly string[];
  score: number;
}

export class ${Noun}Store${i} {
  private readonly items = new Map<number, ${Noun}Record${i}>();
  add(record: ${Noun}Record${i}): this {
    this.items.set(record.id, record);
    return this;
  }
  top(limit = 2): ${Noun}Record${i}[] {
    return [...this.items.values()].sort((a, b) => b.score - a.score || a.id - b.id).slice(0, limit);
  }
}

export const normalize${i} = (input: string): string => input.trim().toLowerCase().replace(/[^a-z0-9]+/g, "-").slice(0, ${24 + (i % 16)});

export function score${i}(record: Pick<${Noun}Record${i}, "id" | "tags">): number {
  let total = record.id * ${multiplier};
  for (const tag of record.tags) total += tag.length * ${1 + (i % 13)};
  return total % ${modulus};
}

export function summarize${i}(seed: number): number {
  const store = new ${Noun}Store${i}();
  for (let n = 0; n < LABELS_${i}.length; n++) {
    const base = { id: seed + n, name: normalize${i}(\`\${LABELS_${i}[n]} \${seed}\`), tags: LABELS_${i} };
    store.add({ ...base, score: score${i}(base) });
  }
  ${children.length ? "let" : "const"} total = store.top().reduce((sum, r) => sum + r.score + r.name.length, ROUTE_${i}.length);
${childCalls.join("\n")}${childCalls.length ? "\n" : ""}  return total % ${modulus};
}
${i === 0 ? `\nif (import.meta.main) console.log(formatReport("large-project", summarize0(1)));\n` : ""}`;
}

function parseArgs(argv: string[]): { dir: string; modules: number } {
  let dir: string | undefined;
  let modules = 10_000;
  for (let k = 0; k < argv.length; k++) {
    const arg = argv[k]!;
    if (arg === "--modules") {
      modules = Number(argv[++k]);
      if (!Number.isInteger(modules) || modules < 1) throw new Error(`--modules: expected a positive integer, got ${argv[k]}\n${USAGE}`);
    } else if (arg.startsWith("-") || dir !== undefined) {
      throw new Error(`unexpected argument ${arg}\n${USAGE}`);
    } else dir = arg;
  }
  if (dir === undefined) throw new Error(USAGE);
  return { dir: resolve(dir), modules };
}

async function run(cmd: string[], cwd: string): Promise<void> {
  const proc = Bun.spawn(cmd, { cwd, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`${cmd.join(" ")} exited ${code}: ${stderr.trim()}`);
}

async function main(): Promise<void> {
  const { dir, modules } = parseArgs(Bun.argv.slice(2));
  // Refuse to write into a folder with content: generated files mixed with old ones would skew timings.
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new Error(`${dir}: expected a missing or empty folder`);

  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  const files = new Map<string, string>([
    // Bun deletes a lockfile that lists no packages ("No packages! Deleted empty lockfile"),
    // so a project with no dependencies has no bun.lock at all. A local workspace package
    // gives a real lockfile made by `bun install` while staying offline and deterministic.
    ["package.json", json({ name: "large-project", version: "1.0.0", private: true, type: "module", module: "src/index.ts", workspaces: ["packages/*"], dependencies: { "@large-project/shared": "workspace:*" } })],
    ["packages/shared/package.json", json({ name: "@large-project/shared", version: "1.0.0", private: true, type: "module", exports: "./src/index.ts" })],
    ["packages/shared/src/index.ts", 'export function formatReport(service: string, total: number): string {\n  return `${service}: checksum ${total.toString(16).padStart(8, "0")}`;\n}\n'],
    ["bunseal.json", json({ service: "large-project", entrypoints: ["src/index.ts"], build: { target: "bun", minify: true, sourcemap: "external" } })],
    [".gitignore", "node_modules/\n.bunseal/\n"],
  ]);
  let lines = 0;
  let bytes = 0;
  for (let i = 0; i < modules; i++) {
    const source = moduleSource(i, modules);
    lines += source.split("\n").length - 1;
    bytes += source.length;
    files.set(modulePath(i), source);
  }

  const folders = new Set([...files.keys()].map((p) => join(dir, p, "..")));
  for (const folder of folders) await mkdir(folder, { recursive: true });
  await Promise.all([...files].map(([path, text]) => Bun.write(join(dir, path), text)));

  // The lockfile comes from a real install, so it has exactly the form bun's --frozen-lockfile accepts.
  await run([process.execPath, "install", "--no-progress"], dir);
  await git(dir, ["init", "-q", "-b", "main"]);
  // No background `git gc --auto` after the commit: a clone made while it runs fails on the
  // loose objects it removes. The objects are packed below, in the foreground.
  await git(dir, ["config", "gc.auto", "0"]);
  const commit = await gitCommitAll(dir, `large-project: ${modules} modules`);
  await git(dir, ["gc", "--quiet"]);

  console.log(`${dir}`);
  console.log(`modules: ${modules} (${lines} lines, ${(bytes / 1e6).toFixed(1)} MB of TypeScript)`);
  console.log(`files committed: ${files.size + 1} (with bun.lock)`);
  console.log(`commit: ${commit}`);
}

await main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(2);
});
