/**
 * The encoded layers the secret scan looks under (issue #18, Why 10): a
 * config blob base64-encoded into a fixture, JSON put in a URL's query, a
 * JWT-style payload. Each layer is peeled from raw bytes: every run of bytes
 * that can be base64 (or base64url) is decoded, every run that carries `%XX`
 * escapes is URL-decoded, and the decoded runs of one kind are joined into
 * one buffer, so the scan searches them with one pass per needle rather than
 * one per run. Joined without separators: base64 wrapped into lines decodes
 * line by line into the bytes of the whole.
 *
 * JSON string escaping is no layer here: escaping leaves letters and digits
 * as they are, so the scan searches escaped forms of its needles directly
 * (and a PEM body across `\n`, `\\n`, … between its lines).
 */
export type Layer = "base64" | "url";

export interface Peeled {
  layer: Layer;
  data: Buffer;
  /** the offset in the scanned buffer where the encoded bytes of `data[offset]` start */
  sourceOffset(offset: number): number;
}

/**
 * Runs shorter than this are not decoded: 16 base64 characters are 12 bytes,
 * less than any JSON object that can hold an 8-byte secret with its key.
 * Shorter runs are mostly identifiers of minified code.
 */
const MIN_BASE64_RUN = 16;

interface Segment {
  /** where the run starts in the scanned buffer, and its length */
  start: number;
  length: number;
  /** where its decoded bytes start in the joined buffer */
  at: number;
}

