/**
 * A key file's text, read once per process: a key may come on a pipe
 * (`--key /dev/fd/3`, how a CI step hands over a secret without naming a
 * file), which gives its bytes to the first read only. The key holder's look
 * at a file and the command's own read of it share this one read.
 */
const texts = new Map<string, Promise<string>>();

export function keyText(path: string): Promise<string> {
  let text = texts.get(path);
  if (!text) {
    text = Bun.file(path).text();
    texts.set(path, text);
  }
  return text;
}
