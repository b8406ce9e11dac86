import type { Command } from "commander";
import { printJson, printLines } from "../output.ts";

interface DepsFlags {
  registry?: string;
  cache?: string;
  offline?: boolean;
  trustedRoot?: string;
  json?: boolean;
}

export function registerDeps(program: Command, setExit: (code: number) => void): void {
  const deps = program.command("deps").description("the project's locked dependencies");
  deps
    .command("verify")
    .description("check registry signatures and provenance for every package in bun.lock (cached; --offline uses the cache only)")
    .argument("[dir]", "the project folder", ".")
    .option("--registry <url>", "the npm registry (default: $npm_config_registry, else registry.npmjs.org)")
    .option("--cache <dir>", "where answers are cached (default ~/.bunseal/cache/npm)")
    .option("--offline", "use only the cache")
    .option("--trusted-root <file>", "the Sigstore trusted root for provenance (default: the public-good root shipped with bunseal)")
    .option("--json", "print one JSON object")
    .action(async (dir: string, flags: DepsFlags) => {
      const [{ verifyDependencies }, { verifyProvenanceBundle }] = await Promise.all([import("../../deps/deps-verify.ts"), import("../../deps/provenance-check.ts")]);
      const report = await verifyDependencies(dir, {
        registry: flags.registry,
        cacheDir: flags.cache,
        offline: flags.offline,
        verifyBundle: (bundle, integrity) => verifyProvenanceBundle(bundle, integrity, "provenance", flags.trustedRoot),
      });
      if (flags.json) {
        printJson(report);
      } else {
        const lines = [`${report.counts.total} packages from ${report.registry}: ${report.counts.signed} signed, ${report.counts.withProvenance} with provenance, ${report.counts.failures} failing`];
        if (!report.registrySupported) lines.push("  signatures and provenance: not available from this registry");
        for (const p of report.packages) {
          const sig = p.signature.state === "unavailable" ? "signature not available from this registry" : p.signature.state === "invalid" ? `SIGNATURE INVALID: ${p.signature.reason}` : p.signature.state === "valid" ? "signed" : "unsigned";
          const prov = p.provenance.state === "unavailable" ? "provenance not available from this registry" : p.provenance.state === "none" ? "no provenance" : p.provenance.state === "mismatch" || p.provenance.state === "invalid" ? `PROVENANCE ${p.provenance.state.toUpperCase()}: ${p.provenance.reason}` : `provenance from ${p.provenance.repository} (${p.provenance.state})`;
          lines.push(`  ${p.ok ? "   " : "!! "}${p.name}@${p.version}: ${sig}; ${prov}`);
        }
        printLines(lines);
      }
      setExit(report.counts.failures === 0 ? 0 : 1);
    });
}
