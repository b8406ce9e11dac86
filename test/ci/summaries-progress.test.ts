/**
 * Issue #11, items 2 and 6: `check`'s job summary on GitHub Actions (verdict,
 * culprits, the diff collapsed), and the one updating progress line: drawn on
 * a terminal, never in a pipe, never with --json or --quiet. The terminal is a
 * real pseudo-terminal (util-linux `script`), not a flag that pretends.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { progressLine } from "../../src/cli/progress.ts";
import { cliCommand, runCli } from "../helpers/cli.ts";
import { plantedRepo } from "../helpers/fixture-repo.ts";
import type { GitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

let work: TestDir;
let timezone: GitRepo;
const CLEAR = "\r\x1b[2K";

beforeAll(async () => {
  work = await makeTempDir("bunseal-summaries-");
  timezone = await plantedRepo("timezone");
});
afterAll(async () => {
  await Promise.all([work?.cleanup(), timezone?.cleanup()]);
});

/** Runs the CLI with its stdin, stdout and stderr on a pseudo-terminal; returns what the terminal showed. */
async function onTerminal(args: string[]): Promise<{ exitCode: number; screen: string }> {
  const command = cliCommand(args).map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(" ");
  const proc = Bun.spawn(["script", "--quiet", "--return", "--command", command, "/dev/null"], { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
  const [screen, exitCode] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  return { exitCode, screen };
}

describe("check on GitHub Actions", () => {
  test("the summary gives the verdict, the culprit, each build and the diff collapsed; the failure is annotated", async () => {
    const summary = join(work.path, "check-summary.md");
    writeFileSync(summary, "");
    const out = await runCli(["check", timezone.path, "--runs", "2", "--vary", "timezone,locale", "--json"], { env: { GITHUB_ACTIONS: "true", GITHUB_STEP_SUMMARY: summary } });
    expect(out.exitCode).toBe(1);
    expect(out.json().culprits).toEqual(["timezone"]);
    const markdown = readFileSync(summary, "utf8");
    expect(markdown).toContain("### bunseal check: NOT REPRODUCIBLE");
    expect(markdown).toContain("The output depends on: **timezone**.");
    expect(markdown).toMatch(/\| timezone \| timezone \| \*\*differs\*\* \|/);
    expect(markdown).toMatch(/\| locale \| locale \| same \|/);
    // how every build was enclosed, from the baseline's statement
    expect(out.json().sandbox).toMatchObject({ kind: "bubblewrap", network: false });
    expect(markdown).toMatch(/Every build ran in sandbox bubblewrap, network off, reads (fanotify|strace|untraced)\./);
    expect(markdown).toContain("<details><summary>changed <code>index.js</code>");
    expect(markdown).toContain("```diff");
    expect(out.stderr).toContain("::error title=bunseal check::NOT REPRODUCIBLE: the output depends on timezone");
  }, 120_000);

  test("off GitHub Actions nothing is written", async () => {
    const summary = join(work.path, "untouched.md");
    writeFileSync(summary, "");
    const out = await runCli(["check", timezone.path, "--runs", "2", "--vary", "locale", "--json"], { env: { GITHUB_ACTIONS: "", GITHUB_STEP_SUMMARY: summary } });
    expect(out.exitCode).toBe(0);
    expect(readFileSync(summary, "utf8")).toBe("");
    expect(out.stderr).not.toContain("::error");
  }, 120_000);
});

describe("rebuild on GitHub Actions", () => {
  test("the summary gives the verdict, both digests, the causes and the diff collapsed; the failure is annotated", async () => {
    await using dateNow = await plantedRepo("date-now");
    const keys = join(work.path, "rebuild-keys");
    expect((await runCli(["keygen", "--out", keys])).exitCode).toBe(0);
    const built = await runCli(["build", dateNow.path, "--key", join(keys, "bunseal.key"), "--json"]);
    expect(built.exitCode).toBe(0);
    const summary = join(work.path, "rebuild-summary.md");
    writeFileSync(summary, "");
    const out = await runCli(["rebuild", built.json().bundle.path, "--key", join(keys, "bunseal.pub"), "--max-experiments", "1", "--json"], { env: { GITHUB_ACTIONS: "true", GITHUB_STEP_SUMMARY: summary } });
    expect(out.exitCode).toBe(1);
    const report = out.json();
    const markdown = readFileSync(summary, "utf8");
    expect(markdown).toContain("### bunseal rebuild: NOT REPRODUCIBLE");
    expect(markdown).toContain(`| recorded | \`${report.artifact.recorded}\` |`);
    expect(markdown).toContain(`| rebuilt | \`${report.artifact.rebuilt}\` |`);
    expect(report.sandbox.recorded).toMatchObject({ kind: "bubblewrap", network: false });
    expect(report.sandbox.rebuilt).toMatchObject({ kind: "bubblewrap", network: false });
    expect(markdown).toMatch(/\| sandbox \| recorded bubblewrap, network off, reads \w+; rebuilt bubblewrap, network off, reads \w+ \|/);
    expect(markdown).toContain("| cause | file | evidence | confirmed |");
    expect(markdown).toContain(`| ${report.causes[0].kind} |`);
    expect(markdown).toContain("<details><summary>changed <code>index.js</code>");
    expect(out.stderr).toContain("::error title=bunseal rebuild::NOT REPRODUCIBLE: ");
  }, 180_000);
});

describe("the progress line", () => {
  test("build on a terminal: the build, the attestation and the signing, then the report", async () => {
    const keys = join(work.path, "progress-keys");
    expect((await runCli(["keygen", "--out", keys])).exitCode).toBe(0);
    const { exitCode, screen } = await onTerminal(["build", timezone.path, "--key", join(keys, "bunseal.key"), "--out", join(work.path, "progress-out")]);
    expect(exitCode).toBe(0);
    expect(screen).toContain(`${CLEAR}⠋ bun build: timezone`);
    expect(screen).toContain("hashing inputs and attesting");
    expect(screen).toContain("signing");
    expect(screen.slice(screen.lastIndexOf(CLEAR) + CLEAR.length)).toMatch(/^timezone @ [0-9a-f]{12}, Bun [^\n]*\r\nartifact /);
  }, 120_000);

  test("on a terminal: the stages are drawn in place and cleared before the answer", async () => {
    const { exitCode, screen } = await onTerminal(["check", timezone.path, "--runs", "2", "--vary", "locale"]);
    expect(exitCode).toBe(0);
    expect(screen).toContain(`${CLEAR}⠋ check baseline: bun build: timezone`);
    expect(screen).toContain("check repeat-1: bun build: timezone");
    expect(screen).toContain("check all-variations: bun build: timezone");
    // the verdict comes after the last clear, on a clean line
    expect(screen.slice(screen.lastIndexOf(CLEAR) + CLEAR.length)).toMatch(/^\s*REPRODUCIBLE: 3 builds/);
  }, 120_000);

  test("on a terminal with --json or --quiet: no line", async () => {
    for (const flag of ["--json", "--quiet"]) {
      const { exitCode, screen } = await onTerminal(["check", timezone.path, "--runs", "2", "--vary", "locale", flag]);
      expect(exitCode).toBe(0);
      expect(screen).not.toContain(CLEAR);
      expect(screen).not.toContain("bun build: timezone");
    }
  }, 120_000);

  test("in a pipe: the stage messages as lines, and no line drawing", async () => {
    const out = await runCli(["check", timezone.path, "--runs", "2", "--vary", "locale"]);
    expect(out.exitCode).toBe(0);
    expect(out.stderr).toContain("check: baseline build\n");
    expect(out.stderr).not.toContain("\r");
    expect(out.stderr).not.toContain("\x1b");
  }, 120_000);

  test("the line: redrawn with the elapsed time, messages printed whole between draws, cleared at stop", () => {
    const written: string[] = [];
    let clock = 0;
    const line = progressLine({ stream: { isTTY: true, write: (t: string) => written.push(t) }, now: () => clock, intervalMs: 60_000 });
    line.stage("installing");
    clock = 2500;
    line.log("warning: something");
    line.stop();
    expect(written).toEqual([`${CLEAR}⠋ installing  0.0s`, CLEAR, "warning: something\n", `${CLEAR}⠙ installing  2.5s`, CLEAR]);
  });

  test("--quiet drops the stage lines but never a warning; --json drops both", async () => {
    const { commandProgress } = await import("../../src/cli/progress.ts");
    for (const [flags, expected] of [[{ quiet: true }, ["warning: no sandbox: …\n"]], [{ json: true }, []], [{ json: true, quiet: true }, []]] as const) {
      const written: string[] = [];
      const progress = commandProgress(flags, { isTTY: true, write: (t: string) => written.push(t) });
      progress.context.progress("bun build: x");
      progress.context.log("building x at abc");
      progress.context.log("warning: no sandbox: …");
      progress.stop();
      expect(written).toEqual([...expected]);
    }
  });

  test("not a terminal: messages only; silent: nothing", () => {
    const piped: string[] = [];
    const line = progressLine({ stream: { isTTY: false, write: (t: string) => piped.push(t) } });
    line.stage("installing");
    line.log("a message");
    line.stop();
    expect(piped).toEqual(["a message\n"]);
    const quiet: string[] = [];
    const silent = progressLine({ silent: true, stream: { isTTY: true, write: (t: string) => quiet.push(t) } });
    silent.stage("x");
    silent.log("y");
    silent.stop();
    expect(quiet).toEqual([]);
  });
});
