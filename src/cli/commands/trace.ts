import type { Command } from "commander";
import { printJson, printLines } from "../output.ts";
import { storeOption, withStore } from "../store-option.ts";
import { collect } from "../output.ts";
import { describeSigner, trustFromFlags, trustOptions, type TrustFlags } from "../trust-flags.ts";
import { sandboxText } from "../sandbox-text.ts";

interface TraceFlags extends TrustFlags {
  key: string[];
  package?: string;
  limit?: string;
  after?: string;
  shippedOnly?: boolean;
  count?: boolean;
  store?: string;
  json?: boolean;
}

/** a page of `trace --package` unless --limit says otherwise: a screenful, with the counts of all above it */
const DEFAULT_PACKAGE_LIMIT = 25;

export function registerTrace(program: Command, setExit: (code: number) => void): void {
  storeOption(
    trustOptions(
      program
        .command("trace")
        .description("where did this come from? From an artifact, a file inside one, or a digest, to its commit, build and pins")
        .argument("[target]", "sha256:<hex>, a hex digest, the artifact tar, or any single file from inside an artifact")
        .option("--package <name[@version]>", "list the artifacts that locked this package instead, the ones that shipped it first")
        .option("--shipped-only", "with --package: only the artifacts that shipped it (its files went into an output)")
        .option("--limit <n>", `with --package: at most this many artifacts (default ${DEFAULT_PACKAGE_LIMIT})`)
        .option("--after <cursor>", "with --package: the page after this one (a previous answer's next cursor)")
        .option("--count", "with --package: only how many artifacts locked it and how many shipped it")
        .option("--key <file>", "verify the stored attestation with this public key (PEM) rather than the signer the store recorded; repeat for several", collect, []),
      "the stored attestation",
      "the signer the store recorded",
    ),
  )
    .option("--json", "print one JSON object")
    .action(async (target: string | undefined, flags: TraceFlags) => {
      const [{ trace, tracePackage }, { BunsealError }] = await Promise.all([import("../../trace/trace.ts"), import("../../errors.ts")]);
      if ((target === undefined) === (flags.package === undefined)) {
        throw new BunsealError("USAGE", "expected a TARGET or --package NAME[@VERSION], and not both", { field: "TARGET", expected: "one of TARGET or --package" });
      }
      const packageOnly = (["shippedOnly", "limit", "after", "count"] as const).find((k) => flags[k] !== undefined);
      if (flags.package === undefined && packageOnly) {
        const flag = `--${packageOnly.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
        throw new BunsealError("USAGE", `${flag} goes with --package NAME[@VERSION], not with a TARGET`, { field: flag, expected: "--package" });
      }
      if (flags.count && (flags.limit !== undefined || flags.after !== undefined)) {
        throw new BunsealError("USAGE", "--count lists nothing: expected it without --limit and --after", { field: "--count", expected: "--count alone" });
      }
      const limit = parseLimit(flags.limit, BunsealError);
      const trustGiven = flags.key.length > 0 || (["certificateIdentity", "certificateIdentityRegexp", "certificateOidcIssuer", "trustedRoot", "policy"] as const).some((k) => flags[k] !== undefined);
      if (flags.package !== undefined && trustGiven) {
        throw new BunsealError("USAGE", "trace --package verifies nothing (trace one of its artifacts for that); expected no --key or other trust flags with it", { field: "--package", expected: "no trust flags" });
      }
      // the responder's own trust, when given: otherwise the signer the store recorded (src/store/verify-stored.ts)
      const trust = trustGiven ? await trustFromFlags(flags, await Promise.all(flags.key.map(async (path) => (await import("../../sign/keys.ts")).loadPublicKey(path)))) : undefined;
      // a mistyped digest is told before the store is opened (opening a SQLite store that is not there makes one)
      if (target !== undefined && /^sha256:/i.test(target)) (await import("../../util/digest.ts")).digestArgument(target, "TARGET");
      await withStore(flags.store, async (store) => {
        if (flags.package !== undefined) {
          const report = await tracePackage(store, flags.package, { limit, after: flags.after, shippedOnly: flags.shippedOnly, countOnly: flags.count });
          const label = `${report.package.name}${report.package.version ? `@${report.package.version}` : ""}`;
          if (flags.json) printJson(report);
          else if (!report.matches) printLines([`${label}: locked by ${report.count.artifacts} artifact(s), shipped in ${report.count.shipped}`]);
          else {
            const shown = report.matches.length;
            printLines([
              `${label}: locked by ${report.count.artifacts} artifact(s), shipped in ${report.count.shipped}${flags.shippedOnly ? "; shipped ones only" : ""}${shown < (flags.shippedOnly ? report.count.shipped : report.count.artifacts) ? `; ${shown} here` : ""}`,
              ...report.matches.map((m) => `  ${m.shipped === true ? "shipped" : m.shipped === false ? "locked " : "unknown"}  ${m.packageVersion}  ${m.artifact.name}  ${m.artifact.commit.slice(0, 12)}  built ${m.artifact.builtAt}${m.pins.filter((p) => p.current).map((p) => `  running in ${p.env}`).join("")}`),
              ...(report.matches.some((m) => m.shipped === null) ? ["  (unknown: recorded before the store told shipped from locked)"] : []),
              ...(report.nextCursor ? [`more: --after ${report.nextCursor}`] : []),
            ]);
          }
          setExit(0);
          return;
        }
        const report = await trace(store, target!, { trust });
        if (flags.json) printJson(report);
        else printLines([`sha256:${report.target.digest} is ${report.target.kind === "artifact" ? "an artifact" : `a file in ${report.matches.length} artifact(s)`}`, ...report.matches.flatMap((m) => describeMatch(m, "  ", report.trust))]);
        setExit(0);
      });
    });
}

function parseLimit(text: string | undefined, Error: typeof import("../../errors.ts").BunsealError): number | undefined {
  if (text === undefined) return DEFAULT_PACKAGE_LIMIT;
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new Error("USAGE", `--limit: expected a whole number from 1, got ${JSON.stringify(text)}`, { field: "--limit", expected: "a whole number from 1", found: text });
  }
  return Number(text);
}

function describeMatch(m: Awaited<ReturnType<typeof import("../../trace/trace.ts").trace>>["matches"][number], indent: string, trust: "given" | "stored-signer"): string[] {
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
    ...(m.sandbox ? [`${indent}  sandbox      ${sandboxText(m.sandbox)}`] : []),
    `${indent}  verifies     ${m.verifies ? "yes" : "NO"} (under ${trust === "given" ? "the given trust" : "the signer the store recorded"})${m.verifies ? "" : `: ${m.verifyFailures.join("; ")}`}`,
  ];
  if (m.pins.length === 0) lines.push(`${indent}  pinned       nowhere`);
  for (const p of m.pins) lines.push(`${indent}  pinned       ${p.env} #${p.sequence} at ${p.pinnedAt} by ${p.actor}${p.rollbackOf ? ` (rollback of #${p.rollbackOf})` : ""}${p.current ? "  ← running now" : ""}`);
  if (m.rebuilds.length === 0) lines.push(`${indent}  rebuilt      never (recorded)`);
  for (const r of m.rebuilds) {
    const causes = r.causes.map((c) => `${c.kind}${c.file ? ` in ${c.file}` : ""}${c.confirmed ? " (confirmed)" : ""}`).join(", ");
    lines.push(`${indent}  rebuilt      ${r.rebuiltAt} with Bun ${r.bunVersion}: ${r.reproducible ? "reproducible" : `NOT reproducible (sha256:${r.rebuiltDigest})${causes ? `: ${causes}` : ""}`}`);
  }
  return lines;
}
