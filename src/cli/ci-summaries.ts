/**
 * The GitHub job summaries of `build`, `rebuild` and `check`. Rebuild's and
 * check's: the verdict first, then what a reviewer acts on (the causes, the
 * culprits), then the diff, collapsed in a <details> so a long one does not
 * bury the verdict. Verify's lives beside its command.
 */
import type { CheckReport } from "../check/check.ts";
import type { BuildOutcome } from "../pipeline/build.ts";
import type { KeylessReceipt } from "../sign/keyless-signer.ts";
import type { Cause } from "../rebuild/cause.ts";
import type { FileDifference } from "../rebuild/compare.ts";
import type { RebuildReport } from "../rebuild/rebuild.ts";
import { cell } from "./github-actions.ts";
import { sandboxText, type SandboxView } from "./sandbox-text.ts";

/** Rekor instances whose entries the public search site shows. */
const PUBLIC_REKOR = new Set(["https://rekor.sigstore.dev"]);

/** Where the signature was logged: a link to the entry on the public log, else the log and the index. */
function logEntry(receipt: KeylessReceipt | undefined, signed: boolean): string {
  if (!receipt) return signed ? "none (signed with a key)" : "none (unsigned)";
  if (!receipt.rekorUrl) return "none (--no-tlog: timestamped by the TSA only)";
  const index = receipt.logIndex ?? "?";
  const entry = PUBLIC_REKOR.has(receipt.rekorUrl.replace(/\/+$/, "")) && receipt.logIndex ? `[entry ${index}](https://search.sigstore.dev/?logIndex=${index})` : `entry ${index}`;
  return `${cell(receipt.rekorUrl)}, ${receipt.rekorEntryType} ${entry}`;
}

/** What was built, from what, by whom, in which boundary, and where its signature is logged. */
export function buildSummary(result: BuildOutcome, keyless: KeylessReceipt | undefined, sandbox: SandboxView | undefined): string {
  const signer = keyless ? `${keyless.identity ?? "?"} (keyless, ${keyless.issuer ?? "?"})` : result.bundle ? "key" : "unsigned";
  return [
    `### bunseal build: ${cell(result.service)}`,
    "",
    "| | |",
    "| --- | --- |",
    `| artifact | \`${cell(result.artifact.path)}\` |`,
    `| digest | \`${result.artifact.digest}\` |`,
    `| commit | \`${result.commit}\`${result.dirty ? " (dirty)" : ""} |`,
    `| Bun | ${result.bun} |`,
    `| inputs | ${result.inputs} files, ${result.dependencies} locked packages |`,
    `| builder | ${cell(result.statementValue.predicate.runDetails.builder.id)} |`,
    `| signer | ${cell(signer)} |`,
    `| transparency log | ${logEntry(keyless, result.bundle !== undefined && result.bundle !== null)} |`,
    ...(keyless?.tsaUrl ? [`| timestamp | ${cell(keyless.tsaUrl)} |`] : []),
    // how the boundary was enforced, as signed: a build without its sandbox must not pass unsaid in the job's summary either
    ...(sandbox ? [`| sandbox | ${cell(sandboxText(sandbox))}${sandbox.kind === "none" ? " — verify refuses it unless --allow-unsandboxed" : ""} |`] : []),
  ].join("\n");
}

/** A fence longer than any run of backticks inside, so a diff cannot end the block early. */
function fenced(text: string, info = ""): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}${info}\n${text.trimEnd()}\n${fence}`;
}

function causeRows(causes: readonly Cause[]): string[] {
  if (causes.length === 0) return [];
  return ["", "| cause | file | evidence | confirmed |", "| --- | --- | --- | --- |", ...causes.map((c) => `| ${cell(c.kind)} | ${c.file ? `\`${cell(c.file)}\`` : ""} | ${cell(c.evidence)} | ${c.confirmed === undefined ? "" : c.confirmed ? "yes" : "no"} |`)];
}

/** At most three files' diffs, each collapsed; the JSON output has them all. */
function differenceDetails(differences: readonly FileDifference[]): string[] {
  const shown = differences.slice(0, 3);
  const lines: string[] = [];
  for (const d of shown) {
    const body = d.diff ?? d.hexDiff;
    const where = d.firstDifferenceAt !== undefined ? `, first at byte ${d.firstDifferenceAt}` : "";
    lines.push("", `<details><summary>${d.kind} <code>${cell(d.path).replaceAll("<", "&lt;")}</code>${where}</summary>`, "");
    if (body) lines.push(fenced(body.split("\n").slice(0, 200).join("\n"), d.diff ? "diff" : ""));
    else lines.push(`sizes ${d.size.original ?? "-"} → ${d.size.rebuilt ?? "-"} bytes`);
    lines.push("", "</details>");
  }
  if (differences.length > shown.length) lines.push("", `and ${differences.length - shown.length} more file(s); \`--json\` lists them all`);
  return lines;
}

export function rebuildSummary(report: RebuildReport): string {
  return [
    `### bunseal rebuild: ${report.reproducible ? "REPRODUCIBLE" : "NOT REPRODUCIBLE"}`,
    "",
    "| | |",
    "| --- | --- |",
    `| artifact | \`${cell(report.artifact.name)}\` |`,
    `| recorded | \`${report.artifact.recorded}\` |`,
    `| rebuilt | ${report.artifact.rebuilt === null ? "nothing: an input the original read is missing" : `\`${report.artifact.rebuilt}\``} |`,
    `| source | ${cell(report.source.uri)} at \`${report.source.commit}\` |`,
    `| Bun | recorded ${report.bun.recorded}, used ${report.bun.used} |`,
    `| sandbox | recorded ${cell(sandboxText(report.sandbox.recorded))}; rebuilt ${cell(sandboxText(report.sandbox.rebuilt))} |`,
    ...causeRows(report.causes),
    ...differenceDetails(report.differences),
    ...report.notes.map((n) => `\n> ${cell(n)}`),
  ].join("\n");
}

export function checkSummary(report: CheckReport): string {
  const verdict = report.reproducible ? "REPRODUCIBLE" : report.failure === "baseline" ? "THE BASELINE FAILED TO BUILD" : "NOT REPRODUCIBLE";
  return [
    `### bunseal check: ${verdict}`,
    "",
    report.reproducible
      ? `${report.builds} builds, all \`${report.baseline.digest}\``
      : report.failure === "baseline"
        ? `The baseline failed to build, so nothing was compared: ${cell(report.baseline.error?.message.split("\n")[0] ?? "")}`
      : report.failure === "same-environment"
        ? "The output changes between builds in the same environment."
        : `The output depends on: ${report.culprits.length > 0 ? report.culprits.map((c) => `**${c}**`).join(", ") : "a combination of variations"}.`,
    "",
    "| build | varied | result |",
    "| --- | --- | --- |",
    ...report.trials.map((t) => `| ${cell(t.label)} | ${cell(t.variations.join(", ") || "nothing")} | ${t.failed ? "build failed" : t.identical ? "same" : "**differs**"} |`),
    "",
    ...(report.sandbox ? [`Every build ran in sandbox ${cell(sandboxText(report.sandbox))}.`] : []),
    ...(report.unavailable.length > 0 ? ["", ...report.unavailable.map((u) => `- skipped ${u.variation}: ${cell(u.reason)}`)] : []),
    ...causeRows(report.causes),
    ...differenceDetails(report.differences),
  ].join("\n");
}
