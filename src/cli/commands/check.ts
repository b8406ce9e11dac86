import type { Command } from "commander";
import { parseTimeout } from "../timeout-option.ts";
import { warnUnsandboxed } from "../unsandboxed-warning.ts";
import { sandboxText } from "../sandbox-text.ts";
import { printJson, printLines } from "../output.ts";
import { commandProgress } from "../progress.ts";
import { annotateError, appendSummary, onGitHubActions } from "../github-actions.ts";

interface CheckFlags {
  runs?: string;
  vary?: string;
  timeout?: string;
  json?: boolean;
  quiet?: boolean;
  /** false with --no-sandbox */
  sandbox?: boolean;
}

export function registerCheck(program: Command, setExit: (code: number) => void): void {
  program
    .command("check")
    .description("build the project repeatedly, then under varied environments, and name what its output depends on")
    .argument("[dir]", "the project folder", ".")
    .option("--runs <n>", "builds in the same environment, the first included (default 3)")
    .option("--vary <list>", "comma-separated variations to try (default: all this machine can run): build-path, file-order, filesystem, mtime, clock, timezone, locale, umask, env, hostname, user, install")
    .option("--timeout <seconds>", "stop any one build that runs longer than this (default 900)")
    .option("--no-sandbox", "build without the sandbox where none can run (each build recorded as sandbox.kind \"none\")")
    .option("--json", "print one JSON object")
    .option("--quiet", "no progress on stderr: neither the stage lines nor the updating line on a terminal (warnings still show)")
    .action(async (dir: string, flags: CheckFlags) => {
      // asked now, while check loads: the answer is awaited before anything is copied or built
      if (flags.sandbox !== false) void import("../../sandbox/bwrap.ts").then((m) => m.sandboxAvailability());
      const [{ checkProject }, { VARIATION_NAMES }, { defaultContext }, { BunsealError }] = await Promise.all([import("../../check/check.ts"), import("../../check/variations.ts"), import("../../context.ts"), import("../../errors.ts")]);
      const runs = flags.runs === undefined ? undefined : Number(flags.runs);
      if (runs !== undefined && (!Number.isInteger(runs) || runs < 2 || runs > 50)) {
        throw new BunsealError("USAGE", `--runs: expected a whole number from 2 to 50, got ${JSON.stringify(flags.runs)}`, { field: "--runs", expected: "2..50", found: flags.runs });
      }
      const vary = flags.vary?.split(",").map((v) => v.trim()).filter((v) => v !== "");
      const unknown = vary?.filter((v) => !(VARIATION_NAMES as readonly string[]).includes(v)) ?? [];
      if (unknown.length > 0) {
        throw new BunsealError("USAGE", `--vary: unknown variation ${unknown.join(", ")}; expected some of ${VARIATION_NAMES.join(", ")}`, { field: "--vary", expected: VARIATION_NAMES.join(", "), found: unknown.join(", ") });
      }
      const progress = commandProgress(flags);
      const ctx = defaultContext(progress.context);
      warnUnsandboxed(flags, false);
      const report = await checkProject({ projectDir: dir, runs, vary: vary as never, timeoutMs: parseTimeout(flags.timeout), sandbox: flags.sandbox === false ? false : undefined }, ctx).finally(() => progress.stop());
      if (flags.json) printJson(report);
      else printLines(render(report));
      if (onGitHubActions()) {
        appendSummary((await import("../ci-summaries.ts")).checkSummary(report));
        if (!report.reproducible) annotateError("bunseal check", render(report)[0]!);
      }
      // a baseline that does not build is exit 1 too (the check ran and could not say yes), told apart by its words and `failure`
      setExit(report.reproducible ? 0 : 1);
    });
}

function render(report: Awaited<ReturnType<typeof import("../../check/check.ts").checkProject>>): string[] {
  if (report.failure === "baseline") {
    const error = report.baseline.error;
    return [`BASELINE FAILED: the project does not build as it is, so nothing was compared${error?.code ? ` (${error.code})` : ""}`, ...(error?.message ?? "").trimEnd().split("\n").slice(0, 12).map((l) => `  ${l}`)];
  }
  const lines = [
    report.reproducible
      ? `REPRODUCIBLE: ${report.builds} builds, all ${report.baseline.digest}`
      : report.failure === "same-environment"
        ? `NOT REPRODUCIBLE: the output changes between builds in the same environment${report.culprits.length > 0 ? `; and ${culpritLine(report)}` : ""}`
        : `NOT REPRODUCIBLE: ${culpritLine(report)}`,
  ];
  for (const trial of report.trials) {
    const placed = trial.changedWhereStable === undefined || trial.identical ? "" : trial.changedWhereStable.length > 0 ? ` (changed where unvaried builds agree: ${trial.changedWhereStable.join(", ")})` : " (only where unvaried builds differ too)";
    lines.push(`  ${trial.failed ? "FAIL" : trial.identical ? "same" : "DIFF"}  ${trial.label}${trial.variations.length > 1 ? ` (${trial.variations.join(", ")})` : ""}${placed}`);
    if (trial.error) lines.push(...trial.error.message.trimEnd().split("\n").slice(0, 6).map((l) => `        ${l}`));
  }
  if (report.sandbox) lines.push(`  sandbox ${sandboxText(report.sandbox)} (every build)`);
  for (const u of report.unavailable) lines.push(`  skipped ${u.variation}: ${u.reason}`);
  if (report.causes.length > 0) {
    lines.push("causes");
    // ✓: an experiment that varied this factor showed it; "?": a byte pattern, a hypothesis only
    for (const cause of report.causes) lines.push(`  ${cause.confirmed ? "✓" : "?"} ${cause.kind}${cause.file ? ` in ${cause.file}` : ""}: ${cause.confirmed && cause.experiment ? cause.experiment : cause.evidence}`);
  }
  for (const d of report.differences.slice(0, 3)) {
    lines.push(`  ${d.kind} ${d.path}${d.firstDifferenceAt !== undefined ? `, first at byte ${d.firstDifferenceAt}` : ""}${d.origin ? `, from ${d.origin.input}:${d.origin.line}` : ""}`);
    if (d.diff) lines.push(...d.diff.trimEnd().split("\n").slice(0, 20).map((l) => `    ${l}`));
  }
  return lines;
}

/** Variations whose build failed are named apart from those that changed the output. */
function culpritLine(report: Awaited<ReturnType<typeof import("../../check/check.ts").checkProject>>): string {
  if (report.culprits.length === 0) return `the output depends on a combination of variations${report.trials.some((t) => t.failed) ? " (the build fails with all of them at once)" : ""}`;
  const failed = new Set(report.trials.filter((t) => t.failed && t.variations.length === 1).map((t) => t.variations[0]));
  const changed = report.culprits.filter((c) => !failed.has(c));
  const failing = report.culprits.filter((c) => failed.has(c));
  return [changed.length > 0 ? `the output depends on ${changed.join(", ")}` : "", failing.length > 0 ? `the build fails under ${failing.join(", ")}` : ""].filter((s) => s !== "").join("; ");
}
