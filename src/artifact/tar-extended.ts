/**
 * The headers that extend the next entry: pax 'x' and 'g' records and GNU 'L'
 * long names. Only the fields bunseal reports are applied; anything that would
 * change how the entry's data is read (sparse maps) or that readers apply
 * differently (per-entry fields in a global header) is a defect.
 */
import { TarDefect, type RawHeader } from "./tar-header.ts";

export type Extended = { longName: string } | { pax: Map<string, string> };

const utf8 = new TextDecoder("utf-8", { fatal: true });
const latin1 = new TextDecoder("latin1");
const PAX_IGNORED = new Set(["atime", "ctime", "comment", "charset", "hdrcharset", "linkpath"]);
const PAX_APPLIED = new Set(["path", "size", "mtime", "uid", "gid", "uname", "gname"]);

/**
 * Pax records, `"<len> <key>=<value>\n"`. A record whose length does not add
 * up, or a key given twice, is a defect: readers disagree on which copy wins.
 */
export function decodePax(data: Uint8Array): Map<string, string> {
  const records = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    const length = space === -1 ? "" : latin1.decode(data.subarray(pos, space));
    if (!/^[1-9][0-9]{0,8}$/.test(length)) throw new TarDefect("a pax record length", JSON.stringify(length.slice(0, 20)));
    const end = pos + Number(length);
    if (end > data.length || end <= space + 1 || data[end - 1] !== 0x0a) throw new TarDefect("pax records that end where their length says", `a record of length ${length} at offset ${pos}`);
    let record: string;
    try {
      record = utf8.decode(data.subarray(space + 1, end - 1));
    } catch {
      throw new TarDefect("UTF-8 pax records", "invalid UTF-8");
    }
    const eq = record.indexOf("=");
    if (eq <= 0) throw new TarDefect("a pax record of the form key=value", JSON.stringify(record.slice(0, 40)));
    const key = record.slice(0, eq);
    if (records.has(key)) throw new TarDefect(`the pax key ${JSON.stringify(key)} once`, "it twice");
    records.set(key, record.slice(eq + 1));
    pos = end;
  }
  return records;
}

export function longName(data: Uint8Array): string {
  const end = data.indexOf(0);
  try {
    return utf8.decode(end === -1 ? data : data.subarray(0, end));
  } catch {
    throw new TarDefect("a UTF-8 GNU long name", "invalid UTF-8");
  }
}

export function applyExtended(header: RawHeader, ext: Extended | undefined): void {
  if (ext === undefined) return;
  if ("longName" in ext) {
    header.name = ext.longName;
    return;
  }
  for (const [key, value] of ext.pax) {
    if (key === "path") header.name = value;
    else if (key === "uname" || key === "gname") header[key] = value;
    else if (key === "size" || key === "uid" || key === "gid") header[key] = paxNumber(key, value, /^[0-9]{1,15}$/);
    else if (key === "mtime") header.mtime = paxNumber(key, value, /^-?[0-9]{1,15}(\.[0-9]{1,9})?$/);
    else if (key.startsWith("GNU.sparse.")) throw new TarDefect("no sparse files", `the pax key ${JSON.stringify(key)}`);
    // Vendor keys (SCHILY.xattr.*, LIBARCHIVE.*) describe extraction, which we never do.
    else if (!PAX_IGNORED.has(key) && !key.includes(".")) throw new TarDefect("known pax keys", `the pax key ${JSON.stringify(key)}`);
  }
}

function paxNumber(key: string, value: string, pattern: RegExp): number {
  if (!pattern.test(value)) throw new TarDefect(`a number in the pax ${key} record`, JSON.stringify(value.slice(0, 40)));
  return Number(value);
}

/** A global header that renamed or resized entries would be applied by some readers and not others. */
export function checkGlobalPax(pax: Map<string, string>): void {
  for (const key of pax.keys()) {
    if (PAX_APPLIED.has(key) || key.startsWith("GNU.sparse.")) throw new TarDefect("a global pax header without per-entry fields", `the key ${JSON.stringify(key)}`);
  }
}
