/**
 * One `bun build` command line → Bun.build options, every one explicit. An
 * option the command leaves out gets the CLI's default, not Bun.build's (which
 * a config's are): the config must build what the script builds, and the two
 * disagree (chunk names: the CLI's "[name]-[hash]", Bun.build's "chunk-[hash]").
 */
import { flagByLong, flagByShort, OUT_FOLDER, type FlagSpec } from "./bun-build-flags.ts";
import { emptyTranslation, setPart, untranslated, type Translation } from "./translation.ts";

/** `bun build --help` of Bun 1.4.5 (checked by test/init/bun-help.test.ts). */
export const CLI_NAMING = { entry: "[dir]/[name].[ext]", chunk: "[name]-[hash].[ext]", asset: "[name]-[hash].[ext]" } as const;

/** What `bun build` does with no flag: the values written for options the command leaves out. */
export const CLI_DEFAULTS: Readonly<Record<string, unknown>> = {
  target: "browser",
  format: "esm",
  minify: false,
  sourcemap: "none",
  splitting: false,
  external: [],
  define: {},
  naming: { chunk: CLI_NAMING.chunk, asset: CLI_NAMING.asset },
  packages: "bundle",
  env: "disable",
  bytecode: false,
};

/** `args`: the words after `bun build`; `env`: the variables the script sets for it. */
export function translateCommand(args: readonly string[], env: Readonly<Record<string, string>> = {}): Translation {
  const t = emptyTranslation();
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    if (word === "--") {
      args.slice(i + 1).forEach((entry) => addEntrypoint(t, entry));
      break;
    }
    if (word.startsWith("--")) {
      const eq = word.indexOf("=");
      const name = eq === -1 ? word.slice(2) : word.slice(2, eq);
      const inline = eq === -1 ? undefined : word.slice(eq + 1);
      i += applyFlag(t, flagByLong(name), word, inline, args[i + 1], name);
    } else if (word.startsWith("-") && word.length > 1) {
      // `-e react`, `-e=react` and `-ereact` all reach Bun as -e with "react"
      const rest = word.slice(2);
      const inline = rest === "" ? undefined : rest.startsWith("=") ? rest.slice(1) : rest;
      i += applyFlag(t, flagByShort(word[1]!), word, inline, args[i + 1], word.slice(1));
    } else addEntrypoint(t, word);
  }
  applyEnvironment(t, env);
  finish(t);
  return t;
}

/** Applies one flag; returns how many following words it took as its value. */
function applyFlag(t: Translation, spec: FlagSpec | undefined, word: string, inline: string | undefined, next: string | undefined, name: string): number {
  if (!spec) {
    const hint = name.startsWith("define:") ? ' (the flag is --define KEY:VALUE; "--define:" is read as an unknown flag, so this define is not applied)' : "";
    untranslated(t, word, `not a flag of bun build in Bun 1.4.5: Bun ignores it, so the script's build does not use it either${hint}`);
    return 0;
  }
  let value = inline;
  let taken = 0;
  if (spec.arity === "value" && value === undefined) {
    if (next === undefined) {
      untranslated(t, word, "expected a value after it, got the end of the command");
      return 0;
    }
    value = next;
    taken = 1;
  }
  if (spec.arity === "none" && value !== undefined) {
    untranslated(t, word, `--${spec.name} takes no value`);
    return 0;
  }
  const token = taken ? `${word} ${value}` : word;
  if (spec.reason) untranslated(t, token, spec.reason);
  else spec.apply!(t, value, token);
  return taken;
}

function addEntrypoint(t: Translation, word: string): void {
  const path = word.replace(/^(\.\/)+/, "");
  if (path === "" || path.startsWith("/") || path.split(/[\\/]/).includes("..")) {
    untranslated(t, word, "an entrypoint outside the project; bunseal builds from the project's own files (paths relative to it, without '..')");
  } else t.entrypoints.push(path);
}

function applyEnvironment(t: Translation, env: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(env)) {
    const token = `${name}=${value}`;
    if (name === "NODE_ENV") {
      // Bun inlines NODE_ENV from its environment; bunseal's build gets a fixed environment, so it becomes a define
      // (the same bytes, measured on Bun 1.4.5). A --define of it on the command line wins, as in Bun.
      const define = (t.options.define as Record<string, string> | undefined) ?? {};
      if (!("process.env.NODE_ENV" in define)) setPart(t, "define", "process.env.NODE_ENV", JSON.stringify(value), token);
    } else {
      untranslated(t, token, `a variable the script sets for the build; bunseal's build sees only the variables named in the config's env, with the values bunseal itself is given: add ${name} to env and set it where bunseal runs`);
    }
  }
}

function finish(t: Translation): void {
  const o = t.options;
  const minify = o.minify as Record<string, boolean> | undefined;
  if (minify) {
    const all = minify.whitespace === true && minify.syntax === true && minify.identifiers === true;
    o.minify = all && !minify.keepNames ? true : { whitespace: !!minify.whitespace, syntax: !!minify.syntax, identifiers: !!minify.identifiers, ...(minify.keepNames ? { keepNames: true } : {}) };
  }
  if (o.outfile !== undefined) {
    if (o.compile === true) setPart(t, "compileOptions", "outfile", o.outfile, t.sources.outfile![0]!);
    else untranslated(t, t.sources.outfile![0]!, OUT_FOLDER);
    delete o.outfile;
    delete t.sources.outfile;
  }
  const compileOptions = o.compileOptions as Record<string, unknown> | undefined;
  delete o.compileOptions;
  if (compileOptions && o.compile !== true) {
    for (const token of new Set(t.sources.compileOptions ?? [])) untranslated(t, token, "an option of --compile, which the command does not pass (Bun refuses it without --compile)");
    if (o.target === "bun" && typeof compileOptions.target === "string") o.target = undefined;
  } else if (o.compile === true && compileOptions) {
    const keys = Object.keys(compileOptions);
    o.compile = keys.length === 1 && keys[0] === "target" ? compileOptions.target : compileOptions;
    for (const [key, tokens] of Object.entries(t.sources)) if (key.startsWith("compileOptions")) (t.sources[key.replace("compileOptions", "compile")] ??= []).push(...tokens);
  }
  for (const key of Object.keys(t.sources)) if (key.startsWith("compileOptions")) delete t.sources[key];
  // an executable runs on Bun, so --compile without --target bundles for Bun; so does --bytecode (measured on
  // Bun 1.4.5: the CLI's output is `// @bun @bytecode @bun-cjs`, and Bun.build refuses bytecode for the browser)
  o.target ??= o.compile || o.bytecode ? "bun" : CLI_DEFAULTS.target;
  // `--format`: "Defaults to "esm", or "cjs" with --bytecode" (bun build --help)
  o.format ??= o.bytecode ? "cjs" : CLI_DEFAULTS.format;
  // entry is written only when the command sets it: measured on Bun 1.4.5, an explicit entry name equal to
  // the documented default still changes a split entry's chunk id (CLI and Bun.build alike), so writing it
  // would change the bytes; chunk and asset must be written, as Bun.build's own defaults differ from the CLI's
  const { entry: _entry, ...namingDefaults } = CLI_NAMING;
  o.naming = { ...namingDefaults, ...((o.naming as Record<string, string> | undefined) ?? {}) };
  for (const [key, value] of Object.entries(CLI_DEFAULTS)) o[key] ??= value;
}
