/**
 * A command line that parses, parsed without commander (issue #23): loading
 * commander and building its objects cost more than Bun's own start-up, on
 * every run of every command. The command's own registration (its
 * `registerX(program, setExit)`) is run against a recorder that stands in for
 * commander's `Command`, so the flags, defaults, parsers and action are the
 * very ones commander is given; the words are then read with commander's
 * rules (node_modules/commander/lib/command.js: parseOptions, addOption's
 * value handling, _prepareForParse's lone negation, _processArguments), and
 * the action is called with the (args, options) commander would pass it.
 *
 * Only what is certainly understood is parsed here. Anything else is left to
 * commander (`undefined`): an unknown option or help (commander's to tell), a
 * missing value or argument, extra arguments, a group of short flags,
 * subcommands, and any registration that uses more of commander than the
 * recorder knows (a short flag, a variadic option, a parser other than
 * `collect`, addOption, an argument parser: the recorder notes the call and
 * the whole command goes to commander). test/cli-io/parse-line.test.ts holds
 * every parse this makes equal to commander's over thousands of generated lines.
 */
import { collect } from "./output.ts";

export interface RecordedOption {
  flags: string;
  long: string;
  /** takes a value always (`<v>`), or when one follows (`[v]`) */
  required: boolean;
  optional: boolean;
  /** `--no-x`: sets `x` to false */
  negate: boolean;
  mandatory: boolean;
  defaultValue: unknown;
  parseArg?: (value: string, previous: unknown) => unknown;
  /** the key in the options object: `--source-uri` → `sourceUri`, `--no-sign` → `sign` */
  attributeName: string;
}

export interface RecordedArgument {
  name: string;
  required: boolean;
  variadic: boolean;
  defaultValue: unknown;
}

type Action = (...args: unknown[]) => unknown;

/**
 * What a registration told a command, as far as this module understands it.
 * It has only the methods it models: a registration that calls any other of
 * commander's (hooks, addOption, allowUnknownOption, passThroughOptions, …)
 * throws a TypeError here, and the command is left to commander (recordCommand).
 */
export class RecordedCommand {
  readonly options: RecordedOption[] = [];
  readonly registeredArguments: RecordedArgument[] = [];
  readonly commands: RecordedCommand[] = [];
  actionHandler: Action | undefined;
  /** false once the registration used anything the recorder does not model: the command is then commander's */
  understood = true;
  #description = "";

  constructor(private readonly commandName: string) {}

  command(nameAndArgs: string, ...rest: unknown[]): RecordedCommand {
    // `.command("x <arg>")`, an executable subcommand's description, or options: more than a name
    const child = new RecordedCommand(nameAndArgs);
    if (rest.length > 0 || !/^[a-z][a-z0-9-]*$/.test(nameAndArgs)) child.understood = false;
    this.commands.push(child);
    return child;
  }

  name(): string;
  name(rename: string): this;
  name(...rename: string[]): string | this {
    if (rename.length === 0) return this.commandName;
    this.understood = false;
    return this;
  }

  description(...text: string[]): this | string {
    if (text.length === 0) return this.#description;
    this.#description = text[0] ?? "";
    return this;
  }

  argument(flags: string, _description?: string, ...rest: unknown[]): this {
    // an argument's parser (commander calls it, and tells what it throws): commander's
    if (typeof rest[0] === "function" || rest.length > 1) this.understood = false;
    const match = /^(<([^<>[\]\s]+)>|\[([^<>[\]\s]+)\]|([^<>[\]\s]+))$/.exec(flags);
    if (!match) {
      this.understood = false;
      return this;
    }
    let name = match[2] ?? match[3] ?? match[4]!;
    const variadic = name.endsWith("...");
    if (variadic) name = name.slice(0, -3);
    this.registeredArguments.push({ name, required: match[3] === undefined, variadic, defaultValue: rest[0] });
    return this;
  }

  option(flags: string, _description?: string, ...rest: unknown[]): this {
    return this.addOptionFlags(false, flags, rest);
  }

  requiredOption(flags: string, _description?: string, ...rest: unknown[]): this {
    return this.addOptionFlags(true, flags, rest);
  }

  action(fn: Action): this {
    this.actionHandler = fn;
    return this;
  }

  aliases(...names: string[][]): this | string[] {
    if (names.length === 0) return [];
    this.understood = false;
    return this;
  }

