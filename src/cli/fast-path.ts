/**
 * Answers that need no command: `--version`, `--help`, a word that is no
 * command or option at all, and a command's own usage errors (src/cli/usage-errors.ts). Loading commander and registering every command
 * costs several times Bun's own start-up (issue #12), and these are the
 * answers people and scripts ask for most often. Each answer is commander's,
 * byte for byte: test/cli-io/fast-path.test.ts compares them with the full
 * path's. Anything that might get another answer from commander (a word close
 * to a command, which commander would suggest; --json) goes the full path.
 */
import { VERSION } from "../version.ts";
import type { CommandSpec } from "./usage-errors.ts";
import { COMMAND_NAMES, TOP_LEVEL_HELP } from "./help-text.ts";
import { isTerminal } from "./streams.ts";
import { editDistance, withinDistance } from "./edit-distance.ts";

export { editDistance };

export interface FastAnswer {
  stdout: string;
  stderr: string;
  exitCode: number;
}

const AFTER_ERROR = "(run bunseal --help for usage)\n";
// commander suggests a name within this many edits (its suggestSimilar); closer words go the full path
const SUGGESTION_DISTANCE = 3;

/**
 * `terminal`: which streams are terminals. Commander wraps help to a terminal's
 * width; the stored help is the unwrapped text it writes to a pipe or file, so
 * help for a terminal goes the full path (a person reading it does not notice).
 */
export function fastAnswer(argv: readonly string[], terminal: { stdout: boolean; stderr: boolean } | ((fd: 1 | 2) => boolean) = isTerminal, env: Readonly<Record<string, string | undefined>> = process.env): FastAnswer | undefined {
  const answer = fastAnswerOf(argv, terminal);
  // on GitHub Actions a usage error is also an ::error annotation and a job summary (src/cli/main.ts), which the full path writes
  return answer && answer.exitCode !== 0 && env.GITHUB_ACTIONS === "true" ? undefined : answer;
}

function fastAnswerOf(argv: readonly string[], terminal: { stdout: boolean; stderr: boolean } | ((fd: 1 | 2) => boolean)): FastAnswer | undefined {
  // asked only for the answers that depend on it: --version never looks
  const onTerminal = (fd: 1 | 2) => (typeof terminal === "function" ? terminal(fd) : fd === 1 ? terminal.stdout : terminal.stderr);
  if (argv.length === 0) return onTerminal(2) ? undefined : { stdout: "", stderr: TOP_LEVEL_HELP, exitCode: 0 };
  if (argv.includes("--json")) return undefined;
  const [first] = argv as [string];
  if (argv.length === 1 && (first === "--version" || first === "-V")) return { stdout: `${VERSION}\n`, stderr: "", exitCode: 0 };
  if (argv.length === 1 && (first === "--help" || first === "-h" || first === "help")) return onTerminal(1) ? undefined : { stdout: TOP_LEVEL_HELP, stderr: "", exitCode: 0 };
  if (first === "--" || first.includes("=")) return undefined;
  if (first.startsWith("-")) {
    if (["--version", "-V", "--help", "-h"].includes(first) || nearAny(first, ["--version", "--help"])) return undefined;
    return { stdout: "", stderr: `error: unknown option '${first}'\n${AFTER_ERROR}`, exitCode: 2 };
  }
  if (COMMAND_NAMES.includes(first)) {
    // required only here: parsing every command's spec would cost `--version` a millisecond
    const COMMAND_SPECS = require("./command-specs.json") as Readonly<Record<string, CommandSpec>>;
    const spec = Object.hasOwn(COMMAND_SPECS, first) ? COMMAND_SPECS[first]! : undefined;
    if (!spec) return undefined;
    // a command's own usage error, as commander would tell it (src/cli/usage-errors.ts); anything else runs the command
    const { usageError } = require("./usage-errors.ts") as typeof import("./usage-errors.ts");
    const message = usageError(spec, argv.slice(1));
    return message === undefined ? undefined : { stdout: "", stderr: `${message}\n${AFTER_ERROR}`, exitCode: 2 };
  }
  if (first === "help" || nearAny(first, [...COMMAND_NAMES, "help"])) return undefined;
  return { stdout: "", stderr: `error: unknown command '${first}'\n${AFTER_ERROR}`, exitCode: 2 };
}

function nearAny(word: string, names: readonly string[]): boolean {
  return names.some((name) => withinDistance(word, name, SUGGESTION_DISTANCE));
}

