import type { Command } from "commander";
import { collect, printJson, printLines } from "../output.ts";
import { resolveActor, storeOption, withStore } from "../store-option.ts";
import { trustFromFlags, trustOptions, type TrustFlags } from "../trust-flags.ts";

interface PinFlags extends TrustFlags {
  env: string;
  reason?: string;
  key: string[];
  actor?: string;
  allowDirty?: boolean;
  allowUnsandboxed?: boolean;
  allowRegression?: string;
  pinsDir: string;
  store?: string;
  measure?: boolean;
  runs?: string;
  timeout?: string;
  artifacts?: string;
  json?: boolean;
  quiet?: boolean;
}

export function registerPin(program: Command, setExit: (code: number) => void): void {
  storeOption(
    trustOptions(
      program
        .command("pin")
        .description("append a signed pin: this artifact runs in ENV (only an artifact whose attestation verifies)")
        .argument("<digest>", "the artifact, sha256:<hex> (or a unique prefix of at least 12 hex)")
        .requiredOption("--env <env>", "the environment")
        .option("--reason <text>", "why", "")
        .option("--key <file>", "the private key that signs the pin; public keys given too are trusted for the artifact's attestation", collect, [])
        .option("--actor <name>", "who pins (default: the CI user or login name)")
        .option("--allow-dirty", "pin an artifact built from a dirty work tree")
        .option("--allow-unsandboxed", "pin an artifact built without its sandbox (sandbox.kind \"none\", or no sandbox record)")
        .option("--allow-regression <reason>", "pin an artifact whose stored measurement failed its runtime budgets (the reason is recorded in the signed pin)")
        .option("--pins-dir <dir>", "where pin files go", "pins")
        .option("--measure", "first measure the artifact against what ENV runs now, as measure ARTIFACT --env ENV --store does, signed with the pin's key and stored; then the budget gate judges that measurement")
        .option("--runs <n>", "with --measure: starts of each artifact, alternately (default 10)")
        .option("--timeout <ms>", "with --measure: a start not ready within this many milliseconds is counted as never ready (default 30000)")
        .option("--artifacts <dir>", "with --measure: where the artifacts' files are, found by digest (default: the out folder, .bunseal/out or this directory's config's outDir)"),
      "the artifact's attestation",
      "the signer the store recorded",
    ),
  )
    .option("--json", "print one JSON object")
    .option("--quiet", "no progress on stderr")
    .action(async (digest: string, flags: PinFlags) => {
      const [{ pinArtifact }, { splitKeys }, { BunsealError }, { assertName }] = await Promise.all([import("../../pin/pin.ts"), import("../keys.ts"), import("../../errors.ts"), import("../../config/names.ts")]);
      assertName(flags.env, "--env");
      const { trusted, signer, signerPublicKey } = await splitKeys(flags.key);
      if (flags.allowRegression !== undefined && flags.allowRegression.trim() === "") throw new BunsealError("USAGE", "--allow-regression: expected a reason, got an empty one", { field: "--allow-regression", expected: "a reason" });
      const trust = await trustFromFlags(flags, trusted);
      if (!signer) throw new BunsealError("USAGE", "expected --key with a private key to sign the pin", { field: "--key", expected: "a private key" });
      for (const flag of ["runs", "timeout", "artifacts"] as const) {
        if (flags[flag] !== undefined && !flags.measure) throw new BunsealError("USAGE", `--${flag} applies to the measurement --measure makes; expected --measure with it`, { field: `--${flag}`, expected: "--measure" });
      }
      const outcome = await withStore(flags.store, async (store) => {
        if (flags.measure) await measureBeforePin(store, digest, flags, trust, signer);
        return pinArtifact(store, { digest, env: flags.env, reason: flags.reason ?? "", actor: resolveActor(flags.actor), signer, trust, allowDirty: flags.allowDirty, allowUnsandboxed: flags.allowUnsandboxed, allowRegression: flags.allowRegression, measurementKeys: signerPublicKey ? [signerPublicKey, ...trusted] : trusted, pinsDir: flags.pinsDir });
      });
      const { bundle: _b, ...pin } = outcome.pin;
      const m = outcome.measurement;
      if (flags.json) printJson({ pin, file: outcome.file, repeated: outcome.repeated, ...(m ? { measurement: m } : {}) });
      else if (outcome.repeated) printLines([`${outcome.artifact.name} is already pin #${pin.sequence} in ${pin.env} (same actor and reason): no pin added`, `  pin file ${outcome.file}`]);
      else {
        const measured = m ? [`  measured ${m.measuredAt}${m.against ? ` against sha256:${m.against.slice(0, 12)}` : ""}: ${m.passed ? "within budgets" : `over budget, pinned anyway: ${m.allowedRegression?.reason}`}`] : [];
        printLines([`pinned ${outcome.artifact.name} in ${pin.env} as #${pin.sequence} (previous: ${pin.previousDigest ? `sha256:${pin.previousDigest.slice(0, 12)}` : "none"})`, ...measured, `  pin file ${outcome.file}`]);
      }
      setExit(0);
    });
}

/**
 * `--measure`: what `measure ARTIFACT --env ENV --store` does, with the artifact's file found by its
 * digest and the measurement signed by the pin's key, so the gate that follows finds it. An
 * environment with no pin yet (or that runs DIGEST already) needs no baseline: measured alone.
 */
async function measureBeforePin(store: import("../../store/store.ts").Store, digest: string, flags: PinFlags, trust: import("../../verify/trust.ts").Trust | undefined, signer: import("../../sign/signer.ts").Signer): Promise<void> {
  const [{ storedDigest }, { storedTrust }, { artifactFileByDigest }, measure, { commandProgress }, { assertName }] = await Promise.all([
    import("../../pin/pin.ts"),
    import("../../store/verify-stored.ts"),
    import("../../measure/env-artifact.ts"),
    import("./measure.ts"),
    import("../progress.ts"),
    import("../../config/names.ts"),
  ]);
  const runs = measure.count(flags.runs, "--runs", measure.DEFAULT_RUNS, 1, 1000);
  const timeoutMs = measure.count(flags.timeout, "--timeout", measure.DEFAULT_TIMEOUT_MS, 100, 3_600_000);
  const whole = await storedDigest(store, digest);
  const record = await store.getArtifact(whole);
  // not in the store: the pin's own refusal (NOT_FOUND) says so, before minutes of runs
  if (!record) return;
  const service = assertName(record.service, "service");
  const dir = flags.artifacts ?? (await measure.defaultOutDir());
  const file = await artifactFileByDigest(store, whole, dir, {
    what: (all) => `pin --measure starts ${record.name} sha256:${all ? whole : `${whole.slice(0, 12)}…`}`,
    otherwise: `or measure it first with bunseal measure ARTIFACT --env ${flags.env} --store`,
  });
  const current = await store.latestPin(service, flags.env);
  const against = current && current.digest !== whole ? measure.envAgainst(flags.env, flags.artifacts, store, undefined) : undefined;
  await measure.measureAndRecord({
    artifact: { path: file.path, bundlePath: file.bundlePath },
    ...(against ? { against } : {}),
    trust: trust ?? storedTrust(record),
    allowDirty: flags.allowDirty,
    allowUnsandboxed: flags.allowUnsandboxed,
    runs,
    timeoutMs,
    signer,
    store,
    progress: commandProgress(flags),
  });
}
