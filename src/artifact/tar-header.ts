/**
 * Strict decoding of one 512-byte tar header block and of pax records. Every
 * byte here comes from an archive someone else made, so it is attacker-
 * controlled: anything a lenient reader would guess at is a `TarDefect`.
 */

/** A format problem, in "expected X, got Y" terms; tar-read adds the file and entry. */
export class TarDefect extends Error {
  constructor(
    readonly expected: string,
    readonly found: string,
  ) {
    super(`expected ${expected}, got ${found}`);
  }
}

export interface RawHeader {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  /** the typeflag byte as a character; "\0" for old archives */
  type: string;
  uname: string;
  gname: string;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const latin1 = new TextDecoder("latin1");

export function isZeroBlock(block: Uint8Array): boolean {
  return block.every((b) => b === 0);
}

export function decodeHeader(block: Uint8Array): RawHeader {
  const magic = latin1.decode(block.subarray(257, 265));
  const ustar = magic === "ustar\x0000";
  // v7 headers carry no magic; accepting them would mean guessing at every field.
  if (!ustar && magic !== "ustar  \0") throw new TarDefect("a ustar, pax or GNU tar header", `magic ${JSON.stringify(magic)}`);
  const stored = octal(block, 148, 8, "checksum");
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < 512; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  // Old Sun tar summed signed bytes; both are in use, and either proves the block is intact.
  if (stored !== unsigned && stored !== signed) throw new TarDefect(`header checksum ${unsigned}`, `${stored} (corrupt header)`);
  const name = text(block, 0, 100, "name");
  // Only POSIX ustar has a prefix field; GNU headers keep atime/ctime at that offset.
  const prefix = ustar ? text(block, 345, 155, "prefix") : "";
  return {
    name: prefix === "" ? name : `${prefix}/${name}`,
    mode: octal(block, 100, 8, "mode"),
    uid: octal(block, 108, 8, "uid"),
    gid: octal(block, 116, 8, "gid"),
    size: octal(block, 124, 12, "size"),
    mtime: octal(block, 136, 12, "mtime"),
    type: String.fromCharCode(block[156]!),
    uname: text(block, 265, 32, "uname"),
    gname: text(block, 297, 32, "gname"),
  };
}

function text(block: Uint8Array, offset: number, length: number, field: string): string {
  const bytes = block.subarray(offset, offset + length);
  const end = bytes.indexOf(0);
  try {
    return utf8.decode(end === -1 ? bytes : bytes.subarray(0, end));
  } catch {
    // Lossy decoding would map two different byte names to one string.
    throw new TarDefect(`UTF-8 text in the ${field} field`, "invalid UTF-8");
  }
}

function octal(block: Uint8Array, offset: number, length: number, field: string): number {
  const bytes = block.subarray(offset, offset + length);
  if (bytes[0]! & 0x80) {
    // GNU base-256, used for sizes over 8 GiB; 0xff would be a negative number.
    if (bytes[0] !== 0x80) throw new TarDefect(`a non-negative ${field}`, "a negative base-256 number");
    let value = 0;
    for (const b of bytes.subarray(1)) value = value * 256 + b;
    if (!Number.isSafeInteger(value)) throw new TarDefect(`a ${field} below 2^53`, "a larger base-256 number");
    return value;
  }
  const raw = latin1.decode(bytes);
  const match = /^ *([0-7]*)[ \0]*$/.exec(raw);
  if (match === null) throw new TarDefect(`an octal number in the ${field} field`, JSON.stringify(raw));
  return match[1] === "" ? 0 : parseInt(match[1]!, 8);
}
