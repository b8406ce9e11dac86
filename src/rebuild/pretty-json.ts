/**
 * JSON as diffoscope 240 prints it before diffing two JSON files
 * (comparators/json.py): Python's `json.dumps(parsed, indent=4, sort_keys=True)`,
 * which escapes every character beyond ASCII (`ensure_ascii`). Where the sorted
 * forms are the same, diffoscope diffs them unsorted and says "Ordering
 * differences only". Numbers are written as JavaScript writes them (Python
 * keeps `1.0` and integers past 2^53); a sourcemap holds small integers only.
 */
import { unifiedDiff } from "./diff-text.ts";

/** An object as Python reads it (`object_pairs_hook=OrderedDict`): keys in the file's order, a repeated key in its first place with its last value. */
type JsonValue = string | number | boolean | null | JsonValue[] | Map<string, JsonValue>;

/**
 * file(1) 5.44 reads 7 MiB of a file (its bytes_max): a longer JSON file is cut
 * short, no JSON to it, and diffoscope compares it as text (measured with
 * diffoscope 240: a 7,339,935-byte source map gets the layer, 7,340,035 bytes not).
 */
const FILE_BYTES_MAX = 7 * 1024 * 1024;

/** The text a member is taken as JSON from: diffoscope asks file(1), which calls an object or array "JSON data". */
function parse(data: Uint8Array): JsonValue | undefined {
  if (data.byteLength > FILE_BYTES_MAX) return undefined;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(data);
    if (!/^\s*[[{]/.test(text)) return undefined;
    // JSON.parse judges the text; the walk below, over text known good, keeps each object's key order
    // (a JavaScript object would list integer-like keys first)
    JSON.parse(text);
  } catch {
    return undefined;
  }
  const tokens = text.match(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null|[[\]{}:,]/g) ?? [];
  let at = 0;
  const value = (): JsonValue => {
    const token = tokens[at++]!;
    if (token === "[") {
      const list: JsonValue[] = [];
      while (tokens[at] !== "]") {
        list.push(value());
        if (tokens[at] === ",") at++;
      }
      at++;
      return list;
    }
    if (token === "{") {
      const object = new Map<string, JsonValue>();
      while (tokens[at] !== "}") {
        const key = JSON.parse(tokens[at]!) as string;
        at += 2;
        object.set(key, value());
        if (tokens[at] === ",") at++;
      }
      at++;
      return object;
    }
    return JSON.parse(token) as JsonValue;
  };
  return value();
}

function dumps(value: JsonValue, sortKeys: boolean, indent = ""): string {
  const inner = `${indent}    `;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[\n${value.map((v) => inner + dumps(v, sortKeys, inner)).join(",\n")}\n${indent}]`;
  }
  if (value instanceof Map) {
    if (value.size === 0) return "{}";
    const keys = [...value.keys()];
    if (sortKeys) keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return `{\n${keys.map((k) => `${inner}${ascii(JSON.stringify(k))}: ${dumps(value.get(k)!, sortKeys, inner)}`).join(",\n")}\n${indent}}`;
  }
  return ascii(JSON.stringify(value));
}

const ascii = (text: string) => text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

/**
 * diffoscope's inner layer for two JSON members, or undefined when either is no
 * JSON object or array (then it compares them as text) or nothing differs once
 * printed (whitespace alone: diffoscope shows no JSON layer then either).
 */
export function prettyJsonDiff(a: Uint8Array, b: Uint8Array): { comment?: string; unified_diff: string } | undefined {
  const [x, y] = [parse(a), parse(b)];
  if (x === undefined || y === undefined) return undefined;
  for (const sorted of [true, false]) {
    const [ta, tb] = [dumps(x, sorted), dumps(y, sorted)];
    if (ta === tb) continue;
    // diffoscope feeds the printed text to diff line by line, each ended: no "No newline at end of file"
    const unified = unifiedDiff(["", ""], `${ta}\n`, `${tb}\n`).split("\n").slice(2).join("\n");
    return { ...(sorted ? {} : { comment: "Ordering differences only" }), unified_diff: unified };
  }
  return undefined;
}
