/**
 * Well-known credential shapes, matched on raw bytes at each occurrence of a
 * fixed prefix (found with Buffer.indexOf), so no output file is turned into a
 * string. Formats: AWS access key ids (AKIA/ASIA + 16 of [A-Z0-9]), GitHub
 * tokens (ghp_/gho_/ghu_/ghs_/ghr_ + 36 alphanumerics; github_pat_ + 82 word
 * characters), npm tokens (npm_ + 36 alphanumerics), PEM private key blocks.
 */
export interface Shape {
  kind: string;
  prefixes: string[];
  /** whether the bytes at `at` (which start with a prefix of `length` bytes) are this credential */
  matches(buf: Buffer, at: number, length: number): boolean;
}

const isUpperAlnum = (c: number | undefined) => c !== undefined && ((c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39));
const isAlnum = (c: number | undefined) => isUpperAlnum(c) || (c !== undefined && c >= 0x61 && c <= 0x7a);
const isWord = (c: number | undefined) => isAlnum(c) || c === 0x5f;
const isBase64 = (c: number | undefined) => isAlnum(c) || c === 0x2b || c === 0x2f || c === 0x3d;

/** Length of the run of bytes from `from` that pass `test` (stops counting at `max`). */
function run(buf: Buffer, from: number, test: (c: number | undefined) => boolean, max = Infinity): number {
  let n = 0;
  while (n < max && from + n < buf.length && test(buf[from + n])) n++;
  return n;
}

// A token glued to a longer identifier (`xghp_...`) is some other string; tokens start at a boundary.
const startsAtBoundary = (buf: Buffer, at: number) => at === 0 || !isWord(buf[at - 1]);

export const SHAPES: readonly Shape[] = [
  {
    kind: "aws-access-key",
    prefixes: ["AKIA", "ASIA"],
    matches: (buf, at, length) => !isAlnum(buf[at - 1]) && run(buf, at + length, isUpperAlnum, 17) === 16 && !isAlnum(buf[at + length + 16]),
  },
  {
    kind: "github-token",
    prefixes: ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
    matches: (buf, at, length) => startsAtBoundary(buf, at) && run(buf, at + length, isAlnum, 36) === 36,
  },
  {
    // fine-grained personal access token: github_pat_ then 82 word characters
    kind: "github-token",
    prefixes: ["github_pat_"],
    matches: (buf, at, length) => startsAtBoundary(buf, at) && run(buf, at + length, isWord, 82) === 82,
  },
  {
    kind: "npm-token",
    prefixes: ["npm_"],
    matches: (buf, at, length) => startsAtBoundary(buf, at) && run(buf, at + length, isAlnum, 36) === 36,
  },
  { kind: "private-key", prefixes: ["-----BEGIN "], matches: pemPrivateKey },
];

const PEM_LABEL = /^[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/;
const PEM_MIN_BODY = 40;

/**
 * A private key block: the header and then a base64 body. The header alone is
 * not enough: crypto libraries carry "-----BEGIN PRIVATE KEY-----" as a string
 * constant to build or parse PEM, and that is no leak. Lines may be split by
 * real newlines or by `\n` escapes (a key inlined into a JS string), escaped
 * again any number of times (`\\n`: a key in JSON inside JSON, issue #18).
 */
function pemPrivateKey(buf: Buffer, at: number, length: number): boolean {
  const label = PEM_LABEL.exec(buf.toString("latin1", at + length, at + length + 64));
  if (!label) return false;
  const end = Math.min(buf.length, at + 16_384);
  let p = skipSeparators(buf, at + length + label[0].length, end);
  // Legacy encrypted PEM puts "Proc-Type: 4,ENCRYPTED" and "DEK-Info: ..." lines before the body.
  while (p < end && isEncryptionHeader(buf, p)) p = skipSeparators(buf, lineEnd(buf, p, end), end);
  let body = 0;
  while (p < end && body < PEM_MIN_BODY) {
    if (isBase64(buf[p])) {
      body++;
      p++;
      continue;
    }
    const next = skipSeparators(buf, p, end);
    if (next === p) break;
    p = next;
  }
  return body >= PEM_MIN_BODY;
}

/** Skips whitespace and `\n` / `\r` escapes, however many times escaped. */
function skipSeparators(buf: Buffer, p: number, end: number): number {
  while (p < end) {
    const c = buf[p];
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) p++;
    else if (c === 0x5c) {
      const after = escapedNewlineEnd(buf, p, end);
      if (after === p) break;
      p = after;
    } else break;
  }
  return p;
}

/** Past a run of backslashes and the `n` or `r` after it, or `p` itself when that is not what is there. */
function escapedNewlineEnd(buf: Buffer, p: number, end: number): number {
  let q = p;
  while (q < end && buf[q] === 0x5c) q++;
  return q > p && (buf[q] === 0x6e || buf[q] === 0x72) ? q + 1 : p;
}

function lineEnd(buf: Buffer, p: number, end: number): number {
  while (p < end && buf[p] !== 0x0a && escapedNewlineEnd(buf, p, end) === p) p++;
  return p;
}

function isEncryptionHeader(buf: Buffer, p: number): boolean {
  const head = buf.toString("latin1", p, p + 10);
  return head.startsWith("Proc-Type:") || head.startsWith("DEK-Info:");
}
