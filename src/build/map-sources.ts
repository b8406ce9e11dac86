/**
 * The `sources` of a sourcemap Bun wrote, each path replaced, every other byte
 * kept: the debugId, `mappings`, `sourcesContent` and the layout of the JSON
 * are Bun's. Works on the text, never through JSON.parse and stringify, whose
 * spacing and escaping are not Bun's; and on the bytes, so no byte outside
 * the sources is decoded and encoded again (which would change one that is
 * not UTF-8, and cost seconds on a map of a hundred megabytes). Pure.
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
const BASE64_BYTE = /[A-Za-z0-9+/=]/;
const [RIGHT_BRACKET, COMMA, SPACE, QUOTE, BACKSLASH] = [0x5d, 0x2c, 0x20, 0x22, 0x5c];

/**
 * The beginning of a map, up to the end of its `sources` array, rewritten,
 * and where the array ends in `bytes`: the rest of the map (sourcesContent and
 * mappings, megabytes) follows unread. Undefined when `bytes`, the map's first
 * bytes, end inside the array; when they are the whole map (`whole`), that is a map not as Bun writes it.
 */
export function rewriteSourcesArray(bytes: Uint8Array, rewrite: SourceRewrite, path: string, whole: boolean): { head: Uint8Array; end: number } | undefined {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Bun writes "version" and then "sources": the first key of that name is the array, never text inside sourcesContent
  const start = buf.indexOf(SOURCES_KEY, 0, "latin1");
  let i = start + SOURCES_KEY.length;
  const parts: Uint8Array[] = [buf.subarray(0, i)];
  for (let first = true; start >= 0; first = false) {
    if (i >= buf.length) break;
    if (buf[i] === RIGHT_BRACKET) return { head: concat(parts), end: i };
    if (!first) {
      if (i + 2 > buf.length) break;
      if (buf[i] !== COMMA || buf[i + 1] !== SPACE) throw unexpected(path, `no ", " between sources at offset ${i}`);
      parts.push(buf.subarray(i, i + 2));
      i += 2;
    }
    if (i < buf.length && buf[i] !== QUOTE) throw unexpected(path, `no JSON string at offset ${i}`);
    const end = stringTokenEnd(buf, i);
    if (end === undefined) break;
    parts.push(Buffer.from(rewrite(buf.toString("latin1", i, end), JSON.parse(buf.toString("utf8", i, end)) as string), "latin1"));
    i = end;
  }
  if (whole) throw unexpected(path, start < 0 ? `no ${JSON.stringify(SOURCES_KEY)}` : "no end of the sources array");
  return undefined;
}

/** `bytes` is the whole map; the result is its bytes, rewritten. */
export function rewriteMapSources(bytes: Uint8Array, rewrite: SourceRewrite, path: string): Uint8Array {
  const { head, end } = rewriteSourcesArray(bytes, rewrite, path, true)!;
  return concat([head, bytes.subarray(end)]);
}

/**
 * An output with its map inline: the map is the base64 of the last line's
 * `sourceMappingURL=data:` comment, which Bun appends after everything the
 * sources produced, so a string of the same shape inside the code is never it.
 * Undefined when the output ends in no such comment (a file without a map).
 */
export function rewriteInlineMap(bytes: Uint8Array, rewrite: SourceRewrite, path: string): Uint8Array | undefined {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = buf.lastIndexOf(INLINE_URL, buf.length, "latin1");
  if (at < 0) return undefined;
  const start = at + INLINE_URL.length;
  let end = start;
  while (end < buf.length && BASE64_BYTE.test(String.fromCharCode(buf[end]!))) end++;
  // after the base64: only the comment's end (JS `\n`, CSS ` */\n`)
  if (!/^\s*(\*\/)?\s*$/.test(buf.toString("latin1", end))) return undefined;
  const map = rewriteMapSources(Buffer.from(buf.toString("latin1", start, end), "base64"), rewrite, path);
  return concat([buf.subarray(0, start), Buffer.from(Buffer.from(map).toString("base64"), "latin1"), buf.subarray(end)]);
}

/** One new array that is its own whole buffer, so the caller hands `.buffer` on with no further copy. */
function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/** The end (exclusive) of the JSON string token starting at `i`. */
function stringTokenEnd(buf: Uint8Array, i: number): number | undefined {
  if (buf[i] !== QUOTE) return undefined;
  for (let j = i + 1; j < buf.length; j++) {
    if (buf[j] === BACKSLASH) j++;
    else if (buf[j] === QUOTE) return j + 1;
  }
  return undefined;
}

function unexpected(path: string, what: string): BunsealError {
  return new BunsealError("BUILD_FAILED", `${path}: expected a sourcemap as Bun writes it, got ${what}; its sources cannot be placed (a bug in bunseal: report it with the Bun version)`, {
    expected: "a Bun sourcemap",
    found: what,
  });
}
