import type { Command } from "commander";
import type { SignerRef } from "../../signers/names.ts";
import type { SignerIdentity } from "../../verify/trust.ts";
import { printJson, printLines } from "../output.ts";
import { storeOption, withStore } from "../store-option.ts";
import { collect } from "../output.ts";
import { describeSigner, trustFromFlags, trustOptions, type TrustFlags } from "../trust-flags.ts";
import { sandboxText } from "../sandbox-text.ts";

interface TraceFlags extends TrustFlags {
  key: string[];
  package?: string;
  commit?: string;
  limit?: string;
  after?: string;
  shippedOnly?: boolean;
  count?: boolean;
  store?: string;
  json?: boolean;
  signers?: string;
}

/** a page of `trace --package` unless --limit says otherwise: a screenful, with the counts of all above it */
const DEFAULT_PACKAGE_LIMIT = 25;

export function registerTrace(program: Command, setExit: (code: number) => void): void {
  storeOption(
    trustOptions(
      program
        .command("trace")
        .description("where did this come from? From an artifact, a file inside one, or a digest, to its commit, build and pins")
        .argument("[target]", "sha256:<hex>, a hex digest or a unique prefix of one (12+ hex), the artifact tar, or any single file from inside an artifact")
        .option("--package <name[@version]>", "list the artifacts that locked this package instead, the ones that shipped it first")
        .option("--commit <prefix>", "list the artifacts built from this commit (7 to 64 hex) instead, with where each is pinned")
        .option("--shipped-only", "with --package: only the artifacts that shipped it (its files went into an output)")
        .option("--limit <n>", `with --package, --commit, or a file's TARGET: at most this many artifacts (default ${DEFAULT_PACKAGE_LIMIT})`)
        .option("--after <cursor>", "with --package or a file's TARGET: the page after this one (a previous answer's next cursor)")
        .option("--count", "with --package: only how many artifacts locked it and how many shipped it")
        .option("--key <file>", "verify the stored attestation with this public key (PEM) rather than the signer the store recorded; repeat for several", collect, []),
      "the stored attestation",
      "the signer the store recorded",
    ),
  )
    .option("--signers <file>", "name each verified signer from this signers file (JSON; schemas/signers.schema.json); a name is a label, never trust")
    .option("--json", "print one JSON object")
    .action(async (target: string | undefined, flags: TraceFlags) => {
      // as verify does (src/cli/commands/verify.ts): a one-shot process parses each bundle schema once per record, so
      // zod's compiled fast path (new Function, made on a schema's first parse) costs more than it saves here; the
      // console, a long-lived server, keeps it. Set before the schemas are built: zod reads it as each is built.
      (await import("../../vendor/zod.js")).z.config({ jitless: true });
      const [{ trace, tracePackage }, { BunsealError }] = await Promise.all([import("../../trace/trace.ts"), import("../../errors.ts")]);
      if ([target, flags.package, flags.commit].filter((v) => v !== undefined).length !== 1) {
        throw new BunsealError("USAGE", "expected one of a TARGET, --package NAME[@VERSION] or --commit PREFIX", { field: "TARGET", expected: "one of TARGET, --package, --commit" });
      }
      if (flags.commit !== undefined) {
        const unfit = (["shippedOnly", "after", "count"] as const).find((k) => flags[k] !== undefined);
        if (unfit) throw new BunsealError("USAGE", `--${unfit.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} goes with --package NAME[@VERSION], not with --commit`, { field: "--commit", expected: "--commit [--limit N]" });
        if (!/^[0-9a-f]{7,64}$/i.test(flags.commit.trim())) throw new BunsealError("USAGE", `--commit: expected 7 to 64 hex characters of a commit, got ${JSON.stringify(flags.commit.slice(0, 80))}`, { field: "--commit", expected: "7 to 64 hex characters", found: JSON.stringify(flags.commit.slice(0, 80)) });
        const limit = parseLimit(flags.limit, BunsealError);
        const { traceCommit } = await import("../../trace/trace.ts");
        await withStore(
          flags.store,
          async (store) => {
            const report = await traceCommit(store, flags.commit!, { limit });
            if (report.matches.length === 0) throw new BunsealError("NOT_FOUND", `commit ${report.commit.prefix}: expected artifacts built from it in ${store.location}, got none`, { field: "--commit", expected: "a commit the store has artifacts of", found: report.commit.prefix });
            if (flags.json) printJson(report);
            else
              printLines([
                `commit ${report.commit.prefix}: ${report.matches.length}${report.more ? "+" : ""} artifact(s)`,
                ...report.matches.map((m) => {
                  const now = m.pins.filter((p) => p.current).map((p) => `running in ${p.env}`);
                  const where = now.length > 0 ? now.join(", ") : m.pins.length > 0 ? `pinned before in ${[...new Set(m.pins.map((p) => p.env))].join(", ")}` : "pinned nowhere";
                  const edited = m.pins.filter((p) => !p.matchesSignedPin).map((p) => `  ✗ ${p.env} #${p.sequence} is not its signed pin`);
                  return `  ${m.artifact.name}  ${m.artifact.service}  ${m.artifact.commit.slice(0, 12)}  built ${utc(m.artifact.builtAt)}  ${where}${edited.join("")}`;
                }),
                ...(report.more ? [`more: --limit ${limit! * 4}`] : []),
              ]);
            setExit(0);
          },
          { existing: true },
        );
        return;
      }
      // --limit and --after also page a TARGET that is a file many artifacts share
      const packageOnly = (["shippedOnly", "count"] as const).find((k) => flags[k] !== undefined);
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
      // a mistyped digest is told before the store is opened
      if (target !== undefined && /^sha256:/i.test(target.trim())) (await import("../../store/digest-prefix.ts")).digestPrefixArgument(target, "TARGET");
      await withStore(flags.store, async (store) => {
        if (flags.package !== undefined) {
          const report = await tracePackage(store, flags.package, { limit, after: flags.after, shippedOnly: flags.shippedOnly, countOnly: flags.count });
          const label = `${report.package.name}${report.package.version ? `@${report.package.version}` : ""}`;
          if (flags.json) printJson(report);
          else if (report.versions && report.versions.locked.length > 0 && report.versions.matched.length === 0) printLines([`${report.package.name} is locked, no version matches ${report.package.version} (locked: ${report.versions.locked.join(", ")})`]);
          else if (!report.matches) printLines([`${label}: locked by ${report.count.artifacts} artifact(s), shipped in ${report.count.shipped}`]);
          else {
            const shown = report.matches.length;
            printLines([
              `${label}: locked by ${report.count.artifacts} artifact(s), shipped in ${report.count.shipped}${flags.shippedOnly ? "; shipped ones only" : ""}${shown < (flags.shippedOnly ? report.count.shipped : report.count.artifacts) ? `; ${shown} here` : ""}`,
              ...report.matches.map((m) => `  ${m.shipped === true ? "shipped" : m.shipped === false ? "locked " : "unknown"}  ${m.packageVersion}  ${m.artifact.name}  ${m.artifact.commit.slice(0, 12)}  built ${utc(m.artifact.builtAt)}${m.pins.filter((p) => p.current).map((p) => `  running in ${p.env}`).join("")}`),
              ...(report.matches.some((m) => m.shipped === null) ? ["  (unknown: recorded before the store told shipped from locked)"] : []),
              ...(report.nextCursor ? [`more: --after ${report.nextCursor}`] : []),
            ]);
          }
          setExit(0);
          return;
        }
        // a file 100,000 artifacts share is a page of them, each bundle verified: not all at once
        const traced = await trace(store, target!, { trust, limit, after: flags.after });
        // a name only for a signer whose attestation verified here: the file labels signers, it does not vouch for them
        const names = flags.signers !== undefined ? await (await import("../../signers/load.ts")).loadSignerNames(flags.signers) : undefined;
        const { signerName } = await import("../../signers/names.ts");
        const report = names ? { ...traced, matches: traced.matches.map((m) => ({ ...m, signerName: m.verifies ? (signerName(names, signerRef(m.artifact.signer)) ?? null) : null })) } : traced;
        const count = report.count ?? report.matches.length;
        if (flags.json) printJson(report);
        else
          printLines([
            `sha256:${report.target.digest} is ${report.target.kind === "artifact" ? "an artifact" : `a file in ${count} artifact(s)${report.matches.length < count ? `; ${report.matches.length} here, newest first` : ""}`}`,
            ...report.matches.flatMap((m) => describeMatch(m, "  ", report.trust, "signerName" in m ? (m.signerName as string | null) : null)),
            ...(report.nextCursor ? [`more: --after ${report.nextCursor}`] : []),
          ]);
        setExit(0);
      }, { existing: true });
    });
}

