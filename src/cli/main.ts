/**
 * The command line: parse arguments, call the library, render, and map errors
 * to exit statuses. The only place in bunseal that prints or exits.
 *
 *   0 ok · 1 the check ran and said no · 2 bad input or usage · 3 environment
 */
import type { Command, CommanderError } from "commander";
import { isBunsealError, type BunsealError } from "../errors.ts";
import { removeAllScratch } from "../util/scratch-registry.ts";
import { annotateError, summarizeFailure } from "./github-actions.ts";
import { VERSION } from "../version.ts";
import { wantsJson } from "./output.ts";
import { writeErr, writeOut } from "./streams.ts";
import { parseLine, recordCommand } from "./parse-line.ts";

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

type Register = (program: Command, setExit: (code: number) => void) => void;

/**
 * Every command, in the order help lists them, each loaded only when asked
 * for: a run of one command neither imports nor registers the others (issue
 * #12: registering all of them cost ≈4 ms of every run, their modules more).
 */
export const COMMANDS: ReadonlyArray<readonly [name: string, load: () => Promise<Register>]> = [
  ["init", async () => (await import("./commands/init.ts")).registerInit],
  ["keygen", async () => (await import("./commands/keygen.ts")).registerKeygen],
  ["build", async () => (await import("./commands/build.ts")).registerBuild],
  ["verify", async () => (await import("./commands/verify.ts")).registerVerify],
  ["rebuild", async () => (await import("./commands/rebuild.ts")).registerRebuild],
  ["check", async () => (await import("./commands/check.ts")).registerCheck],
  ["measure", async () => (await import("./commands/measure.ts")).registerMeasure],
  ["trace", async () => (await import("./commands/trace.ts")).registerTrace],
  ["pin", async () => (await import("./commands/pin.ts")).registerPin],
  ["pins", async () => (await import("./commands/pins.ts")).registerPins],
  ["rollback", async () => (await import("./commands/rollback.ts")).registerRollback],
  ["store", async () => (await import("./commands/store.ts")).registerStore],
  ["inspect", async () => (await import("./commands/inspect.ts")).registerInspect],
  ["sbom", async () => (await import("./commands/sbom.ts")).registerSbom],
  ["serve", async () => (await import("./commands/serve.ts")).registerServe],
  ["deps", async () => (await import("./commands/deps.ts")).registerDeps],
];

/**
 * The commands a run needs: the one named first, or all of them when the
 * first word names none (top-level help, `help CMD`, an unknown or misspelt
 * command, whose suggestion commander draws from every name).
 */
function commandsFor(argv: readonly string[]): typeof COMMANDS {
  const named = COMMANDS.find(([name]) => name === argv[0]);
  return named ? [named] : COMMANDS;
}

export async function main(argv: readonly string[]): Promise<number> {
  removeScratchOnSignals();
  let exitCode = 0;
  const setExit = (code: number) => {
    exitCode = code;
  };
  const named = COMMANDS.find(([name]) => name === argv[0]);
  // a line that parses runs its command without commander (src/cli/parse-line.ts); anything else is commander's
  const call = named ? parseLine(recordCommand(await named[1](), setExit, named[0]), argv.slice(1)) : undefined;
  const program = call ? undefined : await buildProgram(setExit, commandsFor(argv));
  try {
    if (call) await call.run();
    else await program!.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (error) {
    return report(error, wantsJson(argv), named?.[0]);
  }
}

/** An error met before any command ran (bin/bunseal's start checks), told and mapped as a command's would be. */
export function refuse(error: unknown, argv: readonly string[]): number {
  return report(error, wantsJson(argv));
}

/** The program with the given commands (all by default: what src/cli/help-text.ts is generated from). */
export async function buildProgram(setExit: (code: number) => void, commands: typeof COMMANDS = COMMANDS): Promise<Command> {
  const commander = await import("commander");
  commanderError = commander.CommanderError;
  const program = new commander.Command("bunseal")
    .description("Signed, reproducible, traceable release artifacts for bun build")
    .version(VERSION, "-V, --version")
    .exitOverride()
    // an option after a subcommand belongs to it (`pins verify F --json` is verify's --json, not pins')
    .enablePositionalOptions()
    // through Bun's console (src/cli/streams.ts); help still asks Node's streams for the terminal's width
    .configureOutput({ writeErr, writeOut })
    .showHelpAfterError("(run bunseal --help for usage)");
  const registers = await Promise.all(commands.map(([, load]) => load()));
  for (const register of registers) register(program, setExit);
  return program;
}

/** commander's error class, once commander is loaded: an error of a run that never loaded it is none of commander's */
let commanderError: typeof CommanderError | undefined;

/** `command`: the command that failed, for the CI's job summary (none before one was named). */
function report(error: unknown, json: boolean, command?: string): number {
  if (commanderError && error instanceof commanderError) {
    // help and version end in a CommanderError too; they are not failures
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") return EXIT.ok;
    const message = error.message.replace(/^error: /, "");
    // a usage error (an unknown flag through the action's args) is a failure like any other on the job's page
    annotateError("bunseal: USAGE", message);
    if (command) summarizeFailure(command, "USAGE", message);
    if (json) writeOut(`${JSON.stringify({ error: { code: "USAGE", message } })}\n`);
    return EXIT.input;
  }
  if (isBunsealError(error)) {
    annotateError(`bunseal: ${error.code}`, error.message);
    if (command) summarizeFailure(command, error.code, error.message);
    printError(error, json);
    return EXIT[error.kind];
  }
  const message = error instanceof Error ? error.message : String(error);
  if (command) summarizeFailure(command, "INTERNAL", message);
  if (json) writeOut(`${JSON.stringify({ error: { code: "INTERNAL", message } })}\n`);
  writeErr(`bunseal: internal error: ${message}\nThis is a bug in bunseal ${VERSION}. Please report it with the command you ran and this message; run again with BUNSEAL_DEBUG=1 for a stack trace.\n`);
  if (process.env.BUNSEAL_DEBUG && error instanceof Error) writeErr(`${error.stack}\n`);
  return EXIT.environment;
}

function printError(error: BunsealError, json: boolean): void {
  if (json) writeOut(`${JSON.stringify({ error: error.toJSON() })}\n`);
  writeErr(`bunseal: ${error.code}: ${error.message}\n`);
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
