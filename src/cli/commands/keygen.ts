import type { Command } from "commander";
import { printJson, printLines } from "../output.ts";

export function registerKeygen(program: Command, setExit: (code: number) => void): void {
  program
    .command("keygen")
    .description("create an ECDSA P-256 signing key pair: DIR/bunseal.key (PKCS#8, mode 0600) and DIR/bunseal.pub (SPKI)")
    .requiredOption("--out <dir>", "folder for the key pair")
    .option("--json", "print a JSON object")
    .action(async (options: { out: string; json?: boolean }) => {
      const [{ generateKeyPair }, { ensureWritableDir }] = await Promise.all([import("../../sign/keys.ts"), import("../../util/atomic-write.ts")]);
      // a file named as the folder, or a folder that takes no file, fails before a key exists
      await ensureWritableDir(options.out);
      const keys = await generateKeyPair(options.out);
      if (options.json) printJson({ privateKey: keys.privateKeyPath, publicKey: keys.publicKeyPath, keyId: keys.keyId });
      else printLines([`private key  ${keys.privateKeyPath} (keep it secret; mode 0600)`, `public key   ${keys.publicKeyPath}`, `key id       ${keys.keyId}`]);
      setExit(0);
    });
}
