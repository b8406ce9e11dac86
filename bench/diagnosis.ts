/**
 * The planted corpus through rebuild's and check's diagnosis (issues #10, #21):
 *
 *   bun bench/diagnosis.ts [--runs 5] [--only mtime,pid]
 *
 * For each source of test/helpers/corpus.ts: the original is built once,
 * provoked as the corpus says, then rebuilt `--runs` times and checked
 * `--runs` times. A run is right when the kinds it confirmed are exactly the
 * expected ones (none, and reproducible, for a control). Prints a markdown
 * table, then a summary line; exits 1 on any wrong confirmed cause, false
 * alarm or error, so "I don't know" (nothing confirmed) is only ever a miss.
 *
 * Reads only the reports' public fields, and tolerates what later versions
 * add: a cause without `confirmed` is a hypothesis; an experiment's `builds`
 * count is used when present (else the frozen-clock pair counts two); a
 * check `failure` of "baseline" is an error of the check, never a verdict.
 */
import { join } from "node:path";
import { loadPrivateKey } from "../src/sign/keys.ts";
import { keySigner } from "../src/sign/signer.ts";
import { buildOriginal, CORPUS, corpusRepo, type CorpusSource } from "../test/helpers/corpus.ts";
import { makeTempDir } from "../test/helpers/testdir.ts";
import { BUNSEAL } from "./lib.ts";

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const runs = Number(option("--runs") ?? 5);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: expected a whole number of at least 1, got ${option("--runs")}`);
const only = option("--only")?.split(",").filter(Boolean);
const unknown = (only ?? []).filter((name) => !CORPUS.some((s) => s.name === name));
if (unknown.length > 0) throw new Error(`--only: no source ${unknown.join(", ")}; expected some of ${CORPUS.map((s) => s.name).join(", ")}`);
const sources = only ? CORPUS.filter((s) => only.includes(s.name)) : CORPUS;
// a run that hangs is a finding, not a reason to wait forever
const RUN_TIMEOUT_MS = 300_000;

interface Cause {
  kind: string;
  confirmed?: boolean;
  file?: string | null;
}
interface Outcome {
  /** why the command gave no verdict (an error code, a timeout, a check whose baseline failed) */
  error?: string;
  reproducible: boolean;
  confirmed: string[];
  builds: number;
  /** what the experiments showed, or the check's trials, for the runs that were not right */
  detail?: string;
}

async function run(cmd: string[], env: Record<string, string> = {}): Promise<{ code: number | null; json?: Record<string, unknown>; stderr: string }> {
  const proc = Bun.spawn(cmd, { env: { ...process.env, ...env }, stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: RUN_TIMEOUT_MS });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  try {
    return { code, json: JSON.parse(stdout), stderr };
  } catch {
    return { code, stderr };
  }
}

function confirmedKinds(report: Record<string, unknown>): string[] {
  const causes = (report.causes ?? []) as Cause[];
  return [...new Set(causes.filter((c) => c.confirmed === true).map((c) => c.kind))].sort();
}

function failed(out: Awaited<ReturnType<typeof run>>): string | undefined {
  if (out.code === null) return `no answer within ${RUN_TIMEOUT_MS / 1000} s`;
  if (!out.json) return `exit ${out.code}, no JSON: ${out.stderr.trim().split("\n").at(-1)}`;
  const error = out.json.error as { code?: string; message?: string } | undefined;
  if (error) return `${error.code}: ${String(error.message).split("\n")[0]}`;
  if (out.code !== 0 && out.code !== 1) return `exit ${out.code}`;
  return undefined;
}

async function rebuildOnce(bundle: string, pub: string, source: CorpusSource): Promise<Outcome> {
  const out = await run([...BUNSEAL, "rebuild", bundle, "--key", pub, "--json"], source.rebuildEnv ?? source.env);
  const error = failed(out);
  if (error || !out.json) return { error, reproducible: false, confirmed: [], builds: 0 };
  const experiments = (out.json.experiments ?? []) as { name: string; builds?: number }[];
  // the rebuild's own build, then every experiment's
  const builds = 1 + experiments.reduce((n, e) => n + (typeof e.builds === "number" ? e.builds : e.name === "frozen-clock" ? 2 : 1), 0);
  const detail = experiments.map((e) => `${e.name}: ${(e as { showed?: string }).showed ?? "?"}`).join("; ");
  return { reproducible: out.json.reproducible === true, confirmed: confirmedKinds(out.json), builds, detail };
}

async function checkOnce(dir: string, source: CorpusSource): Promise<Outcome> {
  const out = await run([...BUNSEAL, "check", dir, "--json"], source.env);
  const error = failed(out) ?? (out.json?.failure === "baseline" ? "the baseline did not build" : undefined);
  if (error || !out.json) return { error, reproducible: false, confirmed: [], builds: 0 };
  const trials = (out.json.trials ?? []) as { label: string; identical: boolean; failed: boolean }[];
  const detail = `failure ${String(out.json.failure)}, culprits ${JSON.stringify(out.json.culprits ?? [])}; trials: ${trials.map((t) => `${t.label} ${t.failed ? "failed" : t.identical ? "same" : "differs"}`).join(", ")}`;
  return { reproducible: out.json.reproducible === true, confirmed: confirmedKinds(out.json), builds: Number(out.json.builds ?? 0), detail };
}

const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((k) => b.includes(k));
const right = (o: Outcome, expected: readonly string[]) => !o.error && o.reproducible === (expected.length === 0) && same(o.confirmed, expected);
const wrong = (o: Outcome, expected: readonly string[]) => o.confirmed.filter((k) => !expected.includes(k)).length;
// a control called not reproducible, or anything confirmed on it
const falseAlarm = (o: Outcome, expected: readonly string[]) => (expected.length === 0 && !o.error && (!o.reproducible || o.confirmed.length > 0) ? 1 : 0);

/** "random 5/5, timestamp 1/5", or what the runs said when nothing was confirmed */
function tally(outcomes: Outcome[]): string {
  const counts = new Map<string, number>();
  for (const o of outcomes) {
    const label = o.error ? "error" : o.confirmed.length > 0 ? undefined : o.reproducible ? "reproducible" : "nothing confirmed";
    for (const kind of label ? [label] : o.confirmed) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return [...counts].map(([kind, n]) => `${kind} ${n}/${outcomes.length}`).join(", ");
}
const range = (outcomes: Outcome[]) => {
  const builds = outcomes.filter((o) => !o.error).map((o) => o.builds);
  return builds.length === 0 ? "—" : Math.min(...builds) === Math.max(...builds) ? String(builds[0]) : `${Math.min(...builds)}–${Math.max(...builds)}`;
};
const expectedText = (kinds: readonly string[]) => (kinds.length === 0 ? "reproducible" : kinds.join(", "));

const keys = await makeTempDir("bunseal-bench-diagnosis-");
const started = performance.now();
let allRight = 0;
let wrongTotal = 0;
let alarmTotal = 0;
const errors: string[] = [];
const notRight: string[] = [];
try {
  await run([...BUNSEAL, "keygen", "--out", keys.path]);
  const signer = keySigner(await loadPrivateKey(join(keys.path, "bunseal.key")));
  const pub = join(keys.path, "bunseal.pub");
  console.log(`${runs} run(s) of rebuild and of check per source, Bun ${Bun.version}\n`);
  console.log("| source | rebuild: expected | rebuild: confirmed | rebuild right | check: expected | check: confirmed | check right | wrong confirmed | false alarms | builds (rebuild · check) | s |");
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const source of sources) {
    const began = performance.now();
    await using repo = await corpusRepo(source);
    // a source whose original cannot be provoked here (the user source needs root) is an error of its row, not the end of the table
    const original = await buildOriginal(source, repo, signer).catch((error: unknown) => {
      errors.push(`${source.name} original build: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
      console.log(`| \`${source.name}\` | ${expectedText(source.rebuild)} | original build failed | — | ${expectedText(source.check)} | — | — | — | — | — | — |`);
      return undefined;
    });
    if (!original) continue;
    const rebuilds: Outcome[] = [];
    const checks: Outcome[] = [];
    for (let i = 0; i < runs; i++) rebuilds.push(await rebuildOnce(original.bundle!.path, pub, source));
    for (let i = 0; i < runs; i++) checks.push(await checkOnce(repo.path, source));
    const rebuildRight = rebuilds.filter((o) => right(o, source.rebuild)).length;
    const checkRight = checks.filter((o) => right(o, source.check)).length;
    const wrongHere = rebuilds.reduce((n, o) => n + wrong(o, source.rebuild), 0) + checks.reduce((n, o) => n + wrong(o, source.check), 0);
    const alarms = rebuilds.reduce((n, o) => n + falseAlarm(o, source.rebuild), 0) + checks.reduce((n, o) => n + falseAlarm(o, source.check), 0);
    for (const [what, outcomes, expected] of [["rebuild", rebuilds, source.rebuild], ["check", checks, source.check]] as const) {
      outcomes.forEach((o, i) => {
        if (o.error) errors.push(`${source.name} ${what}: ${o.error}`);
        else if (!right(o, expected)) notRight.push(`${source.name} ${what} run ${i + 1}: ${o.reproducible ? "reproducible" : "not reproducible"}, confirmed [${o.confirmed.join(", ")}]; ${o.detail}`);
      });
    }
    if (rebuildRight === runs && checkRight === runs) allRight++;
    wrongTotal += wrongHere;
    alarmTotal += alarms;
    const seconds = ((performance.now() - began) / 1000).toFixed(0);
    console.log(`| \`${source.name}\`${source.added ? " (new)" : ""} | ${expectedText(source.rebuild)} | ${tally(rebuilds)} | ${rebuildRight}/${runs} | ${expectedText(source.check)} | ${tally(checks)} | ${checkRight}/${runs} | ${wrongHere} | ${alarms} | ${range(rebuilds)} · ${range(checks)} | ${seconds} |`);
  }
} finally {
  await keys.cleanup();
}
const minutes = ((performance.now() - started) / 60_000).toFixed(1);
console.log(`\nsources right ${runs}/${runs} (rebuild and check): ${allRight}/${sources.length} · wrong confirmed causes: ${wrongTotal} · false alarms: ${alarmTotal} · errors: ${errors.length} · ${minutes} min`);
for (const error of errors) console.log(`  error: ${error}`);
if (notRight.length > 0) console.log(`\nruns not right:\n${notRight.map((line) => `- ${line}`).join("\n")}`);
process.exit(wrongTotal > 0 || alarmTotal > 0 || errors.length > 0 ? 1 : 0);
