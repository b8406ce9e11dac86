import type { Command } from "commander";
import { collect, printJson, printLines } from "../output.ts";
import { storeOption, withStore } from "../store-option.ts";
import { trustFromFlags, trustOptions, type TrustFlags } from "../trust-flags.ts";

export function registerPins(program: Command, setExit: (code: number) => void): void {
  const pins = storeOption(
    program
      .command("pins")
      .description("the pin history; `pins verify PINFILE` checks a pin file")
      .option("--env <env>", "only this environment")
      .option("--service <name>", "only this service")
      .option("--key <file>", "a public key trusted to have signed the pins (repeatable): each row's signature is checked too", collect, [])
      .option("--signers <file>", "name the key that signed each row from this signers file (JSON; schemas/signers.schema.json); needs --key: a name is shown only for a signature checked"),
  )
    .option("--json", "print one JSON object")
    .action(async (flags: { env?: string; service?: string; key: string[]; signers?: string; store?: string; json?: boolean }) => {
      const [{ assertName }, { pinHistory }, { loadPublicKey }] = await Promise.all([import("../../config/names.ts"), import("../../pin/pin-history.ts"), import("../../sign/keys.ts")]);
      if (flags.env !== undefined) assertName(flags.env, "--env");
      if (flags.service !== undefined) assertName(flags.service, "--service");
      // a name labels a signature this command checked: without --key there is none to name
      if (flags.signers !== undefined && flags.key.length === 0) throw new (await import("../../errors.ts")).BunsealError("USAGE", "--signers: expected --key PUB too (a name is shown only for a signature checked against a key given)", { field: "--signers", expected: "--key with --signers" });
      const keys = await Promise.all(flags.key.map((k) => loadPublicKey(k)));
      const names = flags.signers !== undefined ? await (await import("../../signers/load.ts")).loadSignerNames(flags.signers) : undefined;
      const history = await withStore(flags.store, (store) => pinHistory(store, { env: flags.env, service: flags.service }, keys));
      const { signerName } = await import("../../signers/names.ts");
      const rows = history.pins.map((p) => (names ? { ...p, signerName: (p.signerKeyId && signerName(names, { keyId: p.signerKeyId })) || null } : p));
      const signedBy = (p: (typeof rows)[number]) => (p.signerKeyId === null ? "" : `  signed by ${"signerName" in p && p.signerName ? `${p.signerName}: ` : ""}key ${p.signerKeyId.slice(0, 12)}`);
      if (flags.json) printJson({ ...history, pins: rows });
      else printLines(rows.length === 0 ? ["no pins"] : [...rows.map((p) => `${p.service}  ${p.env}  #${p.sequence}  sha256:${p.digest.slice(0, 12)}  commit ${p.commit?.slice(0, 12) ?? "(not in the store)"}  ${p.pinnedAt}  ${p.actor}${p.rollbackOf ? `  rollback of #${p.rollbackOf}` : ""}${signedBy(p)}${p.reason ? `  "${p.reason}"` : ""}`), history.signaturesChecked ? "(every row is its signed pin, signed by a key given)" : "(every row is its signed pin; who signed them is not checked without --key)"]);
      setExit(0);
    });

  storeOption(
    trustOptions(
      pins
        .command("verify")
        .description("verify a pin file: signature, fields, the pinned artifact's attestation, and no downgrade")
        .argument("<pinfile>", "pins/<service>@<env>.json")
        .option("--key <file>", "a public key trusted to sign pins (repeatable)", collect, [])
        .option("--env <env>", "the environment the file must be the pin of (its signed env, and its file name with --service)")
        .option("--service <name>", "the service the file must be the pin of"),
      "the pinned artifact's attestation",
      "the signer the store recorded",
    ),
  )
    .option("--json", "print one JSON object")
    .action(async (pinfile: string, flags: TrustFlags & { key: string[]; env?: string; service?: string; store?: string; json?: boolean }) => {
      const [{ verifyPinFile }, { loadPublicKey }, { BunsealError }, { assertName }] = await Promise.all([import("../../pin/verify-pin-file.ts"), import("../../sign/keys.ts"), import("../../errors.ts"), import("../../config/names.ts")]);
      if (flags.env !== undefined) assertName(flags.env, "--env");
      if (flags.service !== undefined) assertName(flags.service, "--service");
      if (flags.key.length === 0) throw new BunsealError("USAGE", "expected --key PUB to verify the pin's signature", { field: "--key", expected: "a public key" });
      const keys = await Promise.all(flags.key.map((k) => loadPublicKey(k)));
      // --key names who may sign pins; the artifact's signer is named by the trust flags alone
      const artifactTrust = await trustFromFlags(flags);
      const report = await withStore(flags.store, (store) => verifyPinFile(pinfile, keys, store, artifactTrust, { env: flags.env, service: flags.service }));
      if (flags.json) printJson(report);
      else if (report.verified) printLines([`OK: ${report.pin.service} in ${report.pin.env} pin #${report.pin.sequence} → sha256:${report.pin.digest}`]);
      else printLines([`FAILED: ${pinfile}`, ...report.failures.map((f) => `  ${f.code}: ${f.message}${f.expected ? ` (expected ${f.expected}${f.found ? `, found ${f.found}` : ""})` : ""}`)]);
      setExit(report.verified ? 0 : 1);
    });
}
