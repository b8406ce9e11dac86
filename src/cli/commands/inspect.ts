import type { Command } from "commander";
import { printJson, printLines } from "../output.ts";
import { sandboxText } from "../sandbox-text.ts";

export function registerInspect(program: Command, setExit: (code: number) => void): void {
  program
    .command("inspect")
    .description("show what a Sigstore bundle says (bunseal, GitHub's attest action, npm provenance, slsa-github-generator), without verifying it")
    .argument("<bundle>", "a Sigstore bundle")
    .option("--json", "print one JSON object")
    .action(async (path: string, flags: { json?: boolean }) => {
      const { inspectBundle } = await import("../../inspect/inspect-bundle.ts");
      const report = await inspectBundle(path);
      if (flags.json) {
        printJson(report);
      } else {
        const p = report.provenance;
        const signer = report.signer.kind === "key" ? `key ${report.signer.hint ?? "(no hint)"}` : `${report.signer.identity ?? "(no identity)"} from ${report.signer.issuer ?? "(no issuer)"}`;
        printLines([
          `${path}: ${report.bundle.mediaType}, ${report.bundle.content}, ${report.bundle.tlogEntries} log entr${report.bundle.tlogEntries === 1 ? "y" : "ies"}`,
          `  signed by    ${signer}`,
          ...(p
            ? [
                `  statement    ${p.statementType} / ${p.predicateType}`,
                `  producer     ${p.producer}${p.buildType ? ` (${p.buildType})` : ""}`,
                `  builder      ${p.builderId ?? "-"}`,
                `  source       ${p.sourceRepository ?? "-"}${p.ref ? ` @ ${p.ref}` : ""}`,
                `  commit       ${p.commit ?? "-"}`,
                `  workflow     ${p.workflow ?? "-"}`,
                ...(p.sandbox ? [`  sandbox      ${sandboxText(p.sandbox)}`] : []),
                ...p.subjects.slice(0, 5).map((s) => `  subject      ${s.name ?? "(unnamed)"} ${Object.entries(s.digest).map(([a, d]) => `${a}:${String(d).slice(0, 16)}…`).join(" ")}`),
              ]
            : ["  (no in-toto statement)"]),
          "  not verified: use bunseal verify",
        ]);
      }
      setExit(0);
    });
}
