import type { Command } from "commander";
import { printJson, printLines } from "../output.ts";
import { storeOption, withStore } from "../store-option.ts";
import { describeSigner } from "../trust-flags.ts";

interface TraceFlags {
  package?: string;
  store?: string;
  json?: boolean;
}

export function registerTrace(program: Command, setExit: (code: number) => void): void {
  storeOption(
    program
      .command("trace")
      .description("where did this come from? From an artifact, a file inside one, or a digest, to its commit, build and pins")
      .argument("[target]", "sha256:<hex>, a hex digest, the artifact tar, or any single file from inside an artifact")
      .option("--package <name[@version]>", "list the artifacts that shipped this package instead"),
  )
    .option("--json", "print one JSON object")
    .action(async (target: string | undefined, flags: TraceFlags) => {
      const [{ trace, tracePackage }, { BunsealError }] = await Promise.all([import("../../trace/trace.ts"), import("../../errors.ts")]);
      if ((target === undefined) === (flags.package === undefined)) {
        throw new BunsealError("USAGE", "expected a TARGET or --package NAME[@VERSION], and not both", { field: "TARGET", expected: "one of TARGET or --package" });
      }
      await withStore(flags.store, async (store) => {
        if (flags.package !== undefined) {
          const report = await tracePackage(store, flags.package);
          if (flags.json) printJson(report);
          else
            printLines([
              `${report.package.name}${report.package.version ? `@${report.package.version}` : ""}: shipped in ${report.matches.length} artifact(s)`,
              ...report.matches.map((m) => `  ${m.packageVersion}  ${m.artifact.name}  ${m.artifact.commit.slice(0, 12)}  built ${m.artifact.builtAt}${m.pins.filter((p) => p.current).map((p) => `  running in ${p.env}`).join("")}`),
            ]);
          setExit(0);
          return;
        }
        const report = await trace(store, target!);
        if (flags.json) printJson(report);
        else printLines([`sha256:${report.target.digest} is ${report.target.kind === "artifact" ? "an artifact" : `a file in ${report.matches.length} artifact(s)`}`, ...report.matches.flatMap((m) => describeMatch(m, "  "))]);
        setExit(0);
      });
    });
}

function describeMatch(m: Awaited<ReturnType<typeof import("../../trace/trace.ts").trace>>["matches"][number], indent: string): string[] {
  const a = m.artifact;
  const lines = [
    `${indent}${a.name}${m.file ? `  (as ${m.file})` : ""}`,
    `${indent}  service      ${a.service}`,
    `${indent}  commit       ${a.commit}${a.dirty ? " (dirty work tree)" : ""}`,
    `${indent}  source       ${a.sourceUri}`,
    `${indent}  bun          ${a.bunVersion}`,
    `${indent}  lockfile     ${a.lockfileDigest ?? "(none)"}`,
    `${indent}  contracts    schemaVersion ${a.schemaVersion ?? "-"}, telemetry ${a.telemetryContract ?? "-"}`,
    `${indent}  flags        ${JSON.stringify(a.featureFlags)}`,
    `${indent}  built        ${a.builtAt} by ${a.builderId}`,
    `${indent}  signed by    ${describeSigner(a.signer)}`,
    `${indent}  verifies     ${m.verifies ? "yes" : `NO: ${m.verifyFailures.join("; ")}`}`,
  ];
  if (m.pins.length === 0) lines.push(`${indent}  pinned       nowhere`);
  for (const p of m.pins) lines.push(`${indent}  pinned       ${p.env} #${p.sequence} at ${p.pinnedAt} by ${p.actor}${p.rollbackOf ? ` (rollback of #${p.rollbackOf})` : ""}${p.current ? "  ← running now" : ""}`);
  return lines;
}