// each base64 character's 6 bits, +/ and -_ alike (base64 and base64url); -1 for any other byte
const SEXTET = new Int8Array(256).fill(-1);
for (const [i, c] of [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"].entries()) SEXTET[c.charCodeAt(0)] = i;
SEXTET[0x2d] = 62; // -
SEXTET[0x5f] = 63; // _

// What encodeURIComponent leaves as is, and the characters a hand-built URL or form body keeps
// (they pass through decoding unchanged). Not `,` `;` `{` `}` `[` `]` quotes or space: URL-encoded
// JSON has them escaped, and minified code is full of them, around its `%` (modulo) operators.
const URL_CHARS = new Uint8Array(256);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~!*'()%/?:@&=+$#") URL_CHARS[c.charCodeAt(0)] = 1;

/** A run needs this many `%XX` escapes to be decoded: one alone is a value's own encoded form (searched directly) or `a%16` in code. */
const MIN_URL_ESCAPES = 2;

const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX["0123456789abcdef".charCodeAt(i)] = i;
  HEX["0123456789ABCDEF".charCodeAt(i)] = i;
}

/** The layers found in `buf`, each decoded; none when nothing in `buf` looks encoded. */
export function peel(buf: Buffer): Peeled[] {
  const out: Peeled[] = [];
  const base64 = peelBase64(buf);
  if (base64) out.push(base64);
  const url = peelUrl(buf);
  if (url) out.push(url);
  return out;
}

function peelBase64(buf: Buffer): Peeled | undefined {
  const segments: Segment[] = [];
  let out: Buffer | undefined;
  let at = 0;
  const n = buf.length;
  let done = 0;
  // A run of MIN_BASE64_RUN or more holds a byte at a multiple of MIN_BASE64_RUN: only those are
  // looked at until one is base64, so the bytes of code and of decoded binary are mostly skipped.
  for (let probe = MIN_BASE64_RUN - 1; probe < n; probe += MIN_BASE64_RUN) {
    if (probe < done || SEXTET[buf[probe]!]! < 0) continue;
    let start = probe;
    while (start > done && SEXTET[buf[start - 1]!]! >= 0) start--;
    let end = probe + 1;
    while (end < n && SEXTET[buf[end]!]! >= 0) end++;
    done = end;
    if (end - start < MIN_BASE64_RUN) continue;
    // one buffer for every run (a source map holds tens of thousands): decoding makes bytes shorter
    out ??= Buffer.allocUnsafe(Math.ceil((n * 3) / 4));
    segments.push({ start, length: end - start, at });
    at = base64DecodeInto(buf, start, end, out, at);
  }
  if (!out) return undefined;
  return {
    layer: "base64",
    data: out.subarray(0, at),
    // The first character that depends only on this byte and those after it: the offset the
    // direct search for a value's base64 forms reports, so both searches name one place.
    sourceOffset: (offset) => {
      const s = segmentOf(segments, offset);
      return s.start + Math.min(s.length - 1, Math.ceil(((offset - s.at) * 4) / 3));
    },
  };
}

/** Decodes the base64 characters from `start` to `end` into `out` at `o`, as Node does (a lone last character is dropped); returns where it ended. */
function base64DecodeInto(buf: Buffer, start: number, end: number, out: Buffer, o: number): number {
  let p = start;
  for (; p + 4 <= end; p += 4) {
    const v = (SEXTET[buf[p]!]! << 18) | (SEXTET[buf[p + 1]!]! << 12) | (SEXTET[buf[p + 2]!]! << 6) | SEXTET[buf[p + 3]!]!;
    out[o++] = v >> 16;
    out[o++] = (v >> 8) & 0xff;
    out[o++] = v & 0xff;
  }
  const left = end - p;
  if (left >= 2) {
    const v = (SEXTET[buf[p]!]! << 18) | (SEXTET[buf[p + 1]!]! << 12) | (left === 3 ? SEXTET[buf[p + 2]!]! << 6 : 0);
    out[o++] = v >> 16;
    if (left === 3) out[o++] = (v >> 8) & 0xff;
  }
  return o;
}

function peelUrl(buf: Buffer): Peeled | undefined {
  const segments: Segment[] = [];
  let out: Buffer | undefined;
  let at = 0;
  let end = 0;
  for (let p = buf.indexOf(0x25); p !== -1; p = buf.indexOf(0x25, Math.max(p + 1, end))) {
    if (p < end || !isEscape(buf, p)) continue;
    let start = p;
    while (start > end && URL_CHARS[buf[start - 1]!] === 1) start--;
    end = p;
    let escapes = 0;
    while (end < buf.length && URL_CHARS[buf[end]!] === 1) {
      if (isEscape(buf, end)) {
        escapes++;
        end += 3;
      } else end++;
    }
    if (escapes < MIN_URL_ESCAPES) continue;
    // one buffer for every run: decoding never makes bytes longer
    out ??= Buffer.allocUnsafe(buf.length);
    segments.push({ start, length: end - start, at });
    at = urlDecodeInto(buf, start, end, out, at);
  }
  if (!out || at === 0) return undefined;
  return {
    layer: "url",
    data: out.subarray(0, at),
    sourceOffset: (offset) => {
      const s = segmentOf(segments, offset);
      // replayed: a finding is rare (it fails the build), so no offset table is kept for every run
      let decoded = s.at;
      let p = s.start;
      while (decoded < offset && p < s.start + s.length) {
        p += isEscape(buf, p) ? 3 : 1;
        decoded++;
      }
      return p;
    },
  };
}

function isEscape(buf: Buffer, p: number): boolean {
  return buf[p] === 0x25 && HEX[buf[p + 1] ?? 0]! >= 0 && HEX[buf[p + 2] ?? 0]! >= 0;
}

/** `%XX` to its byte, everything else (a `%` without two hex digits too) as it is, written into `out` at `o`; returns where it ended. */
function urlDecodeInto(buf: Buffer, start: number, end: number, out: Buffer, o: number): number {
  for (let p = start; p < end; ) {
    if (isEscape(buf, p)) {
      out[o++] = HEX[buf[p + 1]!]! * 16 + HEX[buf[p + 2]!]!;
      p += 3;
    } else out[o++] = buf[p++]!;
  }
  return o;
}

/** The segment whose decoded bytes hold `offset` (segments are in order of `at`). */
function segmentOf(segments: readonly Segment[], offset: number): Segment {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (segments[mid]!.at <= offset) lo = mid;
    else hi = mid - 1;
  }
  return segments[lo]!;
}
