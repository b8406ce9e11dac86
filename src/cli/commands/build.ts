import type { Command } from "commander";
import { BunsealError } from "../../errors.ts";
import { formatBytes, printJson, printLines } from "../output.ts";

interface BuildFlags {
  out?: string;
  key?: string;
  sign: boolean;
  allowDirty?: boolean;
  builderId?: string;
  store?: string | boolean;
  json?: boolean;
}

export function registerBuild(program: Command, setExit: (code: number) => void): void {
  program
    .command("build")
    .description("build the project with bun build, pack a deterministic tar and sign its SLSA provenance")
    .argument("[dir]", "the project folder", ".")
    .option("--out <dir>", "where the artifact and its bundle go (default: the config's outDir, .bunseal/out)")
    .option("--key <file>", "PKCS#8 PEM private key to sign with (see bunseal keygen)")
    .option("--no-sign", "write the bare in-toto statement instead of a signed bundle")
    .option("--allow-dirty", "build a work tree with uncommitted changes, recording them")
    .option("--builder-id <uri>", "the SLSA builder id to record")
    .option("--store [spec]", "record the artifact in the store (sqlite:PATH, a path, or postgres://…; default $BUNSEAL_STORE, else ~/.bunseal/store.db)")
    .option("--json", "print one JSON object")
    .action(async (dir: string, flags: BuildFlags) => {
      if (flags.sign && !flags.key) {
        throw new BunsealError("USAGE", "expected --key FILE to sign with, or --no-sign for an unsigned statement", { field: "--key", expected: "a private key file or --no-sign" });
      }
      if (!flags.sign && flags.key) {
        throw new BunsealError("USAGE", "--key and --no-sign contradict each other; expected one of them", { field: "--no-sign" });
      }
      const [{ buildArtifact }, { defaultContext }] = await Promise.all([import("../../pipeline/build.ts"), import("../../context.ts")]);
      if (flags.store !== undefined && !flags.sign) {
        throw new BunsealError("USAGE", "--store records signed artifacts; expected --key, not --no-sign", { field: "--store", expected: "a signed build" });
      }
      let signer;
      let privateKey;
      if (flags.key) {
        const [{ loadPrivateKey }, { keySigner }] = await Promise.all([import("../../sign/keys.ts"), import("../../sign/signer.ts")]);
        privateKey = await loadPrivateKey(flags.key);
        signer = keySigner(privateKey);
      }
      const ctx = defaultContext({ log: flags.json ? () => {} : (m) => process.stderr.write(`${m}\n`) });
      const result = await buildArtifact({ projectDir: dir, outDir: flags.out, allowDirty: flags.allowDirty, signer, builderId: flags.builderId }, ctx);
      let stored: { location: string } | null = null;
      if (flags.store !== undefined && result.bundle && privateKey) {
        const [{ recordBuild }, { withStore }, { createPublicKey }] = await Promise.all([import("../../store/record-build.ts"), import("../store-option.ts"), import("node:crypto")]);
        const spec = typeof flags.store === "string" ? flags.store : undefined;
        stored = await withStore(spec, async (store) => {
          await recordBuild(store, result.artifact.path, result.bundle!.path, createPublicKey(privateKey));
          return { location: store.location };
        });
      }
      const { statementValue: _statement, ...built } = result;
      const summary = { ...built, store: stored };
      if (flags.json) {
        printJson(summary);
      } else {
        const widest = Math.max(...result.files.map((f) => f.path.length));
        printLines([
          `${result.service} @ ${result.commit.slice(0, 12)}${result.dirty ? " (dirty work tree)" : ""}, Bun ${result.bun}`,
          `artifact   ${result.artifact.path}`,
          `digest     ${result.artifact.digest}  (${formatBytes(result.artifact.size)})`,
          result.bundle ? `bundle     ${result.bundle.path}` : `statement  ${result.statement?.path} (unsigned)`,
          `inputs     ${result.inputs} files, ${result.dependencies} locked packages`,
          ...(stored ? [`store      ${stored.location}`] : []),
          `time       ${result.timings.total} ms (bun build ${result.timings.bun} ms)`,
          "files",
          ...result.files.map((f) => `  ${f.path.padEnd(widest)}  ${f.digest.slice(0, 23)}…  ${formatBytes(f.size)}`),
        ]);
      }
      setExit(0);
    });
}
