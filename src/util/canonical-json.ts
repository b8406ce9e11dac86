/**
 * Canonical JSON (the RFC 8785 shape for the values we produce: sorted keys,
 * no insignificant whitespace). Anything bunseal hashes or signs goes through
 * here, never through `JSON.stringify` of an object whose key order depends on
 * how it was built. Written as one pass that appends to a parts list: a
 * statement for a 10,000-module build is megabytes, and this sits on the
 * build's critical path.
 */
export function canonicalJson(value: unknown): string {
  // Fast path: a copy with keys inserted in sorted order, serialised natively. JS
  // enumerates integer-like keys ("7", "10") first, in numeric order, whatever the
  // insertion order, so a value with such a key takes the slow path below.
  const sorted = sortedCopy(value);
  if (sorted !== INTEGER_KEY) {
    const text = JSON.stringify(sorted);
    if (text !== undefined) return text;
  }
  const parts: string[] = [];
  write(value, parts, "");
  return parts.join("");
}

const INTEGER_KEY = Symbol("integer-like key");
const ARRAY_INDEX = /^(?:0|[1-9]\d*)$/;

function sortedCopy(value: unknown): unknown {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) return INTEGER_KEY; // let the slow path name the problem
    if (typeof value === "bigint" || typeof value === "function" || typeof value === "symbol") return INTEGER_KEY;
    return value;
  }
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const item = sortedCopy(value[i] === undefined ? null : value[i]);
      if (item === INTEGER_KEY) return INTEGER_KEY;
      out[i] = item;
    }
    return out;
  }
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record).sort()) {
    if (ARRAY_INDEX.test(key)) return INTEGER_KEY;
    const item = record[key];
    if (item === undefined) continue;
    const copy = sortedCopy(item);
    if (copy === INTEGER_KEY) return INTEGER_KEY;
    out[key] = copy;
  }
  return out;
}

function write(value: unknown, parts: string[], path: string): void {
  if (value === null) {
    parts.push("null");
    return;
  }
  switch (typeof value) {
    case "string":
    case "boolean":
      parts.push(JSON.stringify(value));
      return;
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${path || "value"} is not a finite number`);
      parts.push(JSON.stringify(value));
      return;
    case "object": {
      if (Array.isArray(value)) {
        parts.push("[");
        for (let i = 0; i < value.length; i++) {
          if (i > 0) parts.push(",");
          write(value[i] === undefined ? null : value[i], parts, path);
        }
        parts.push("]");
        return;
      }
      const record = value as Record<string, unknown>;
      // Code-unit order, as RFC 8785 asks (and not localeCompare, which depends on the machine).
      const keys = Object.keys(record).sort();
      parts.push("{");
      let first = true;
      for (const key of keys) {
        const item = record[key];
        if (item === undefined) continue;
        if (!first) parts.push(",");
        first = false;
        parts.push(JSON.stringify(key), ":");
        write(item, parts, path);
      }
      parts.push("}");
      return;
    }
    default:
      throw new TypeError(`canonicalJson: ${path || "value"} has type ${typeof value}, which JSON cannot carry`);
  }
}
