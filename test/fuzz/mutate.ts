/**
 * Seeded mutation operators for the fuzz test: byte-level (bit flip, byte set,
 * truncate, duplicate or delete a range) and JSON-aware (delete a key, change a
 * type, a huge string, deep nesting, unicode, prototype keys). Deterministic:
 * the same seed gives the same mutation on every machine, so a failure is
 * reproduced from its seed alone.
 */

export type Rand = () => number;

/** mulberry32: small, fast and good enough to pick mutations; never for anything secret. */
export function mulberry32(seed: number): Rand {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const int = (rand: Rand, n: number) => Math.floor(rand() * n);
export const pick = <T>(rand: Rand, list: readonly T[]): T => list[int(rand, list.length)]!;

const INTERESTING_BYTES = [0x00, 0xff, 0x7f, 0x80, 0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x30, 0x39, 0x20, 0x0a, 0x3d, 0x2f, 0x2b, 0xc3, 0xed];

/** One byte-level mutation; `name` says which, for the failure report. */
export function mutateBytes(rand: Rand, input: Uint8Array): { name: string; bytes: Uint8Array } {
  const bytes = new Uint8Array(input);
  const at = int(rand, Math.max(1, bytes.length));
  switch (int(rand, 7)) {
    case 0: {
      const bits = 1 + int(rand, 3);
      for (let k = 0; k < bits; k++) {
        const i = int(rand, bytes.length);
        bytes[i] = bytes[i]! ^ (1 << int(rand, 8));
      }
      return { name: `flip ${bits} bit(s)`, bytes };
    }
    case 1:
      bytes[at] = rand() < 0.5 ? pick(rand, INTERESTING_BYTES) : int(rand, 256);
      return { name: `set byte ${at}`, bytes };
    case 2:
      return { name: `truncate at ${at}`, bytes: bytes.subarray(0, at) };
    case 3: {
      const length = 1 + int(rand, Math.min(4096, bytes.length - at));
      const copy = bytes.subarray(at, at + length);
      const to = int(rand, bytes.length);
      return { name: `duplicate ${length} bytes from ${at} to ${to}`, bytes: Buffer.concat([bytes.subarray(0, to), copy, bytes.subarray(to)]) };
    }
    case 4: {
      const length = 1 + int(rand, Math.min(256, bytes.length - at));
      return { name: `delete ${length} bytes at ${at}`, bytes: Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + length)]) };
    }
    case 5: {
      const noise = new Uint8Array(1 + int(rand, 16)).map(() => int(rand, 256));
      return { name: `insert ${noise.length} random bytes at ${at}`, bytes: Buffer.concat([bytes.subarray(0, at), noise, bytes.subarray(at)]) };
    }
    default: {
      const from = int(rand, bytes.length);
      bytes.copyWithin(at, from, from + 1 + int(rand, 64));
      return { name: `overwrite at ${at} with bytes from ${from}`, bytes };
    }
  }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Slot = { parent: Json[] | Record<string, Json>; key: string | number };

/** Every place in the value that holds a value (up to `limit`, sampled evenly enough). */
function slots(root: Json, rand: Rand, limit = 2000): Slot[] {
  const out: Slot[] = [];
  const stack: Json[] = [root];
  while (stack.length > 0 && out.length < limit) {
    const node = stack.pop()!;
    if (Array.isArray(node)) {
      // a huge array (40,000 dependencies) is sampled, not walked whole
      const step = Math.max(1, Math.floor(node.length / 50));
      for (let i = int(rand, step); i < node.length; i += step) {
        out.push({ parent: node, key: i });
        stack.push(node[i]!);
      }
    } else if (node !== null && typeof node === "object") {
      for (const key of Object.keys(node)) {
        out.push({ parent: node, key });
        stack.push(node[key]!);
      }
    }
  }
  return out;
}

const UNICODE = ["\u0000", "\ud800", "\udfff", "\u202e", "\ufeff", "e\u0301", "\u00e9", "😀", "\u2028", "..", "../../etc/passwd", "/abs", "C:\\x", " ", "%00", "a\nb"];

