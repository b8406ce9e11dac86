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
  json?: boolean;
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
        .option("--pins-dir <dir>", "where pin files go", "pins"),
      "the artifact's attestation",
      "the signer the store recorded",
    ),
  )
    .option("--json", "print one JSON object")
    .action(async (digest: string, flags: PinFlags) => {
      const [{ pinArtifact }, { splitKeys }, { BunsealError }, { assertName }] = await Promise.all([import("../../pin/pin.ts"), import("../keys.ts"), import("../../errors.ts"), import("../../config/names.ts")]);
      assertName(flags.env, "--env");
      const { trusted, signer, signerPublicKey } = await splitKeys(flags.key);
      if (flags.allowRegression !== undefined && flags.allowRegression.trim() === "") throw new BunsealError("USAGE", "--allow-regression: expected a reason, got an empty one", { field: "--allow-regression", expected: "a reason" });
      const trust = await trustFromFlags(flags, trusted);
      if (!signer) throw new BunsealError("USAGE", "expected --key with a private key to sign the pin", { field: "--key", expected: "a private key" });
      const outcome = await withStore(flags.store, (store) =>
        pinArtifact(store, { digest, env: flags.env, reason: flags.reason ?? "", actor: resolveActor(flags.actor), signer, trust, allowDirty: flags.allowDirty, allowUnsandboxed: flags.allowUnsandboxed, allowRegression: flags.allowRegression, measurementKeys: signerPublicKey ? [signerPublicKey, ...trusted] : trusted, pinsDir: flags.pinsDir }),
      );
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
