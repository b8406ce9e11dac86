import type { Command } from "commander";
import { BunsealError } from "../../errors.ts";
import { resolve } from "node:path";
import { collect, printJson, printLines } from "../output.ts";
import { writeErr } from "../streams.ts";
import { commandProgress } from "../progress.ts";
import { annotateError, appendSummary, onGitHubActions } from "../github-actions.ts";
import { parseTimeout } from "../timeout-option.ts";
import { warnUnsandboxed } from "../unsandboxed-warning.ts";
import { sandboxText } from "../sandbox-text.ts";
import { trustFromFlags, trustOptions, type TrustFlags } from "../trust-flags.ts";

interface RebuildFlags extends TrustFlags {
  source?: string;
  artifact?: string;
  key: string[];
  keep?: boolean;
  allowDirty?: boolean;
  bun?: string;
  diffoscope?: string;
  timeout?: string;
  maxExperiments?: string;
  json?: boolean;
  quiet?: boolean;
  store?: string | boolean;
  /** false with --no-sandbox */
  sandbox?: boolean;
  allowUnsandboxed?: boolean;
}

export function registerRebuild(program: Command, setExit: (code: number) => void): void {
  trustOptions(
    program
      .command("rebuild")
      .description("rebuild an artifact from the commit its attestation records, and explain any difference")
      .argument("<bundle>", "the artifact's Sigstore bundle (FILE.sigstore.json)")
      .option("--source <dir|url>", "clone from here instead of the recorded source: a URL, or the repository or any folder in it")
      .option("--artifact <file>", "the original artifact, for a byte-level comparison (default: beside the bundle)")
      .option("--key <file>", "a public key trusted to have signed the original (repeatable); a private key given here signs a rebuild attestation when the artifact reproduces", collect, [])
      .option("--allow-dirty", "rebuild an artifact recorded as built from a dirty work tree")
      .option("--allow-unsandboxed", "rebuild an artifact recorded as built without its sandbox (sandbox.kind \"none\", or no sandbox record)")
      .option("--no-sandbox", "rebuild without the sandbox where none can run (recorded as sandbox.kind \"none\")")
      .option("--bun <path>", "build with this Bun binary instead of the recorded version")
      .option("--keep", "keep the temporary checkout and print where it is")
      .option("--diffoscope <file>", "also write a diffoscope-format JSON report")
      .option("--max-experiments <n>", "at most this many extra builds to confirm why the bytes differ (default 12; 0 for none)")
      .option("--timeout <seconds>", "stop the build if it runs longer than this (default 900)"),
    "the original",
  )
    .option("--json", "print one JSON object")
    .option("--quiet", "no progress on stderr: neither the stage lines nor the updating line on a terminal (warnings still show)")
    .option("--store [spec]", "record the verdict and its causes in the store, for trace (sqlite:PATH, a path, or postgres://…; default $BUNSEAL_STORE, else ~/.bunseal/store.db)")
    .action(async (bundlePath: string, flags: RebuildFlags) => {
      // asked now, while the rebuild and the keys load: the answer is awaited before anything is cloned
      if (flags.sandbox !== false) void import("../../sandbox/bwrap.ts").then((m) => m.sandboxAvailability());
      const [{ rebuildArtifact }, { defaultContext }, { splitKeys }] = await Promise.all([import("../../rebuild/rebuild.ts"), import("../../context.ts"), import("../keys.ts")]);
      const { trusted, signer, deny } = await splitKeys(flags.key);
      const trust = await trustFromFlags(flags, trusted);
      if (!trust) throw new BunsealError("USAGE", "nothing to verify with; expected --key PUB, or --certificate-identity ID with --certificate-oidc-issuer URL, or --policy FILE", { field: "--key", expected: "a public key, a certificate identity or a policy" });
      // the store is reachable and writable before a rebuild whose verdict it would then refuse
      const store = flags.store === undefined ? undefined : await (await import("../../store/open-store.ts")).openWritableStore(typeof flags.store === "string" ? flags.store : undefined);
      const progress = commandProgress(flags);
      const ctx = defaultContext(progress.context);
      warnUnsandboxed(flags, true);
      let report: Awaited<ReturnType<typeof rebuildArtifact>>;
      try {
        report = await rebuildArtifact(
          { bundlePath, artifactPath: flags.artifact, source: sourceFlag(flags.source), trust, signer, allowDirty: flags.allowDirty, bunPath: flags.bun, keep: flags.keep, diffoscopePath: flags.diffoscope, timeoutMs: parseTimeout(flags.timeout), deny, maxExperiments: parseCount(flags.maxExperiments), sandbox: flags.sandbox === false ? false : undefined, allowUnsandboxed: flags.allowUnsandboxed },
          ctx,
        ).finally(() => progress.stop());
        // recorded before anything is printed: a verdict the store refused fails the command, not silently.
        // The store keeps a rebuild by the artifact it made: one that made none (an input missing) is said, not stored.
        const rebuiltDigest = report.artifact.rebuilt;
        if (store && rebuiltDigest === null) writeErr("warning: nothing was rebuilt (an input the original read is missing), so the store records no rebuild\n");
        if (rebuiltDigest !== null) {
          await store?.putRebuild({
            digest: report.artifact.recorded,
            reproducible: report.reproducible,
            rebuiltDigest,
            bunVersion: report.bun.used,
            rebuiltAt: new Date().toISOString(),
            causes: report.causes.map((c) => ({ kind: c.kind, file: c.file, evidence: c.evidence, ...(c.confirmed === undefined ? {} : { confirmed: c.confirmed }) })),
          });
        }
      } finally {
        await store?.close();
      }
      if (flags.json) printJson(report);
      else printLines(render(report));
      if (onGitHubActions()) {
        appendSummary((await import("../ci-summaries.ts")).rebuildSummary(report));
        if (!report.reproducible) annotateError("bunseal rebuild", `NOT REPRODUCIBLE: ${report.artifact.name}${report.causes[0] ? `: ${report.causes[0].kind}${report.causes[0].file ? ` in ${report.causes[0].file}` : ""}` : ""}`);
      }
      setExit(report.reproducible ? 0 : 1);
    });
}