function replacement(rand: Rand, old: Json): { name: string; value: Json } {
  switch (int(rand, 8)) {
    case 0:
      return { name: "change the type", value: pick(rand, [null, 0, -1, 1.5, 1e308, -0, 2 ** 53 + 1, true, false, "", "x", [], {}, [null], { a: 1 }] as Json[]) };
    case 1: {
      const size = rand() < 0.03 ? 4_000_000 : 1 + int(rand, 100_000);
      return { name: `a string of ${size} characters`, value: pick(rand, ["A", "0", "f", "é", "/", "="]).repeat(size) };
    }
    case 2: {
      // written out by toJsonText: JSON.stringify takes seconds to give up on a value this deep
      const depth = rand() < 0.2 ? 100_000 : 1 + int(rand, 5000);
      return { name: `nested ${depth} deep`, value: `${DEEP}${depth}:${rand() < 0.5 ? "[" : "{"}` };
    }
    case 3: {
      if (typeof old !== "string") return { name: "unicode string", value: pick(rand, UNICODE) };
      const at = int(rand, old.length + 1);
      return { name: "unicode inside a string", value: old.slice(0, at) + pick(rand, UNICODE) + old.slice(at) };
    }
    case 4:
      if (typeof old === "string") return { name: "upper-case a string", value: old.toUpperCase() };
      return { name: "a number string", value: String(int(rand, 1000)) };
    case 5:
      if (typeof old === "number") return { name: "a nearby number", value: pick(rand, [old + 1, old - 1, -old, old * 1e6, Number.MAX_SAFE_INTEGER, 0.5]) };
      return { name: "a negative number", value: -1 };
    case 6:
      if (Array.isArray(old)) return { name: "an array doubled", value: [...old, ...old] };
      return { name: "wrapped in an array", value: [old] };
    default:
      if (typeof old === "string" && old.length > 0) return { name: "a string with one character changed", value: old.slice(0, -1) + String.fromCharCode(old.charCodeAt(old.length - 1) ^ 1) };
      return { name: "an empty object", value: {} };
  }
}

/** One JSON-aware mutation of `value` (a copy is changed; the input is left alone). */
export function mutateJson(rand: Rand, value: unknown): { name: string; value: unknown } {
  const root = structuredClone(value) as Json;
  const places = slots(root, rand);
  if (places.length === 0) return { name: "replace the root", value: replacement(rand, root).value };
  const place = pick(rand, places);
  const { parent, key } = place;
  const old = (parent as Record<string, Json>)[key as string]!;
  const op = int(rand, 10);
  if (op < 2) {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key as string];
    return { name: `delete ${String(key)}`, value: root };
  }
  if (op === 2 && !Array.isArray(parent)) {
    const extra = pick(rand, ["__proto__", "constructor", "toString", "unknownField", "", "hasOwnProperty"]);
    // JSON.parse makes "__proto__" an own key, as an attacker's file would
    Object.defineProperty(parent, extra, { value: replacement(rand, old).value, enumerable: true, writable: true, configurable: true });
    return { name: `add key ${JSON.stringify(extra)}`, value: root };
  }
  if (op === 3 && !Array.isArray(parent)) {
    const renamed = String(key).toUpperCase() === key ? `${String(key)}x` : String(key).toUpperCase();
    parent[renamed] = old;
    delete parent[key as string];
    return { name: `rename ${String(key)} to ${renamed}`, value: root };
  }
  const next = replacement(rand, old);
  (parent as Record<string, Json>)[key as string] = next.value;
  return { name: `${String(key)}: ${next.name}`, value: root };
}

const DEEP = "\u0000deep:";

/** JSON.stringify, with each deep-nesting placeholder written out as that many nested arrays or objects. */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value).replace(/"\\u0000deep:(\d+):([[{])"/g, (_, depth: string, open: string) => {
    const n = Number(depth);
    return open === "[" ? `${"[".repeat(n)}0${"]".repeat(n)}` : `${'{"a":'.repeat(n)}0${"}".repeat(n)}`;
  });
}
