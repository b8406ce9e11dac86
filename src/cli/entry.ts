#!/usr/bin/env -S bun --no-env-file --config=/dev/null
// What bin/bunseal runs, as a module: in a clone bin/bunseal starts it from src/; in the package the
// bundle prepack builds (src/release/) starts from here, so the flags above are the bundle's shebang.
// They keep the project out of bunseal's own process: Bun would otherwise load the working
// directory's .env files into process.env (and so into git, and into the secret values bunseal scans
// for) and run the preloads of its bunfig.toml here, in the process that reads the signing key.
// Started another way (`bun bin/bunseal`), the process starts itself again the right way, with the
// environment it was given before any .env was read; a preload that already ran here cannot be
// undone, so bunseal refuses instead.
import { cleanStart, foreignModules, unsafeStart } from "./clean-start.ts";
import { fastAnswer } from "./fast-path.ts";
import { keyFlags } from "../sign/private-key-flag.ts";

/** Runs bunseal with `argv`; `script` is the file this process was started as, which a restart and the key holder's child run again. */
export async function start(script: string, argv: readonly string[]): Promise<number> {
  const foreign = foreignModules(script.slice(0, script.lastIndexOf("/")));
  if (foreign.length > 0) return (await import("./main.ts")).refuse(await unsafeStart(foreign), argv);
  const restarted = await cleanStart(script, argv);
  if (restarted !== undefined) return restarted;
  // --version, --help and an unknown word are answered without loading any command (src/cli/fast-path.ts)
  const fast = fastAnswer(argv);
  if (fast) {
    // Bun's own writers: process.stdout would build Node's stream objects, which cost more than the answer
    if (fast.stdout) await Bun.write(Bun.stdout, fast.stdout);
    if (fast.stderr) await Bun.write(Bun.stderr, fast.stderr);
    return fast.exitCode;
  }
  // a private key is read here and held, and the command runs in a child that never sees it (src/sign/key-holder.ts)
  const held = keyFlags(argv).length > 0 ? await (await import("../sign/key-holder.ts")).holdKey(script, argv) : undefined;
  return held ?? (await (await import("./main.ts")).main(argv));
}

// the bundle's entrypoint; from a clone, bin/bunseal imports this module and calls start itself
if (import.meta.main) process.exitCode = await start(import.meta.path, process.argv.slice(2));
