/**
 * The command line: parse arguments, call the library, render, and map errors
 * to exit statuses. The only place in bunseal that prints or exits.
 *
 *   0 ok · 1 the check ran and said no · 2 bad input or usage · 3 environment
 */
import { Command, CommanderError } from "commander";
import { isBunsealError, type BunsealError } from "../errors.ts";
import { removeAllScratch } from "../util/scratch-registry.ts";
import { annotateError } from "./github-actions.ts";
import { VERSION } from "../version.ts";
import { registerBuild } from "./commands/build.ts";
import { registerCheck } from "./commands/check.ts";
import { registerDeps } from "./commands/deps.ts";
import { registerInit } from "./commands/init.ts";
import { registerInspect } from "./commands/inspect.ts";
import { registerKeygen } from "./commands/keygen.ts";
import { registerPin } from "./commands/pin.ts";
import { registerPins } from "./commands/pins.ts";
import { registerRollback } from "./commands/rollback.ts";
import { registerStore } from "./commands/store.ts";
import { registerTrace } from "./commands/trace.ts";
import { registerRebuild } from "./commands/rebuild.ts";
import { registerSbom } from "./commands/sbom.ts";
import { registerServe } from "./commands/serve.ts";
import { registerVerify } from "./commands/verify.ts";
import { wantsJson } from "./output.ts";

const EXIT = { ok: 0, rejected: 1, input: 2, environment: 3 } as const;

/**
 * An interrupt or a stop leaves no scratch folder behind: what is still
 * registered (src/util/scratch-registry.ts) is removed, and bunseal exits as a
 * process killed by that signal would (128 + its number).
 */
function removeScratchOnSignals(): void {
  for (const [signal, number] of [["SIGINT", 2], ["SIGTERM", 15], ["SIGHUP", 1]] as const) {
    process.once(signal, () => {
      removeAllScratch();
      process.exit(128 + number);
    });
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  removeScratchOnSignals();
  let exitCode = 0;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (error) {
    return report(error, wantsJson(argv));
  }
}

/** Every command registered; also what src/cli/help-text.ts is generated from. */
export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command("bunseal")
    .description("Signed, reproducible, traceable release artifacts for bun build")
    .version(VERSION, "-V, --version")
    .exitOverride()
    // an option after a subcommand belongs to it (`pins verify F --json` is verify's --json, not pins')
    .enablePositionalOptions()
    .configureOutput({ writeErr: (text) => process.stderr.write(text), writeOut: (text) => process.stdout.write(text) })
    .showHelpAfterError("(run bunseal --help for usage)");
  registerInit(program, setExit);
  registerKeygen(program, setExit);
  registerBuild(program, setExit);
  registerVerify(program, setExit);
  registerRebuild(program, setExit);
  registerCheck(program, setExit);
  registerTrace(program, setExit);
  registerPin(program, setExit);
  registerPins(program, setExit);
  registerRollback(program, setExit);
  registerStore(program, setExit);
  registerInspect(program, setExit);
  registerSbom(program, setExit);
  registerServe(program, setExit);
  registerDeps(program, setExit);
  return program;
}

function report(error: unknown, json: boolean): number {
  if (error instanceof CommanderError) {
    // help and version end in a CommanderError too; they are not failures
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") return EXIT.ok;
    if (json) process.stdout.write(`${JSON.stringify({ error: { code: "USAGE", message: error.message.replace(/^error: /, "") } })}\n`);
    return EXIT.input;
  }
  if (isBunsealError(error)) {
    annotateError(`bunseal: ${error.code}`, error.message);
    printError(error, json);
    return EXIT[error.kind];
  }
  const message = error instanceof Error ? error.message : String(error);
  if (json) process.stdout.write(`${JSON.stringify({ error: { code: "INTERNAL", message } })}\n`);
  process.stderr.write(`bunseal: internal error: ${message}\nThis is a bug in bunseal ${VERSION}. Please report it with the command you ran and this message; run again with BUNSEAL_DEBUG=1 for a stack trace.\n`);
  if (process.env.BUNSEAL_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  return EXIT.environment;
}

function printError(error: BunsealError, json: boolean): void {
  if (json) process.stdout.write(`${JSON.stringify({ error: error.toJSON() })}\n`);
  process.stderr.write(`bunseal: ${error.code}: ${error.message}\n`);
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