/** A stored time (ISO 8601, any offset) as UTC to the second, saying so: `2026-03-01T12:00:00Z`. */
export function utc(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function parseLimit(text: string | undefined, Error: typeof import("../../errors.ts").BunsealError): number | undefined {
  if (text === undefined) return DEFAULT_PACKAGE_LIMIT;
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new Error("USAGE", `--limit: expected a whole number from 1, got ${JSON.stringify(text)}`, { field: "--limit", expected: "a whole number from 1", found: text });
  }
  return Number(text);
}

/** One stored measurement in a line: its verdict and figures once it verified, otherwise only that it did not. */
function measurementText(t: import("../../trace/measurements.ts").TracedMeasurement): string {
  const against = t.againstDigest ? ` against sha256:${t.againstDigest.slice(0, 12)}${t.env ? ` (${t.env})` : ""}` : "";
  if (!t.verifies || !t.figures) return `${utc(t.measuredAt)}${against}: does NOT verify: ${t.verifyFailures.join("; ")}`;
  const f = t.figures;
  const figures = [f.coldStartMs ? `cold start p95 ${f.coldStartMs.p95} ms` : "never ready", f.rssMb ? `peak ${f.rssMb.peak} MiB` : "", f.latencyMs ? `latency p95 ${f.latencyMs.p95} ms` : "", `errors ${(f.errorRate * 100).toFixed(2)} %`].filter(Boolean).join(", ");
  return `${utc(t.measuredAt)}${against}, ${t.runs} runs: ${t.passed ? "passed" : `FAILED (${t.findings.map((x) => `${x.code} ${x.figure}`).join(", ")})`}; ${figures}`;
}

