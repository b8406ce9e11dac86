/**
 * The action's free-text inputs, read as the workflow's author means them and never run:
 *
 * - `args`: words as a shell splits them (blanks and line breaks separate; '…', "…" and \ quote;
 *   a # at a word's start comments out the rest of its line), with nothing expanded. What a shell
 *   would expand or run ($, `, a leading ~, {a,b}, ; & | < > ( )) outside single quotes is refused rather than passed
 *   on: a `$(…)` passed on as a word would be a surprise too, and a `$VAR` the author expected to be
 *   filled in would reach bunseal as its name. `read -r -a` kept only the first line, so the flags
 *   of lines 2 and after (`--service`, `--policy`) were dropped and the gate passed without them.
 * - verify's `path`: paths or globs, one a line or comma-separated, as actions/attest-build-provenance's
 *   `subject-path`; a pattern that matches nothing fails the step.
 *
 * `bun inputs.ts args|subjects` prints the words NUL-terminated, for bash's `mapfile -d ''`; a
 * problem is a `::error` annotation on stderr and exit 2.
 */

import { appendFileSync } from "node:fs";

export class InputError extends Error {}

const BLANK = new Set([" ", "\t", "\n", "\r"]);
// a shell would act on these: run a command, redirect, or start a subshell
const OPERATORS = new Set([";", "&", "|", "<", ">", "(", ")"]);

/** Whether a shell would expand the $ at `i`: a `$` before a blank or at the end (a regexp's anchor) is a plain $. */
function expands(text: string, i: number, quoted: boolean): boolean {
  const next = text[i + 1];
  if (next === undefined) return false;
  return /[A-Za-z0-9_{(@*#?$!-]/.test(next) || (!quoted && (next === "'" || next === '"'));
}

export function shellWords(text: string): string[] {
  const words: string[] = [];
  let word = "";
  // a word begun with quotes ('' "") is a word even when empty, as in a shell
  let inWord = false;
  const refuse = (what: string, at: number): never => {
    throw new InputError(`${what} at character ${at + 1}; args is split into words as a shell splits them but never run by one: give values with \${{ }} expressions, or quote them with '…'`);
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (BLANK.has(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else if (c === "#" && !inWord) {
      while (i + 1 < text.length && text[i + 1] !== "\n") i++;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new InputError(`a ' at character ${i + 1} is never closed`);
      word += text.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        const d = text[j]!;
        if ((d === "$" && expands(text, j, true)) || d === "`") refuse(`${d} inside "…" would be expanded by a shell`, j);
        if (d === "\\" && j + 1 < text.length && '$`"\\\n'.includes(text[j + 1]!)) {
          j++;
          if (text[j] !== "\n") word += text[j];
        } else word += d;
      }
      if (j >= text.length) throw new InputError(`a " at character ${i + 1} is never closed`);
      inWord = true;
      i = j;
    } else if (c === "\\") {
      if (i + 1 >= text.length) throw new InputError("args ends in a \\ that quotes nothing");
      i++;
      // a backslash before a line break joins the lines, as in a shell
      if (text[i] !== "\n") {
        word += text[i];
        inWord = true;
      }
    } else if ((c === "$" && expands(text, i, false)) || c === "`") {
      refuse(`${c} would be expanded by a shell`, i);
    } else if (c === "~" && !inWord) {
      refuse("~ would be expanded by a shell", i);
    } else if (c === "{" && /^\{[^\s}]*(,|\.\.)[^\s]*\}/.test(text.slice(i))) {
      refuse("{ would be expanded by a shell", i);
    } else if (OPERATORS.has(c)) {
      refuse(`${c} is a shell operator`, i);
    } else {
      // * ? [ stay as they are: nothing is globbed
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/**
 * verify's subjects: each line or comma-separated item of `path` is a path or a glob (Bun.Glob)
 * relative to `cwd`; the matches in order, each once. A file that is another match's bundle or
 * SBOM (`X.sigstore.json`, `X.cdx.json`, `X.cdx.sigstore.json` beside a matched `X`) goes with X
 * and is no subject of its own: `dist/*` means the artifacts in dist.
 */
export function subjectPaths(list: string, cwd: string): string[] {
  const patterns = list.split(/[\n,]/).map((p) => p.trim()).filter((p) => p !== "");
  if (patterns.length === 0) throw new InputError("path names no artifact; expected a path or a glob");
  const found: string[] = [];
  for (const pattern of patterns) {
    const glob = new Bun.Glob(pattern);
    const matches = /[*?[{]/.test(pattern) ? [...glob.scanSync({ cwd, onlyFiles: true, dot: false })].sort() : [pattern];
    if (matches.length === 0) throw new InputError(`path ${JSON.stringify(pattern)} matches no file (in ${cwd}); expected at least one artifact`);
    for (const m of matches) if (!found.includes(m)) found.push(m);
  }
  const chosen = new Set(found);
  return found.filter((path) => ![".sigstore.json", ".cdx.json", ".cdx.sigstore.json"].some((suffix) => path.endsWith(suffix) && chosen.has(path.slice(0, -suffix.length))));
}

if (import.meta.main) {
  const what = process.argv[2];
  try {
    const words = what === "args" ? shellWords(process.env.BUNSEAL_INPUT_ARGS ?? "") : what === "subjects" ? subjectPaths(process.env.BUNSEAL_INPUT_PATH ?? "", process.cwd()) : undefined;
    if (!words) throw new InputError(`expected args or subjects, got ${what}`);
    await Bun.write(Bun.stdout, words.map((w) => `${w}\0`).join(""));
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    const input = what === "subjects" ? "path" : "args";
    const message = error.message.replaceAll("%", "%25").replaceAll("\r", "%0D").replaceAll("\n", "%0A");
    await Bun.write(Bun.stderr, `::error title=bunseal::input ${input}: ${message}\n`);
    // the job's page says why too, as bunseal's own failures do
    if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, `### bunseal ${process.env.BUNSEAL_INPUT_COMMAND ?? ""}: FAILED\n\ninput ${input}: ${error.message}\n\n`);
    process.exitCode = 2;
  }
}
