/**
 * The `sources` of a sourcemap Bun wrote, each path replaced, every other byte
 * kept: the debugId, `mappings`, `sourcesContent` and the layout of the JSON
 * are Bun's. Works on the text, never through JSON.parse and stringify, whose
 * spacing and escaping are not Bun's; and on the bytes as latin1, one
 * character per byte, so no byte outside the sources is decoded and encoded
 * again (which would change one that is not UTF-8). Pure.
 */
import { BunsealError } from "../errors.ts";

/**
 * `rewrite` gets each source as a raw JSON string token (quotes and escapes
 * included, latin1 as the map is) and its value (decoded), and returns the raw
 * token to write in its place.
 */
export type SourceRewrite = (raw: string, value: string) => string;

const SOURCES_KEY = '"sources": [';
const INLINE_URL = "sourceMappingURL=data:application/json;base64,";

/** `bytes` is the map's file; the result is its bytes, rewritten. */
export function rewriteMapSources(bytes: Uint8Array, rewrite: SourceRewrite, path: string): Uint8Array {
  // Bun writes "version" and then "sources": the first key of that name is the array, never text inside sourcesContent
  const text = Buffer.from(bytes).toString("latin1");
  const start = text.indexOf(SOURCES_KEY);
  if (start < 0) throw unexpected(path, `no ${JSON.stringify(SOURCES_KEY)}`);
  let i = start + SOURCES_KEY.length;
  const parts: string[] = [text.slice(0, i)];
  for (;;) {
    if (text[i] === "]") break;
    if (parts.length > 1) {
      if (!text.startsWith(", ", i)) throw unexpected(path, `no ", " between sources at offset ${i}`);
      parts.push(", ");
      i += 2;
    }
    const end = stringTokenEnd(text, i);
    if (end === undefined) throw unexpected(path, `no JSON string at offset ${i}`);
    const raw = text.slice(i, end);
    parts.push(rewrite(raw, JSON.parse(Buffer.from(raw, "latin1").toString("utf8")) as string));
    i = end;
  }
  parts.push(text.slice(i));
  return Buffer.from(parts.join(""), "latin1");
}

/**
 * An output with its map inline: the map is the base64 of the last line's
 * `sourceMappingURL=data:` comment, which Bun appends after everything the
 * sources produced, so a string of the same shape inside the code is never it.
 * Undefined when the output ends in no such comment (a file without a map).
 */
export function rewriteInlineMap(bytes: Uint8Array, rewrite: SourceRewrite, path: string): Uint8Array | undefined {
  const code = Buffer.from(bytes).toString("latin1");
  const at = code.lastIndexOf(INLINE_URL);
  if (at < 0) return undefined;
  const start = at + INLINE_URL.length;
  const match = /^[A-Za-z0-9+/]*={0,2}/.exec(code.slice(start))!;
  const end = start + match[0].length;
  // after the base64: only the comment's end (JS `\n`, CSS ` */\n`)
  if (!/^\s*(\*\/)?\s*$/.test(code.slice(end))) return undefined;
  const rewritten = Buffer.from(rewriteMapSources(Buffer.from(match[0], "base64"), rewrite, path)).toString("base64");
  return Buffer.concat([bytes.subarray(0, start), Buffer.from(rewritten, "latin1"), bytes.subarray(end)]);
}

/** The end (exclusive) of the JSON string token starting at `i`. */
function stringTokenEnd(text: string, i: number): number | undefined {
  if (text[i] !== '"') return undefined;
  for (let j = i + 1; j < text.length; j++) {
    if (text[j] === "\\") j++;
    else if (text[j] === '"') return j + 1;
  }
  return undefined;
}

function unexpected(path: string, what: string): BunsealError {
  return new BunsealError("BUILD_FAILED", `${path}: expected a sourcemap as Bun writes it, got ${what}; its sources cannot be placed (a bug in bunseal: report it with the Bun version)`, {
    expected: "a Bun sourcemap",
    found: what,
  });
}