  private addOptionFlags(mandatory: boolean, flags: string, rest: unknown[]): this {
    // long flags only, as every command has them: a short flag brings groups (-abc) and attached values
    const match = /^(--[a-z0-9][a-z0-9-]*)(?: (<[^<>]+>|\[[^[\]]+\]))?$/i.exec(flags);
    const [fnOrDefault, defaultValue] = rest;
    let parseArg: RecordedOption["parseArg"];
    let initial: unknown = fnOrDefault;
    if (typeof fnOrDefault === "function") {
      // collect accumulates every value and refuses none; another parser may refuse one, in commander's words
      if (fnOrDefault !== collect) this.understood = false;
      parseArg = fnOrDefault as RecordedOption["parseArg"];
      initial = defaultValue;
    } else if (fnOrDefault instanceof RegExp || rest.length > 1) this.understood = false;
    if (!match || /\.\.\.[>\]]$/.test(flags)) {
      this.understood = false;
      return this;
    }
    const long = match[1]!;
    const required = flags.includes("<");
    const optional = flags.includes("[");
    // a flag parsed by collect that takes no value would be handed `undefined`
    if (parseArg && !required && !optional) this.understood = false;
    const negate = long.startsWith("--no-");
    const name = long.slice(2);
    this.options.push({ flags, long, required, optional, negate, mandatory, defaultValue: initial, parseArg, attributeName: camelcase(negate ? name.slice(3) : name) });
    return this;
  }
}

/** The registered command `name`, as its registration describes it to the recorder. */
export function recordCommand(register: (program: never, setExit: (code: number) => void) => void, setExit: (code: number) => void, name: string): RecordedCommand | undefined {
  const program = new RecordedCommand("bunseal");
  try {
    register(program as never, setExit);
  } catch {
    // a registration that needs more of a Command than the recorder has (a method it lacks): commander's
    return undefined;
  }
  return program.commands.find((c) => c.name() === name);
}

/** A parsed line: the action and what commander would call it with. */
export interface ActionCall {
  /** (args..., options), as commander passes them before its Command */
  args: unknown[];
  run(): Promise<unknown>;
}

const NEGATIVE_NUMBER = /^-(\d+|\d*\.\d+)([eE][+-]?\d+)?$/;
const maybeOption = (arg: string) => arg.length > 1 && arg[0] === "-";

/** `rest` (the words after the command's name) parsed as commander parses them, or undefined when that is commander's to do. */
export function parseLine(command: RecordedCommand | undefined, rest: readonly string[]): ActionCall | undefined {
  if (!command || !command.understood || command.commands.length > 0 || !command.actionHandler) return undefined;
  const find = (arg: string) => command.options.find((o) => o.long === arg);
  // addOption stores each default in the order the options were added
  const values: Record<string, unknown> = {};
  for (const option of command.options) if (option.defaultValue !== undefined) values[option.attributeName] = option.defaultValue;
  // then _prepareForParse: a lone `--no-x` (no `--x` beside it) makes x true unless given
  for (const option of command.options) {
    if (option.negate && option.defaultValue === undefined && values[option.attributeName] === undefined && !find(`--${option.long.slice(5)}`)) values[option.attributeName] = true;
  }
  const set = (option: RecordedOption, given: string | null | undefined) => {
    let value: unknown = given;
    if (given !== null && option.parseArg) value = option.parseArg(given as string, values[option.attributeName]);
    if (value === null || value === undefined) value = option.negate ? false : option.required ? "" : true;
    values[option.attributeName] = value;
  };
  const operands: string[] = [];
  for (let i = 0; i < rest.length; ) {
    const arg = rest[i++]!;
    if (arg === "--") {
      operands.push(...rest.slice(i));
      break;
    }
    if (maybeOption(arg)) {
      const option = find(arg);
      if (option) {
        if (option.required) {
          // a missing value is a usage error: commander tells it
          if (i >= rest.length) return undefined;
          set(option, rest[i++]);
        } else if (option.optional) {
          const next = rest[i];
          // an optional value is the next word unless that looks like an option (a negative number does not)
          set(option, next !== undefined && (!maybeOption(next) || NEGATIVE_NUMBER.test(next)) ? rest[i++]! : null);
        } else set(option, undefined);
        continue;
      }
    }
    const eq = arg.indexOf("=");
    if (arg.startsWith("--") && eq > 2) {
      const option = find(arg.slice(0, eq));
      if (option && (option.required || option.optional)) {
        set(option, arg.slice(eq + 1));
        continue;
      }
    }
    // an unknown option, help, or a group of short flags: commander's to tell (no command has a short flag, so -1 is an operand)
    if (maybeOption(arg) && !NEGATIVE_NUMBER.test(arg)) return undefined;
    operands.push(arg);
  }
  if (command.options.some((o) => o.mandatory && values[o.attributeName] === undefined)) return undefined;
  const declared = command.registeredArguments;
  if (declared.some((a, i) => a.required && operands[i] === undefined)) return undefined;
  if (!declared.at(-1)?.variadic && operands.length > declared.length) return undefined;
  const processed = declared.map((a, i) => (a.variadic ? (i < operands.length ? operands.slice(i) : (a.defaultValue ?? [])) : i < operands.length ? operands[i] : a.defaultValue));
  const args = [...processed, values];
  // the last argument commander passes is its Command; actions read no more of it than these
  const standIn = { name: () => command.name(), opts: () => values, args: operands, processedArgs: processed };
  return { args, run: async () => command.actionHandler!.apply(standIn, [...args, standIn]) };
}

function camelcase(flag: string): string {
  return flag.split("-").reduce((word, next) => word + next[0]!.toUpperCase() + next.slice(1));
}
