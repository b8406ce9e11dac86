/**
 * A key file's text. A key may come on a pipe (`--key /dev/fd/3`, how a CI
 * step hands over a secret without naming a file), which gives its bytes to
 * the first read only: what is not a regular file is read once per process,
 * and the key holder's look at it and the command's own read share that read.
 * A regular file is read afresh every time (a long-running process sees a
 * replaced key).
 */
import { statSync } from "node:fs";

const once = new Map<string, Promise<string>>();

export async function keyText(path: string): Promise<string> {
  if (statSync(path, { throwIfNoEntry: false })?.isFile() !== false) return Bun.file(path).text();
  let text = once.get(path);
  if (!text) {
    text = Bun.file(path).text();
    once.set(path, text);
  }
  return text;
}
