/**
 * Hand-made tar bytes for hostile-archive tests. tar-stream's pack() refuses
 * or repairs most of what an attacker would write (it fixes sizes, drops the
 * end marker's absence, computes checksums), so these headers are built field
 * by field at the POSIX ustar offsets.
 */
const encoder = new TextEncoder();

export interface CraftHeader {
  name: string;
  /** the typeflag character: "0" file, "2" symlink, "5" directory, "x" pax, ... */
  type?: string;
  /** the size written in the header; defaults to the data's length */
  size?: number;
  data?: string | Uint8Array;
  mode?: number;
  mtime?: number;
  linkname?: string;
  prefix?: string;
  /** "ustar" (POSIX) unless a test needs the GNU or no magic */
  magic?: "ustar" | "gnu" | "none";
}

function put(block: Uint8Array, offset: number, length: number, text: string): void {
  const bytes = encoder.encode(text);
  if (bytes.length > length) throw new Error(`craft-tar: ${JSON.stringify(text)} does not fit in ${length} bytes`);
  block.set(bytes, offset);
}

function octal(value: number, length: number): string {
  return `${value.toString(8).padStart(length - 1, "0")}\0`;
}

function bytesOf(data: string | Uint8Array | undefined): Uint8Array {
  return typeof data === "string" ? encoder.encode(data) : (data ?? new Uint8Array(0));
}

/** One 512-byte header block with a correct checksum (tests break it on purpose separately). */
export function header(h: CraftHeader): Uint8Array {
  const block = new Uint8Array(512);
  put(block, 0, 100, h.name);
  put(block, 100, 8, octal(h.mode ?? 0o644, 8));
  put(block, 108, 8, octal(0, 8));
  put(block, 116, 8, octal(0, 8));
  put(block, 124, 12, octal(h.size ?? bytesOf(h.data).length, 12));
  put(block, 136, 12, octal(h.mtime ?? 1_700_000_000, 12));
  put(block, 156, 1, h.type ?? "0");
  if (h.linkname !== undefined) put(block, 157, 100, h.linkname);
  const magic = h.magic ?? "ustar";
  if (magic === "ustar") put(block, 257, 8, "ustar\x0000");
  if (magic === "gnu") put(block, 257, 8, "ustar  \0");
  if (h.prefix !== undefined) put(block, 345, 155, h.prefix);
  return reseal(block);
}

/** Recomputes the checksum after a test has edited header bytes, so only the edit is wrong. */
export function reseal(block: Uint8Array): Uint8Array {
  block.fill(0x20, 148, 156);
  const sum = block.subarray(0, 512).reduce((a, b) => a + b, 0);
  put(block, 148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return block;
}

/** A header, its data, and zero padding to the next 512-byte boundary. */
export function entry(h: CraftHeader): Uint8Array {
  const data = bytesOf(h.data);
  const padded = Math.ceil(data.length / 512) * 512;
  const out = new Uint8Array(512 + padded);
  out.set(header(h));
  out.set(data, 512);
  return out;
}

/** A pax extended header ('x', or 'g' for global) holding `records`, encoded as POSIX says. */
export function pax(records: Record<string, string>, type: "x" | "g" = "x"): Uint8Array {
  let body = "";
  for (const [key, value] of Object.entries(records)) {
    const rest = ` ${key}=${value}\n`;
    const restLength = encoder.encode(rest).length;
    let length = restLength + 1;
    while (String(length).length + restLength !== length) length = String(length).length + restLength;
    body += `${length}${rest}`;
  }
  return entry({ name: "PaxHeader", type, data: body });
}

export const END = new Uint8Array(1024);

export function concat(...parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

/** The parts followed by the end-of-archive marker. */
export function archive(...parts: Uint8Array[]): Uint8Array {
  return concat(...parts, END);
}
