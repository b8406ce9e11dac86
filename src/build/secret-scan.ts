/**
 * After `bun build`: refuse outputs that carry a secret. A value inlined by
 * `define`, an `.env` file bundled by mistake, a key pasted into a fixture that
 * got imported: each ends up in a file we are about to sign and publish.
 *
 * Two searches, both over raw bytes (outputs can be tens of megabytes; no file
 * is turned into a string, and offsets are byte offsets):
 * - the configured secret values, in the forms a bundler or the code may put
 *   them in: as is; escaped as the body of a JSON or JS string literal (Bun's
 *   printer picks whichever of " ' ` needs fewest escapes, so each is tried);
 *   URL-encoded; and base64 and base64url at each of the three byte
 *   alignments, so a value inside a longer encoded blob (`btoa("user:" +
 *   token)`, a Basic auth header) is still found. Escaped forms are searched
 *   up to MAX_ESCAPES times escaped (JSON inside JSON inside JSON). Not
 *   searched: hex, and \uXXXX escapes of non-ASCII.
 * - well-known credential shapes, which need no configuration: PEM private key
 *   blocks, AWS access key ids, GitHub tokens and npm tokens.
 *
 * Both searches run again under each encoded layer (secret-layers.ts: base64
 * and URL-encoded runs, decoded), to MAX_NESTING layers deep: a key in a JSON
 * config, base64-encoded into a fixture, is as signed as one in plain sight
 * (issue #18, Why 10).
 */
import { BunsealError } from "../errors.ts";
import { type Layer, peel } from "./secret-layers.ts";
import { SHAPES } from "./secret-shapes.ts";

export interface SecretFinding {
  file: string;
  /** byte offset in the file where the match starts (for an encoded value, where its encoded bytes start) */
  offset: number;
  /** "env:NAME" | "private-key" | "aws-access-key" | "github-token" | "npm-token" */
  kind: string;
  /** for "env:" findings of a value in another form than as is */
  encoding?: SecretEncoding;
  /** the encoded layers the match was found under, outermost first; absent when found in the file's own bytes */
  nested?: Layer[];
}

/** "escaped": backslash escapes, as inside a JSON or JS string literal */
export type SecretEncoding = "escaped" | "url" | "base64" | "base64url";

/**
 * Shorter values are refused rather than searched: a 1- to 7-byte string turns
 * up by chance in any large bundle (and in every base64 blob), so a scan for it
 * either blocks every release or, if skipped, silently checks nothing.
 */
export const MIN_SECRET_LENGTH = 8;

/**
 * How many base64 or URL-encoded layers are decoded, one inside another. A
 * fixed bound, so a scan always ends and costs at most this many passes over
 * ever smaller decoded bytes (each base64 layer is 3/4 of the one around it).
 */
export const MAX_NESTING = 4;

/** How many times a value's escaped form is escaped again (JSON in JSON in JSON). */
export const MAX_ESCAPES = 3;

/** Names whose values are too short (or empty) to scan for, sorted. The caller must fail on any. */
export function checkSecretValues(secretValues: ReadonlyMap<string, string>): string[] {
  return [...secretValues]
    .filter(([, value]) => Buffer.byteLength(value, "utf8") < MIN_SECRET_LENGTH)
    .map(([name]) => name)
    .sort(compare);
}

export function scanForSecrets(files: readonly { path: string; data: Uint8Array }[], secretValues: ReadonlyMap<string, string>): SecretFinding[] {
  const tooShort = checkSecretValues(secretValues);
  // Never a silent skip: a secret that cannot be scanned for is a configuration problem.
  if (tooShort.length > 0) {
    throw new BunsealError(
      "SECRET_TOO_SHORT",
      `secret${tooShort.length === 1 ? "" : "s"} ${tooShort.join(", ")}: expected values of at least ${MIN_SECRET_LENGTH} bytes to search the output for, got shorter ones (they would match by chance); use longer secrets or remove them from "secrets"`,
      { field: "secrets", expected: `values of at least ${MIN_SECRET_LENGTH} bytes`, found: tooShort.join(", ") },
    );
  }
  const needles = secretNeedles(secretValues);
  const seen = new Set<string>();
  const findings: SecretFinding[] = [];
  const add = (finding: SecretFinding) => {
    const id = `${finding.file}\0${finding.offset}\0${finding.kind}\0${finding.encoding ?? ""}`;
    if (seen.has(id)) return;
    seen.add(id);
    findings.push(finding);
  };
  for (const { path, data } of files) {
    // A view, not a copy: Buffer.indexOf searches natively.
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    for (const found of scanBuffer(buf, needles, 0)) add({ file: path, ...found });
  }
  return findings.sort((a, b) => compare(a.file, b.file) || a.offset - b.offset || compare(a.kind, b.kind) || compare(a.encoding ?? "", b.encoding ?? ""));
}

