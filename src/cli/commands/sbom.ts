import type { Command } from "commander";
import { collect, printJson } from "../output.ts";
import { writeErr } from "../streams.ts";
import { storeOption, withStore } from "../store-option.ts";
import { trustFromFlags, trustOptions, type TrustFlags } from "../trust-flags.ts";

interface SbomFlags extends TrustFlags {
  bundle?: string;
  key: string[];
  store?: string;
  out?: string;
  allowUnsandboxed?: boolean;
}

export function registerSbom(program: Command, setExit: (code: number) => void): void {
  trustOptions(
    storeOption(
      program
        .command("sbom")
        .description("a CycloneDX 1.6 SBOM of the packages an artifact ships, from its verified provenance or from the store")
        .argument("<artifact-or-digest>", "the artifact file (its provenance verified first), or sha256:<hex> of a stored artifact")
        .option("--bundle <file>", "the artifact's Sigstore bundle (default: FILE.sigstore.json)")
        .option("--key <file>", "a public key trusted to have signed the provenance (repeatable)", collect, [])
        .option("--out <file>", "write the SBOM here instead of standard output")
        .option("--allow-unsandboxed", "read the SBOM of an artifact built without its sandbox (sandbox.kind \"none\", or no sandbox record)"),
    ),
    "the provenance (an artifact file's, or a stored one's)",
    "for a stored artifact, the signer the store recorded",
  ).action(async (target: string, flags: SbomFlags) => {
    const [{ sbomOfArtifact, sbomOfStored }, { BunsealError }] = await Promise.all([import("../../sbom/sbom-of.ts"), import("../../errors.ts")]);
    const { loadPublicKey } = await import("../../sign/keys.ts");
    const trust = await trustFromFlags(flags, await Promise.all(flags.key.map((k) => loadPublicKey(k))));
    let result;
    // a stored artifact: under the given trust, else the signer the store recorded
    if (/^sha256:/i.test(target)) {
      // a mistyped digest is told before the store is opened (opening a SQLite store that is not there makes one)
      (await import("../../util/digest.ts")).digestArgument(target, "artifact-or-digest");
      result = await withStore(flags.store, (store) => sbomOfStored(store, target, trust, { allowUnsandboxed: flags.allowUnsandboxed }));
    }
    else {
      if (!trust) throw new BunsealError("USAGE", "an SBOM is only as good as the provenance it is read from; expected --key PUB, --certificate-identity ID with --certificate-oidc-issuer URL, or --policy FILE to verify it (or a digest of a stored artifact)", { field: "--key", expected: "a trusted signer" });
      result = await sbomOfArtifact(target, flags.bundle ?? `${target}.sigstore.json`, trust, { allowUnsandboxed: flags.allowUnsandboxed });
    }
    if (flags.out) {
      const { writeFileAtomic } = await import("../../util/atomic-write.ts");
      await writeFileAtomic(flags.out, `${JSON.stringify(result.sbom, null, 2)}\n`);
      writeErr(`wrote ${flags.out}: ${(result.sbom.components as unknown[]).length} shipped packages of ${result.digest}\n`);
    } else printJson(result.sbom);
    setExit(0);
  });
}
