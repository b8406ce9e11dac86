/**
 * Which words of a command line name a private key to sign with. Apart from
 * the key holder (key-holder.ts) and importing nothing, so that a command
 * that names none (a verify with its public `--key`, a trace) starts without
 * loading the holder, its file reads and its spawn.
 */

/** The flag that names a private key, by command (verify's --key are public keys: it is left alone). */
const PRIVATE_KEY_FLAG: Readonly<Record<string, string>> = { build: "--key", rebuild: "--key", pin: "--key", rollback: "--key", verify: "--vsa-key" };

export interface Named {
  /** where in argv the flag is, and how many words it takes (2: `--key PATH`; 1: `--key=PATH`) */
  index: number;
  words: 1 | 2;
  flag: string;
  path: string;
}

/** Every place argv names a private key with its command's flag (before any `--`). */
export function keyFlags(argv: readonly string[]): Named[] {
  const flag = PRIVATE_KEY_FLAG[argv[0] ?? ""];
  if (!flag) return [];
  const found: Named[] = [];
  for (let i = 1; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === "--") break;
    if (word === flag && i + 1 < argv.length) found.push({ index: i, words: 2, flag, path: argv[++i]! });
    else if (word.startsWith(`${flag}=`)) found.push({ index: i, words: 1, flag, path: word.slice(flag.length + 1) });
  }
  return found;
}
