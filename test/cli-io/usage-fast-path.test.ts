/**
 * A command's usage errors are told by src/cli/usage-errors.ts without
 * loading commander. Differential: thousands of generated command lines (each
 * command's own flags, other commands' flags, near misses, values that look
 * like options, extra words) go through the fast path and through commander
 * itself, with every command's action replaced by a stub; whenever the fast
 * path answers, commander must have refused the line with exactly those bytes.
 */
import { describe, expect, test } from "bun:test";
import type { Command } from "commander";
import { fastAnswer, type FastAnswer } from "../../src/cli/fast-path.ts";
import SPECS from "../../src/cli/command-specs.json";
import type { CommandSpec } from "../../src/cli/usage-errors.ts";

const COMMAND_SPECS = SPECS as Readonly<Record<string, CommandSpec>>;
import { buildProgram } from "../../src/cli/main.ts";
import { mulberry32 } from "../fuzz/mutate.ts";

const PIPES = { stdout: false, stderr: false };

/** commander's answer to a command line, with no command's action run (each is a stub that says it ran). */
async function commanderAnswer(argv: string[]): Promise<FastAnswer & { ran: boolean }> {
  const program = await buildProgram(() => {});
  let ran = false;
  const stub = (command: Command): void => {
    if (command.commands.length === 0) command.action(() => void (ran = true));
    command.commands.forEach(stub);
  };
  program.commands.forEach(stub);
  const out: string[] = [];
  const err: string[] = [];
  const saved = [console.log, console.error] as const;
  console.log = (text: string) => void out.push(`${text}\n`);
  console.error = (text: string) => void err.push(`${text}\n`);
  let exitCode = 0;
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    exitCode = (error as { code?: string }).code?.startsWith("commander.") ? 2 : 3;
  } finally {
    [console.log, console.error] = saved;
  }
  return { stdout: out.join(""), stderr: err.join(""), exitCode, ran };
}

/** One edit of a flag: what a hurried hand types. */
function nearMiss(rand: () => number, flag: string): string {
  const at = 2 + Math.floor(rand() * Math.max(1, flag.length - 2));
  const kind = Math.floor(rand() * 3);
  if (kind === 0) return flag.slice(0, at) + flag.slice(at + 1);
  if (kind === 1) return `${flag.slice(0, at)}x${flag.slice(at)}`;
  return flag.slice(0, at) + (flag[at + 1] ?? "") + (flag[at] ?? "") + flag.slice(at + 2);
}

function commandLines(name: string, count: number, seed: number): string[][] {
  const rand = mulberry32(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)]!;
  const spec = COMMAND_SPECS[name]!;
  const own = spec.options.flatMap((o) => [o.long, o.short].filter((f): f is string => f !== undefined));
  const others = Object.values(COMMAND_SPECS).flatMap((s) => s.options.map((o) => o.long).filter((f): f is string => f !== undefined));
  const words = ["a", "b.tar", "sha256:00ff", "dir/", "x y", "-1", "-2.5", "--", "-h", "--help", "-", "-abc", "-z", "--zzzzzzzzzzzzzz", "--frobnicate-widgets", "--=", "--key=v", `${own[0] ?? "--x"}=v`];
  const lines: string[][] = [];
  for (let i = 0; i < count; i++) {
    const line = [name];
    for (let n = Math.floor(rand() * 6); n > 0; n--) {
      const r = rand();
      line.push(r < 0.4 && own.length > 0 ? pick(own) : r < 0.55 ? pick(others) : r < 0.65 && own.length > 0 ? nearMiss(rand, pick(own.filter((f) => f.startsWith("--")).concat("--json"))) : pick(words));
    }
    lines.push(line.filter((w) => w !== "--json"));
  }
  return lines;
}

describe("a command's usage errors without commander", () => {
  const kinds = new Map<string, number>();
  for (const [i, name] of Object.keys(COMMAND_SPECS).entries()) {
    test(`${name}: every answer of the fast path is commander's`, async () => {
      let answered = 0;
      for (const argv of commandLines(name, 1000, 1000 + i)) {
        const fast = fastAnswer(argv, PIPES);
        if (fast === undefined) continue;
        answered++;
        const slow = await commanderAnswer(argv);
        expect({ argv, ...fast, ran: false }).toEqual({ argv, ...slow });
        const kind = fast.stderr.replace(/'.*$/s, "").replace(/ for .*$/s, "");
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      }
      // a command with subcommands is left to commander whole; a leaf gets most of its errors answered
      if (COMMAND_SPECS[name]!.special) expect(answered).toBe(0);
      else expect(answered).toBeGreaterThan(40);
    });
  }

  test("every kind of error commander tells is among the answers", () => {
    expect([...kinds.keys()].sort()).toEqual(["error: missing required argument ", "error: option ", "error: required option ", "error: too many arguments", "error: unknown option "]);
  });

  test("a line with no usage error runs the command (the fast path stays out of the way)", async () => {
    for (const argv of [["verify"], ["verify", "a.tar", "--key", "k.pub"], ["trace", "sha256:00"], ["pin", "d", "--env", "prod"]]) {
      expect(fastAnswer(argv, PIPES)).toBeUndefined();
      expect((await commanderAnswer(argv)).ran).toBe(true);
    }
  });
});
