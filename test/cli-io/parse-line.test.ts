/**
 * A line that parses runs its command without commander (src/cli/parse-line.ts).
 * Differential: thousands of generated command lines (each command's own
 * options with values, `--opt=value`, repeated and negated options, operands,
 * `--`, negative numbers, values that look like options, unknown options and
 * help) go through the recorder's parse and through commander itself, with
 * every action replaced by a stub that keeps what it was called with; whenever
 * the parse answers, commander must have run the action with exactly those
 * arguments and options (values, and the options' key order), and refused nothing.
 */
import { describe, expect, test } from "bun:test";
import type { Command } from "commander";
import { buildProgram, COMMANDS } from "../../src/cli/main.ts";
import { parseLine, recordCommand, type RecordedCommand } from "../../src/cli/parse-line.ts";
import { mulberry32 } from "../fuzz/mutate.ts";

type Entry = (typeof COMMANDS)[number];

/** What commander hands the action of `argv`'s command (without its Command), or the error it threw. */
async function commanderCall(entry: Entry, argv: string[]): Promise<{ args?: unknown[]; error?: string }> {
  const program = await buildProgram(() => {}, [entry]);
  let args: unknown[] | undefined;
  const stub = (command: Command): void => {
    if (command.commands.length === 0) command.action((...given: unknown[]) => void (args = given.slice(0, -1)));
    command.commands.forEach(stub);
  };
  program.commands.forEach(stub);
  const saved = [console.log, console.error] as const;
  const said: string[] = [];
  console.log = (text: string) => void said.push(text);
  console.error = (text: string) => void said.push(text);
  try {
    await program.parseAsync(argv, { from: "user" });
    return { args };
  } catch (error) {
    return { error: `${(error as Error).message} ${said.join("\n")}` };
  } finally {
    [console.log, console.error] = saved;
  }
}

const VALUES = ["a", "b.tar", "sha256:00ff", "x y", "-1", "-2.5", "--", "-", "--json", "k=v", "", "--help", "-h", "--frobnicate"];
const WORDS = ["a", "b.tar", "sha256:00ff", "dir/", "-", "-1", "-2.5e3", "--", "--help", "-h", "-abc", "--frobnicate", "help"];

function commandLines(command: RecordedCommand, count: number, seed: number): string[][] {
  const rand = mulberry32(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)]!;
  const lines: string[][] = [];
  for (let i = 0; i < count; i++) {
    const line = [command.name()];
    // a required option is given in most lines, or nearly every line would be commander's usage error
    for (const option of command.options.filter((o) => o.mandatory)) if (rand() < 0.85) line.push(option.long, "v");
    for (let n = Math.floor(rand() * 7); n > 0; n--) {
      const r = rand();
      if (r < 0.6 && command.options.length > 0) {
        const option = pick(command.options);
        const value = rand() < 0.7 ? pick(["x", "v1", "dir/out", "sha256:ab"]) : pick(VALUES);
        if (option.required || option.optional) {
          const form = rand();
          if (form < 0.15) line.push(`${option.long}=${value}`);
          else if (form < 0.2 && option.optional) line.push(option.long);
          else line.push(option.long, value);
        } else line.push(rand() < 0.05 ? `${option.long}=x` : option.long);
      } else if (r < 0.9) line.push(pick(["a.tar", "sha256:00ff", "dir", "x y", "-1"]));
      else line.push(pick(WORDS));
    }
    lines.push(line);
  }
  return lines;
}

const record = async (entry: Entry) => recordCommand(await entry[1](), () => {}, entry[0]);

describe("a line that parses, without commander", () => {
  for (const [i, entry] of COMMANDS.entries()) {
    test(`${entry[0]}: every parse is commander's`, async () => {
      const command = await record(entry);
      let parsed = 0;
      for (const argv of commandLines(command!, 750, 2300 + i)) {
        const call = parseLine(command, argv.slice(1));
        if (call === undefined) continue;
        parsed++;
        const slow = await commanderCall(entry, argv);
        expect({ argv, ...slow }).toEqual({ argv, args: call.args });
        // the same object as commander's, key for key and in its order
        expect({ argv, keys: Object.keys(call.args.at(-1) as object) }).toEqual({ argv, keys: Object.keys(slow.args!.at(-1) as object) });
      }
      // a command with subcommands is left to commander whole; every other command parses most of its lines
      if (command!.commands.length > 0) expect(parsed).toBe(0);
      else expect(parsed).toBeGreaterThan(150);
    }, 120_000);
  }

  test("every command without subcommands is understood whole (no fallback for verify, trace or the others)", async () => {
    const leaves = [];
    for (const entry of COMMANDS) {
      const command = (await record(entry))!;
      if (command.commands.length === 0) {
        expect({ name: entry[0], understood: command.understood }).toEqual({ name: entry[0], understood: true });
        leaves.push(entry[0]);
      }
    }
    expect(leaves).toContain("verify");
    expect(leaves).toContain("trace");
    expect(leaves.length).toBe(COMMANDS.length - 3);
  });

  test("help, an unknown option, a missing value or argument and extra arguments are commander's", async () => {
    const verify = await record(COMMANDS.find(([name]) => name === "verify")!);
    const keygen = await record(COMMANDS.find(([name]) => name === "keygen")!);
    for (const rest of [["--help"], ["a", "-h"], ["--frobnicate"], ["a", "--key"], ["-abc"], ["a", "--json=1"]]) expect(parseLine(verify, rest)).toBeUndefined();
    expect(parseLine(keygen, [])).toBeUndefined(); // --out is required
    expect(parseLine(keygen, ["--out", "d", "extra"])).toBeUndefined();
    // and a line that parses gets commander's values: a repeated --key collected, --opt=value, -- ending the options
    expect(parseLine(verify, ["a", "--key", "k1", "--key=k2", "--", "--json"])!.args).toEqual([["a", "--json"], { key: ["k1", "k2"] }]);
  });

  test("a registration that uses more of commander than the recorder knows is left to commander", () => {
    const registrations = [
      (program: Command) => program.command("x").option("-k, --key <file>").action(() => {}),
      (program: Command) => program.command("x").option("--z").allowUnknownOption().action(() => {}),
      (program: Command) => program.command("x").option("--n <n>", "a number", (v: string) => Number(v)).action(() => {}),
      (program: Command) => program.command("x").argument("<n>", "a number", (v: string) => Number(v)).action(() => {}),
      (program: Command) => program.command("x").option("--many <v...>").action(() => {}),
    ];
    for (const register of registrations) expect(parseLine(recordCommand(register as never, () => {}, "x"), ["--z"])).toBeUndefined();
    expect(parseLine(recordCommand(((program: Command) => program.command("x").option("--z").action(() => {})) as never, () => {}, "x"), ["--z"])!.args).toEqual([{ z: true }]);
  });
});
