import type { Command } from "commander";
import { collect, printJson, printLines } from "../output.ts";
import { storeOption, withStore } from "../store-option.ts";
import { trustFromFlags, trustOptions, type TrustFlags } from "../trust-flags.ts";

export function registerStore(program: Command, setExit: (code: number) => void): void {
  const store = program.command("store").description("the artifact store");
  storeOption(
    trustOptions(
      store
        .command("import")
        .description("index bundles made elsewhere, each verified first")
        .argument("<bundles...>", "Sigstore bundles (FILE.sigstore.json)")
        .option("--key <file>", "a public key trusted to have signed them (repeatable)", collect, []),
      "them",
    ),
  )
    .option("--json", "print one JSON object")
    .action(async (bundles: string[], flags: TrustFlags & { key: string[]; store?: string; json?: boolean }) => {
      const [{ importBundles }, { loadPublicKey }, { describeSigner }] = await Promise.all([import("../../store/import.ts"), import("../../sign/keys.ts"), import("../trust-flags.ts")]);
      const keys = await Promise.all(flags.key.map((k) => loadPublicKey(k)));
      const trust = await trustFromFlags(flags, keys);
      const results = await withStore(flags.store, (s) => importBundles(s, bundles, trust));
      if (flags.json) printJson({ results });
      else printLines(results.map((r) => (r.imported ? `imported ${r.bundle}: ${r.service} sha256:${r.digest!.slice(0, 12)}, signed by ${describeSigner(r.signer!)}` : `REFUSED ${r.bundle}: ${r.failures.join("; ")}`)));
      setExit(results.every((r) => r.imported) ? 0 : 1);
    });
}
