/**
 * Canonical JSON (the RFC 8785 shape for the values we produce: sorted keys,
 * no insignificant whitespace). Anything bunseal hashes or signs goes through
 * here, never through `JSON.stringify` of an object whose key order depends on
 * how it was built. Written as one pass that appends to a parts list: a
 * statement for a 10,000-module build is megabytes, and this sits on the
 * build's critical path.
 */
export function canonicalJson(value: unknown): string {
  const parts: string[] = [];
  write(value, parts, "");
  return parts.join("");
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
