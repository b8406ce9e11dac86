/**
 * A command's usage errors without commander: loading commander costs twice
 * Bun's own start-up (issue #12), and a mistyped flag deserves its answer as
 * fast as `--version`. The rules are commander's own, applied to a spec of
 * each command that src/cli/generate-help.ts reads off the real program
 * (src/cli/command-specs.json): an option missing its value, a required option not
 * given, an unknown option, a missing or an extra argument, told in the order
 * commander checks them and in its words. Anything this cannot be sure of (help, a
 * `--`, a group of short flags, a negative number, a word close enough to an
 * option that commander would suggest it, a command with subcommands) is left
 * to commander: `undefined`, and the full path answers.
 * test/cli-io/usage-fast-path.test.ts runs thousands of generated command
 * lines through both and compares every answer this gives.
 */
import { withinDistance } from "./edit-distance.ts";

export interface OptionSpec {
  flags: string;
  long?: string;
  short?: string;
  /** takes a value: always (`<v>`), or when one follows (`[v]`) */
  value: "required" | "optional" | "none";
  /** anything commander might answer differently for: a parser that can refuse, choices, an environment variable, implications, conflicts, variadic, negation */
  special: boolean;
  /** `requiredOption` with no default: must be given */
  mandatory: boolean;
}

export interface ArgumentSpec {
  name: string;
  required: boolean;
  variadic: boolean;
}

export interface CommandSpec {
  name: string;
  options: OptionSpec[];
  arguments: ArgumentSpec[];
  /** subcommands, unknown options allowed, pass-through: left to commander */
  special: boolean;
}

const SUGGESTION_DISTANCE = 3; // commander suggests within 2 edits; one more for safety
const NEGATIVE_NUMBER = /^-(\d+|\d*\.\d+)([eE][+-]?\d+)?$/;
const isOption = (arg: string) => arg.length > 1 && arg[0] === "-";

/** commander's message for a usage error in `rest` (the words after the command's name), or undefined. */
export function usageError(spec: CommandSpec, rest: readonly string[]): string | undefined {
  if (spec.special) return undefined;
  const find = (arg: string) => spec.options.find((o) => o.long === arg || o.short === arg);
  const given = new Set<OptionSpec>();
  const operands: string[] = [];
  let firstUnknown: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === "--" || arg === "-h" || arg === "--help" || NEGATIVE_NUMBER.test(arg)) return undefined;
    const option = isOption(arg) ? find(arg) : undefined;
    if (option) {
      if (option.special) return undefined;
      if (option.value === "required") {
        if (i + 1 >= rest.length) return `error: option '${option.flags}' argument missing`;
        if (["--", "-h", "--help"].includes(rest[i + 1]!)) return undefined;
        i++;
      } else if (option.value === "optional") {
        return undefined;
      }
      given.add(option);
      continue;
    }
    if (isOption(arg)) {
      // a group of short flags (-abc), or --name=value: commander has more rules for those
      if ((arg[1] !== "-" && arg.length > 2) || arg.includes("=")) return undefined;
      firstUnknown ??= arg;
      continue;
    }
    operands.push(arg);
  }
  const missing = spec.options.find((o) => o.mandatory && !given.has(o));
  if (missing) return `error: required option '${missing.flags}' not specified`;
  if (firstUnknown !== undefined) {
    if (firstUnknown.startsWith("--")) {
      const word = firstUnknown.slice(2);
      const near = [...spec.options.flatMap((o) => (o.long ? [o.long] : [])), "--help"].some((flag) => withinDistance(word, flag.slice(2), SUGGESTION_DISTANCE));
      if (near) return undefined;
    }
    return `error: unknown option '${firstUnknown}'`;
  }
  const absent = spec.arguments.find((a, i) => a.required && operands[i] === undefined);
  if (absent) return `error: missing required argument '${absent.name}'`;
  const last = spec.arguments.at(-1);
  if (!last?.variadic && operands.length > spec.arguments.length) {
    const expected = spec.arguments.length;
    return `error: too many arguments for '${spec.name}'. Expected ${expected} argument${expected === 1 ? "" : "s"} but got ${operands.length}: ${operands.join(", ")}.`;
  }
  return undefined;
}