/** A local --source is where the user stands when they type it, not where the clone is made. */
function sourceFlag(source: string | undefined): string | undefined {
  if (source === undefined || /^[a-z][a-z0-9+.-]*:\/\//i.test(source) || /^[^/]+@[^/:]+:/.test(source)) return source;
  return resolve(source);
}

function render(report: Awaited<ReturnType<typeof import("../../rebuild/rebuild.ts").rebuildArtifact>>): string[] {
  const head = report.reproducible
    ? [`REPRODUCIBLE: ${report.artifact.name} rebuilt to the same bytes (${report.artifact.recorded})`]
    : [`NOT REPRODUCIBLE: ${report.artifact.name}`, `  recorded ${report.artifact.recorded}`, `  rebuilt  ${report.artifact.rebuilt ?? (report.buildError ? `nothing: the build failed: ${report.buildError.split("\n").slice(0, 3).join(" ")}` : "nothing: an input the original read is missing")}`];
  const lines = [
    ...head,
    `  source ${report.source.uri} @ ${report.source.commit.slice(0, 12)} (cloned from ${report.source.clonedFrom})`,
    `  Bun ${report.bun.used}${report.bun.used === report.bun.recorded ? "" : ` (recorded: ${report.bun.recorded})`}`,
    `  sandbox ${sandboxText(report.sandbox.rebuilt)}${sandboxText(report.sandbox.recorded) === sandboxText(report.sandbox.rebuilt) ? "" : ` (recorded: ${sandboxText(report.sandbox.recorded)})`}`,
  ];
  if (report.source.checkout) lines.push(`  checkout kept at ${report.source.checkout}`);
  if (report.attestation) lines.push(`  rebuild attestation ${report.attestation.path}`);
  if (report.diffoscope) lines.push(`  diffoscope report ${report.diffoscope.path}`);
  for (const note of report.notes) lines.push(`  note: ${note}`);
  // confirmed causes lead, each with the experiment that showed it; what the patterns only suggest follows
  const confirmed = report.causes.filter((c) => c.confirmed);
  const suggested = report.causes.filter((c) => !c.confirmed);
  if (confirmed.length > 0) {
    lines.push("causes (confirmed by an experiment)");
    for (const cause of confirmed) lines.push(`  ${cause.kind}: ${cause.experiment ?? cause.evidence}`);
  }
  if (suggested.length > 0) {
    lines.push(confirmed.length > 0 ? "also suggested by the bytes, not confirmed" : "causes (suggested by the bytes, not confirmed by an experiment)");
    for (const cause of suggested) lines.push(`  ${cause.kind}${cause.file ? ` in ${cause.file}` : ""}: ${cause.evidence}`);
  }
  if (report.experiments.length > 0) {
    const builds = report.experiments.reduce((n, e) => n + (e.builds ?? 1), 0);
    lines.push(`experiments (${report.experiments.length}, ${builds} build${builds === 1 ? "" : "s"})`);
    for (const e of report.experiments) lines.push(`  ${e.name}: ${e.ran} → ${e.showed}`);
  }
  if (report.differences.length > 0) {
    lines.push("differences");
    for (const d of report.differences) {
      const sizes = d.size.original !== undefined || d.size.rebuilt !== undefined ? ` (${d.size.original ?? "-"} → ${d.size.rebuilt ?? "-"} bytes)` : "";
      const at = d.firstDifferenceAt !== undefined ? `, first at byte ${d.firstDifferenceAt}` : "";
      const origin = d.origin ? `, from ${d.origin.input}:${d.origin.line}:${d.origin.column}` : "";
      lines.push(`  ${d.kind} ${d.path}${sizes}${at}${origin}`);
      if (d.diff) lines.push(...d.diff.trimEnd().split("\n").map((l) => `    ${l}`));
    }
  }
  return lines;
}

function parseCount(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) > 100) {
    throw new BunsealError("USAGE", `--max-experiments: expected a whole number from 0 to 100, got ${JSON.stringify(text)}`, { field: "--max-experiments", expected: "0..100", found: text });
  }
  return Number(text);
}
