/** `--timeout <seconds>`: a hard limit for the child processes of a command. */
import { BunsealError } from "../errors.ts";

export function parseTimeout(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(seconds > 0)) {
    throw new BunsealError("USAGE", `--timeout: expected a positive number of seconds, got ${JSON.stringify(text)}`, { field: "--timeout", expected: "a positive number of seconds", found: text });
  }
  return Math.round(seconds * 1000);
}