type Found = Omit<SecretFinding, "file">;

/** The findings in `buf`, then those under each encoded layer of it, at offsets in `buf`. */
function scanBuffer(buf: Buffer, needles: readonly Needle[], depth: number): Found[] {
  const found: Found[] = [];
  for (const { bytes, kind, encoding } of needles) {
    for (let at = buf.indexOf(bytes); at !== -1; at = buf.indexOf(bytes, at + 1)) found.push({ offset: at, kind, ...(encoding ? { encoding } : {}) });
  }
  for (const shape of SHAPES) {
    for (const prefix of shape.prefixes) {
      for (let at = buf.indexOf(prefix); at !== -1; at = buf.indexOf(prefix, at + 1)) {
        if (shape.matches(buf, at, prefix.length)) found.push({ offset: at, kind: shape.kind });
      }
    }
  }
  if (depth >= MAX_NESTING) return found;
  // One place is reported once: a value inside plain base64 is found both by its base64 form
  // here and as itself in the decoded layer, at the same offset.
  const places = new Set(found.map((f) => `${f.offset}\0${f.kind}`));
  for (const layer of peel(buf)) {
    for (const inner of scanBuffer(layer.data, needles, depth + 1)) {
      const offset = layer.sourceOffset(inner.offset);
      const place = `${offset}\0${inner.kind}`;
      if (places.has(place)) continue;
      places.add(place);
      found.push({ ...inner, offset, nested: [layer.layer, ...(inner.nested ?? [])] });
    }
  }
  return found;
}

interface Needle {
  bytes: Buffer;
  kind: string;
  encoding?: SecretEncoding;
}

function secretNeedles(secretValues: ReadonlyMap<string, string>): Needle[] {
  const needles: Needle[] = [];
  for (const [name, value] of secretValues) {
    const kind = `env:${name}`;
    const raw = Buffer.from(value, "utf8");
    const forms: [string | Buffer, SecretEncoding | undefined][] = [
      [raw, undefined],
      // Escaped 1 to MAX_ESCAPES times: the inner layers are JSON (only JSON nests strings
      // inside strings), the outermost is whichever quote Bun's printer chose.
      ...escapedAgain(value).flatMap((inner) => ['"', "'", "`", ""].map((quote) => [stringLiteralBody(inner, quote), "escaped"] as [string, SecretEncoding])),
      [encodeURIComponent(value), "url"],
      ...base64Fragments(raw).map((f) => [f, "base64"] as [string, SecretEncoding]),
      ...base64Fragments(raw).map((f) => [f.replaceAll("+", "-").replaceAll("/", "_"), "base64url"] as [string, SecretEncoding]),
    ];
    const unique = new Set<string>();
    for (const [form, encoding] of forms) {
      const bytes = typeof form === "string" ? Buffer.from(form, "utf8") : form;
      const id = bytes.toString("latin1");
      if (unique.has(id)) continue; // the same bytes as a form already listed: report it once, as that form
      unique.add(id);
      needles.push({ bytes, kind, ...(encoding ? { encoding } : {}) });
    }
  }
  return needles;
}

/** `value`, then `value` escaped as a JSON string body once, twice, … up to MAX_ESCAPES - 1 times. */
function escapedAgain(value: string): string[] {
  const forms = [value];
  for (let i = 1; i < MAX_ESCAPES; i++) forms.push(JSON.stringify(forms[i - 1]).slice(1, -1));
  return forms;
}

/** `value` as written between `quote`s in JS source: backslash, control characters and that quote escaped. */
function stringLiteralBody(value: string, quote: string): string {
  let out = "";
  for (const ch of value) {
    if (ch === quote) out += `\\${ch}`;
    else if (ch === '"') out += ch;
    else out += JSON.stringify(ch).slice(1, -1);
  }
  return out;
}

/**
 * The base64 characters that depend only on the value, when the value starts
 * 0, 1 or 2 bytes into a 3-byte group of a longer encoded string.
 */
function base64Fragments(value: Buffer): string[] {
  return [0, 1, 2].map((shift) => {
    const encoded = Buffer.concat([Buffer.alloc(shift), value]).toString("base64");
    return encoded.slice(Math.ceil((8 * shift) / 6), Math.floor((8 * (shift + value.length)) / 6));
  });
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