/** A signer as the signers file keys it. */
function signerRef(signer: SignerIdentity): SignerRef {
  return signer.kind === "key" ? { keyId: signer.keyId } : { identity: signer.identity, issuer: signer.issuer };
}

function describeMatch(m: Awaited<ReturnType<typeof import("../../trace/trace.ts").trace>>["matches"][number], indent: string, trust: "given" | "stored-signer", name: string | null = null): string[] {
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
    `${indent}  built        ${utc(a.builtAt)} by ${a.builderId}`,
    `${indent}  signed by    ${name ? `${name}: ` : ""}${describeSigner(a.signer)}`,
    ...(m.sandbox ? [`${indent}  sandbox      ${sandboxText(m.sandbox)}`] : []),
    `${indent}  verifies     ${m.verifies ? "yes" : "NO"} (under ${trust === "given" ? "the given trust" : "the signer the store recorded"})${m.verifies ? "" : `: ${m.verifyFailures.join("; ")}`}`,
  ];
  if (m.pins.length === 0) lines.push(`${indent}  pinned       nowhere`);
  for (const p of m.pins) lines.push(`${indent}  pinned       ${p.env} #${p.sequence} at ${utc(p.pinnedAt)} by ${p.actor}${p.rollbackOf ? ` (rollback of #${p.rollbackOf})` : ""}${p.current ? "  ← running now" : ""}${p.matchesSignedPin ? "" : `  ✗ this row is NOT its signed pin (edited in the store): ${p.rowProblems.join("; ")}`}`);
  for (const measured of m.measurements ?? []) lines.push(`${indent}  measured     ${measurementText(measured)}`);
  if (m.rebuilds.length === 0) lines.push(`${indent}  rebuilt      never (recorded)`);
  for (const r of m.rebuilds) {
    const causes = r.causes.map((c) => `${c.kind}${c.file ? ` in ${c.file}` : ""}${c.confirmed ? " (confirmed)" : ""}`).join(", ");
    lines.push(`${indent}  rebuilt      ${utc(r.rebuiltAt)} with Bun ${r.bunVersion}: ${r.reproducible ? "reproducible" : `NOT reproducible (sha256:${r.rebuiltDigest})${causes ? `: ${causes}` : ""}`}`);
  }
  return lines;
}
