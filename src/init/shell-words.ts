/**
 * A package.json script split the way a POSIX shell (and Bun's own shell, which
 * `bun run` uses) splits it: commands at `&&`, `||`, `;`, `|`, `&` and newlines,
 * words at unquoted blanks, quotes removed. Only as much shell as scripts use:
 * no expansion, so a `$VAR` stays as written and the command that holds it is
 * flagged, since its value is only known when the script runs.
 */

export interface ShellCommand {
  /** `NAME=value` words before the command (also after `env` or `cross-env`) */
  env: Record<string, string>;
  /** the command and its arguments, quotes removed */
  words: string[];
  /** the command as written in the script, for messages */
  text: string;
  /** an unquoted `$` or backquote: a word whose value the script decides when it runs */
  expands: boolean;
}

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;

export function splitScript(script: string): ShellCommand[] {
  const commands: ShellCommand[] = [];
  let words: { text: string; quotedName: boolean }[] = [];
  let word: string | undefined;
  let start = 0;
  let expands = false;
  // a quote inside the name part of NAME=value makes it an argument, not an assignment
  let quotedBeforeEquals = false;

  const endWord = () => {
    if (word !== undefined) words.push({ text: word, quotedName: quotedBeforeEquals });
    word = undefined;
    quotedBeforeEquals = false;
  };
  const endCommand = (end: number) => {
    endWord();
    if (words.length > 0) commands.push(toCommand(words, script.slice(start, end).trim(), expands));
    words = [];
    expands = false;
  };
  const append = (text: string, quoted: boolean) => {
    if (quoted && (word === undefined || !word.includes("="))) quotedBeforeEquals = true;
    word = (word ?? "") + text;
  };

  for (let i = 0; i < script.length; i++) {
    const c = script[i]!;
    if (c === "'") {
      const close = script.indexOf("'", i + 1);
      const end = close === -1 ? script.length : close;
      append(script.slice(i + 1, end), true);
      i = end;
    } else if (c === '"') {
      let text = "";
      let j = i + 1;
      for (; j < script.length && script[j] !== '"'; j++) {
        // inside double quotes a backslash escapes only these (POSIX)
        if (script[j] === "\\" && j + 1 < script.length && '"\\$`\n'.includes(script[j + 1]!)) {
          j++;
          if (script[j] !== "\n") text += script[j];
        } else {
          if (script[j] === "$" || script[j] === "`") expands = true;
          text += script[j];
        }
      }
      append(text, true);
      i = j;
    } else if (c === "\\") {
      if (i + 1 < script.length && script[i + 1] !== "\n") append(script[i + 1]!, true);
      i++;
    } else if (c === " " || c === "\t") {
      endWord();
    } else if (c === "\n" || c === ";" || c === "|" || c === "&" || c === "(" || c === ")") {
      endCommand(i);
      // `&&` and `||` are one operator
      if ((c === "&" || c === "|") && script[i + 1] === c) i++;
      start = i + 1;
    } else {
      if (c === "$" || c === "`") expands = true;
      append(c, false);
    }
  }
  endCommand(script.length);
  return commands;
}

function toCommand(raw: { text: string; quotedName: boolean }[], text: string, expands: boolean): ShellCommand {
  const env: Record<string, string> = {};
  let i = 0;
  for (;;) {
    // `env A=1 cmd` and `cross-env A=1 cmd` set variables as a prefix does
    if ((raw[i]?.text === "env" || raw[i]?.text === "cross-env") && raw[i + 1] && isAssignment(raw[i + 1]!)) {
      i++;
      continue;
    }
    const entry = raw[i];
    if (!entry || !isAssignment(entry)) break;
    const [, name, value] = ASSIGNMENT.exec(entry.text)!;
    env[name!] = value!;
    i++;
  }
  return { env, words: raw.slice(i).map((w) => w.text), text, expands };
}

function isAssignment(word: { text: string; quotedName: boolean }): boolean {
  return !word.quotedName && ASSIGNMENT.test(word.text);
}
