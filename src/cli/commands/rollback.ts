import type { Command } from "commander";
import { collect, printJson, printLines } from "../output.ts";
import { writeErr } from "../streams.ts";
import { resolveActor, storeOption, withStore } from "../store-option.ts";
import { trustFromFlags, trustOptions, type TrustFlags } from "../trust-flags.ts";

interface RollbackFlags extends TrustFlags {
  env: string;
  service?: string;
  to?: string;
  steps?: string;
  rebuild?: boolean;
  key: string[];
  reason?: string;
  actor?: string;
  allowContractChange?: boolean;
  dryRun?: boolean;
  pinsDir: string;
  store?: string;
  json?: boolean;
}

export function registerRollback(program: Command, setExit: (code: number) => void): void {
  storeOption(
    trustOptions(
      program
        .command("rollback")
        .description("pin an artifact that ran in ENV before, after checking it again; history is appended, never rewritten")
        .requiredOption("--env <env>", "the environment")
        .option("--service <name>", "the service (default: the only one pinned in ENV)")
        .option("--to <digest>", "roll back to this artifact (it must have been pinned in ENV)")
        .option("--steps <n>", "roll back this many artifacts (default 1)")
        .option("--rebuild", "also require that the target still rebuilds to the same bytes")
        .option("--key <file>", "the private key that signs the rollback pin; public keys given too are trusted for attestations and for the pin history (which each key given must have signed)", collect, [])
        .option("--reason <text>", "why (default \"rollback\"); required to pin again, with --to, an artifact that was rolled back from")
        .option("--actor <name>", "who rolls back")
        .option("--allow-contract-change", "allow a target whose schemaVersion or telemetryContract contract differs from the current one")
        .option("--dry-run", "print the plan, change nothing")
        .option("--pins-dir <dir>", "where pin files go", "pins"),
      "the target's attestation",
      "the signer the store recorded",
    ),
  )
    .option("--json", "print one JSON object")
    .action(async (flags: RollbackFlags) => {
      const [{ rollback }, { splitKeys }, { defaultContext }, { BunsealError }, { assertName }] = await Promise.all([import("../../pin/rollback.ts"), import("../keys.ts"), import("../../context.ts"), import("../../errors.ts"), import("../../config/names.ts")]);
      assertName(flags.env, "--env");
      if (flags.service !== undefined) assertName(flags.service, "--service");
      if (flags.to !== undefined && flags.steps !== undefined) throw new BunsealError("USAGE", "--to and --steps contradict each other; expected one of them", { field: "--to" });
      const steps = flags.steps === undefined ? undefined : Number(flags.steps);
      const { trusted, signer, signerPublicKey, deny } = await splitKeys(flags.key);
      const pinKeys = signerPublicKey ? [...trusted, signerPublicKey] : trusted;
      const trust = await trustFromFlags(flags, trusted);
      const ctx = defaultContext({ log: flags.json ? () => {} : (m) => writeErr(`${m}\n`) });
      const outcome = await withStore(flags.store, (store) =>
        rollback(store, { env: flags.env, service: flags.service, to: flags.to, steps, rebuild: flags.rebuild, deny, allowContractChange: flags.allowContractChange, dryRun: flags.dryRun, reason: flags.reason ?? "rollback", reasonGiven: flags.reason !== undefined, actor: resolveActor(flags.actor), signer, trust, pinKeys, pinsDir: flags.pinsDir }, ctx),
      );
      const pin = outcome.applied ? (({ bundle: _b, ...rest }) => rest)(outcome.applied.pin) : null;
      if (flags.json) {
        printJson({ plan: outcome.plan, figures: outcome.figures, applied: pin, file: outcome.applied?.file ?? null, rebuilt: outcome.rebuilt, dryRun: Boolean(flags.dryRun) });
      } else {
        const p = outcome.plan;
        printLines([
          `${flags.dryRun ? "plan" : "rolled back"}: ${p.service} in ${p.env}`,
          `  from #${p.from.sequence} sha256:${p.from.digest.slice(0, 12)} commit ${p.from.commit?.slice(0, 12) ?? "-"} (schemaVersion ${p.from.schemaVersion ?? "-"})`,
          `  to   sha256:${p.to.digest.slice(0, 12)} commit ${p.to.commit?.slice(0, 12) ?? "-"}, last pinned as #${p.to.lastPinnedAs} at ${p.to.pinnedAt} (schemaVersion ${p.to.schemaVersion ?? "-"})`,
          `       ships ${p.to.packages.length === 0 ? "no packages" : p.to.packages.map((k) => `${k.name}@${k.version}${k.shipped === null ? " (shipped: unknown)" : ""}`).join(", ")}`,
          ...figureLines(outcome.figures),
          ...p.skipped.map((k) => `  past sha256:${k.digest.slice(0, 12)}: rolled back from by #${k.rolledBackBy}, not known good`),
          `  as   #${p.nextSequence}${p.contractChange ? `, changing the ${p.contractChanges.join(" and ")} contract${p.contractChanges.length > 1 ? "s" : ""} (allowed)` : ""}${outcome.rebuilt ? ", rebuilt identically" : ""}`,
          ...(outcome.applied ? [`  pin file ${outcome.applied.file}`] : []),
        ]);
      }
      setExit(0);
    });
}

type Measured = import("../../pin/rollback.ts").MeasuredFigures | null;

/** The target's figures beside the current one's, from their newest verified measurements. */
function figureLines(figures: { from: Measured; to: Measured }): string[] {
  const column = (m: Measured, pick: (f: NonNullable<Measured>["figures"]) => string) => (m ? pick(m.figures) : "not measured").padEnd(16);
  const rows: [string, (f: NonNullable<Measured>["figures"]) => string][] = [
    ["cold start p95", (f) => (f.coldStartMs ? `${f.coldStartMs.p95.toFixed(0)} ms` : "-")],
    ["peak memory", (f) => (f.rssMb ? `${f.rssMb.peak.toFixed(1)} MiB` : "-")],
    ["latency p95", (f) => (f.latencyMs ? `${f.latencyMs.p95.toFixed(1)} ms` : "-")],
  ];
  const when = (m: Measured) => (m ? `${m.measuredAt.slice(0, 10)}${m.passed ? "" : " failed"}` : "not measured").padEnd(16);
  return [`  figures          ${"now".padEnd(16)}target`, `    measured       ${when(figures.from)}${when(figures.to).trimEnd()}`, ...rows.map(([name, pick]) => `    ${name.padEnd(15)}${column(figures.from, pick)}${column(figures.to, pick).trimEnd()}`)];
}
