/**
 * The start-up fast path (src/cli/fast-path.ts) answers as commander would,
 * byte for byte: each case is run through the fast path and through main()
 * (commander, every command registered) and the two answers compared. The
 * stored help text is checked against a fresh one, as the schemas are.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { editDistance, fastAnswer, type FastAnswer } from "../../src/cli/fast-path.ts";
import { generatedModules } from "../../src/cli/generate-help.ts";
import { buildProgram, main } from "../../src/cli/main.ts";
import { runCli } from "../helpers/cli.ts";

const PIPES = { stdout: false, stderr: false };

/** main() with stdout and stderr captured, as the process would write them. */
async function fullPath(argv: string[], run: (argv: string[]) => Promise<number> = main): Promise<FastAnswer> {
  const out: string[] = [];
  const err: string[] = [];
  const [write, writeErr, log, error] = [process.stdout.write, process.stderr.write, console.log, console.error];
  // as to pipes, even when the tests run in a terminal (commander would wrap its help to the width)
  const tty = [process.stdout.isTTY, process.stderr.isTTY];
  process.stdout.isTTY = false;
  process.stderr.isTTY = false;
  process.stdout.write = ((chunk: string) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => err.push(String(chunk)) > 0) as typeof process.stderr.write;
  // whole lines go out through Bun's console (src/cli/streams.ts), one string each
  console.log = (text: string) => void out.push(`${text}\n`);
  console.error = (text: string) => void err.push(`${text}\n`);
  try {
    const exitCode = await run(argv);
    return { stdout: out.join(""), stderr: err.join(""), exitCode };
  } finally {
    [process.stdout.write, process.stderr.write, console.log, console.error] = [write, writeErr, log, error];
    [process.stdout.isTTY, process.stderr.isTTY] = tty as [boolean, boolean];
  }
}

describe("the fast path answers as commander does", () => {
  for (const argv of [[], ["--version"], ["-V"], ["--help"], ["-h"], ["help"], ["frobnicate"], ["frobnicate", "--key", "x"], ["--frobnicate"], ["-x"], ["zzzzzzzz", "build"]]) {
    test(JSON.stringify(argv), async () => {
      const fast = fastAnswer(argv, PIPES);
      expect(fast).toBeDefined();
      expect(fast).toEqual(await fullPath(argv));
    });
  }

  test("words commander would answer otherwise go the full path", () => {
    // a suggestion ("Did you mean build?"), a command, an option with a value, --json, a terminal's wrapped help
    for (const argv of [["biuld"], ["verfy"], ["build"], ["verify", "x"], ["--versio"], ["--hepl"], ["--x=1"], ["frobnicate", "--json"], ["help", "build"]]) expect(fastAnswer(argv, PIPES)).toBeUndefined();
    expect(fastAnswer(["--help"], { stdout: true, stderr: false })).toBeUndefined();
    expect(fastAnswer([], { stdout: false, stderr: true })).toBeUndefined();
  });

  test("a close word gets commander's suggestion by the full path", async () => {
    const out = await runCli(["biuld"]);
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toContain("(Did you mean build?)");
  });

  test("the installed command answers from the fast path the same bytes", async () => {
    const version = await runCli(["--version"]);
    expect({ stdout: version.stdout, stderr: version.stderr, exitCode: version.exitCode }).toEqual(await fullPath(["--version"]));
    const unknown = await runCli(["frobnicate"]);
    expect({ stdout: unknown.stdout, stderr: unknown.stderr, exitCode: unknown.exitCode }).toEqual(await fullPath(["frobnicate"]));
  });

  test("the stored help and command specs are current (bun run help-text)", async () => {
    const { help, specs } = await generatedModules();
    expect(readFileSync(join(import.meta.dir, "..", "..", "src", "cli", "help-text.ts"), "utf8")).toBe(help);
    expect(readFileSync(join(import.meta.dir, "..", "..", "src", "cli", "command-specs.json"), "utf8")).toBe(specs);
  });

  test("edit distance counts a swap of neighbours as one", () => {
    expect(editDistance("biuld", "build")).toBe(1);
    expect(editDistance("verify", "verify")).toBe(0);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("kitten", "sitting")).toBe(3);
  });
});

/** The program with every command registered, as main() had it before it loaded only the one named. */
async function allCommands(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = await buildProgram((code) => (exitCode = code));
  try {
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (error) {
    // as main() maps them: help and version are not failures, every other CommanderError is a usage error
    return ["commander.helpDisplayed", "commander.help", "commander.version"].includes((error as { code?: string }).code ?? "") ? 0 : 2;
  }
}

describe("a run loads only the command it names", () => {
  const names = ["init", "keygen", "build", "verify", "rebuild", "check", "measure", "trace", "pin", "pins", "rollback", "store", "inspect", "sbom", "serve", "deps"];

  test("every command of the help has its loader", async () => {
    const program = await buildProgram(() => {});
    expect(program.commands.map((c) => c.name()).sort()).toEqual([...names].sort());
  });

  for (const name of names) {
    test(`${name}: its help and its usage errors are those of the whole program`, async () => {
      for (const argv of [[name, "--help"], [name, "--frobnicate-the-widgets"], [name, "a", "b", "c", "d", "e", "f", "g"]]) {
        const alone = await fullPath(argv);
        expect(alone).toEqual(await fullPath(argv, allCommands));
        // and each is really an answer: help on stdout, or an error on stderr
        expect(alone.stdout.length + alone.stderr.length).toBeGreaterThan(0);
      }
    });
  }
});
