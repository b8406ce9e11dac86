/**
 * Hostile archives for the reader. Each case is named after the attack it
 * stops and asserts the code, the entry the message names, and what was found.
 */
import { describe, expect, test } from "bun:test";

import { packTar } from "../../src/artifact/tar-pack.ts";
import { listTar, readTarFiles, type TarLimits } from "../../src/artifact/tar-read.ts";
import { showPath } from "../../src/artifact/tar-path.ts";
import { archive, concat, END, entry, header, pax, reseal } from "./craft-tar.ts";
import { rejection } from "../helpers/expect-error.ts";

const text = (s: string) => new TextEncoder().encode(s);
const ok = entry({ name: "ok.js", data: "ok" });


interface Case {
  attack: string;
  bytes: Uint8Array | (() => Promise<Uint8Array>);
  /** the entry the message must name; undefined when the defect comes before any name */
  entry: string | undefined;
  found: string;
  limits?: TarLimits;
}

const corruptChecksum = entry({ name: "a.js", data: "a" });
corruptChecksum[0] = "b".charCodeAt(0);
const nonUtf8Name = header({ name: "x" });
nonUtf8Name.set([0xff, 0xfe], 0);
reseal(nonUtf8Name);
const packed = () => packTar([{ path: "a.js", data: new Uint8Array(2000) }], { mtime: 0 });

const CASES: Case[] = [
  { attack: "an entry that climbs out with ..", bytes: archive(entry({ name: "dist/../../evil.js", data: "x" })), entry: "dist/../../evil.js", found: "climbs out with '..'" },
  { attack: "an absolute path", bytes: archive(entry({ name: "/etc/cron.d/evil", data: "x" })), entry: "/etc/cron.d/evil", found: "an absolute path" },
  { attack: "a ustar prefix that climbs out", bytes: archive(entry({ name: "evil.js", prefix: "..", data: "x" })), entry: "../evil.js", found: "climbs out" },
  { attack: "a pax path that climbs out behind an innocent name", bytes: archive(pax({ path: "../evil.js" }), entry({ name: "innocent.js", data: "x" })), entry: "../evil.js", found: "climbs out" },
  {
    attack: "a GNU long name that climbs out",
    bytes: archive(entry({ name: "././@LongLink", type: "L", data: "../../evil.js\0", magic: "gnu" }), entry({ name: "innocent.js", data: "x", magic: "gnu" })),
    entry: "../../evil.js",
    found: "climbs out",
  },
  { attack: "a backslash path that climbs out on Windows", bytes: archive(entry({ name: "..\\evil.js", data: "x" })), entry: "..\\evil.js", found: "a backslash" },
  { attack: "a path so deep that checking it costs seconds", bytes: archive(pax({ path: "d/".repeat(200) + "x" }), ok), entry: "d/".repeat(200) + "x", found: "more than 128 levels deep" },
  { attack: "a symlink that points outside", bytes: archive(entry({ name: "link", type: "2", linkname: "/etc/passwd" })), entry: "link", found: "a symbolic link" },
  { attack: "a hard link to another file", bytes: archive(ok, entry({ name: "hard", type: "1", linkname: "ok.js" })), entry: "hard", found: "a hard link" },
  { attack: "a character device", bytes: archive(entry({ name: "tty", type: "3" })), entry: "tty", found: "a character device" },
  { attack: "a block device", bytes: archive(entry({ name: "sda", type: "4" })), entry: "sda", found: "a block device" },
  { attack: "a FIFO that would block a reader", bytes: archive(entry({ name: "pipe", type: "6" })), entry: "pipe", found: "a FIFO" },
  { attack: "a GNU long link name", bytes: archive(entry({ name: "././@LongLink", type: "K", data: "/etc/passwd\0", magic: "gnu" }), ok), entry: "././@LongLink", found: "a GNU long link name" },
  { attack: "an unknown entry type", bytes: archive(entry({ name: "sparse", type: "S", data: "x" })), entry: "sparse", found: 'unknown type "S"' },
  { attack: "a duplicate entry that shadows the first", bytes: archive(ok, entry({ name: "ok.js", data: "evil" })), entry: "ok.js", found: "a duplicate entry" },
  { attack: "a duplicate spelled with ./", bytes: archive(ok, entry({ name: "./ok.js", data: "evil" })), entry: "./ok.js", found: "a duplicate entry" },
  { attack: "a file that is also used as a directory", bytes: archive(entry({ name: "a", data: "1" }), entry({ name: "a/b.js", data: "2" })), entry: "a/b.js", found: 'inside the file "a"' },
  { attack: "an entry over the size limit, before reading its data", bytes: concat(header({ name: "huge.bin", size: 5 * 1024 ** 3 })), entry: "huge.bin", found: "5368709120 bytes" },
  { attack: "entries that together exceed the total limit", bytes: archive(entry({ name: "a", data: "x".repeat(600) }), entry({ name: "b", data: "y".repeat(600) })), entry: "b", found: "1200 bytes so far", limits: { maxTotalBytes: 1000 } },
  { attack: "more entries than the limit", bytes: archive(entry({ name: "a" }), entry({ name: "b" }), entry({ name: "c" })), entry: "c", found: "more", limits: { maxEntries: 2 } },
  { attack: "a pax header bomb", bytes: concat(header({ name: "PaxHeader", type: "x", size: 10 * 1024 * 1024 })), entry: "PaxHeader", found: "10485760 bytes" },
  { attack: "a GNU long-name bomb", bytes: concat(header({ name: "././@LongLink", type: "L", size: 1024 * 1024, magic: "gnu" })), entry: "././@LongLink", found: "1048576 bytes" },
  { attack: "a global pax header that renames every entry", bytes: archive(pax({ path: "evil.js" }, "g"), ok), entry: "PaxHeader", found: 'the key "path"' },
  { attack: "two pax headers that readers would merge differently", bytes: archive(pax({ path: "a.js" }), pax({ path: "b.js" }), ok), entry: "PaxHeader", found: "two in a row" },
  { attack: "a pax key given twice", bytes: archive(entry({ name: "PaxHeader", type: "x", data: "12 path=a.j\n12 path=b.j\n" }), ok), entry: "PaxHeader", found: "it twice" },
  { attack: "a pax record whose length does not add up", bytes: archive(entry({ name: "PaxHeader", type: "x", data: "99 path=a.js\n" }), ok), entry: "PaxHeader", found: "a record of length 99" },
  { attack: "a sparse map that changes what the data means", bytes: archive(pax({ "GNU.sparse.map": "0,10" }), ok), entry: "ok.js", found: '"GNU.sparse.map"' },
  { attack: "an unknown pax keyword", bytes: archive(pax({ owner: "root" }), ok), entry: "ok.js", found: '"owner"' },
  { attack: "a directory that carries data (smuggled headers)", bytes: archive(entry({ name: "d/", type: "5", data: entry({ name: "evil.js", data: "x" }) })), entry: "d/", found: "bytes of data" },
  { attack: "an entry hidden after the end-of-archive marker", bytes: concat(ok, END, ok, END), entry: undefined, found: "data at byte 2048" },
  { attack: "a truncated archive, cut inside an entry", bytes: async () => (await packed()).subarray(0, 1200), entry: "a.js", found: "truncated archive" },
  { attack: "a truncated archive, cut at an entry boundary", bytes: async () => (await packed()).subarray(0, 512 * 5), entry: undefined, found: "truncated archive" },
  { attack: "a lone zero block instead of the end marker", bytes: concat(ok, new Uint8Array(512)), entry: undefined, found: "a lone zero block" },
  { attack: "a corrupt header checksum", bytes: archive(corruptChecksum), entry: undefined, found: "corrupt header" },
  { attack: "a header without ustar magic", bytes: archive(entry({ name: "v7.js", data: "x", magic: "none" })), entry: undefined, found: "magic" },
  { attack: "a name that is not UTF-8", bytes: archive(nonUtf8Name), entry: undefined, found: "invalid UTF-8" },
  { attack: "a pax header with no entry after it", bytes: archive(pax({ path: "a.js" })), entry: undefined, found: "the end-of-archive marker" },
  { attack: "gzip data passed as a tar", bytes: concat(new Uint8Array([0x1f, 0x8b, 8, 0]), new Uint8Array(1020)), entry: undefined, found: "gzip data" },
  { attack: "empty input", bytes: new Uint8Array(0), entry: undefined, found: "empty input" },
];

describe("listTar refuses hostile archives", () => {
  for (const c of CASES) {
    test(`rejects ${c.attack}`, async () => {
      const bytes = typeof c.bytes === "function" ? await c.bytes() : c.bytes;
      const error = await rejection(listTar(bytes, c.limits));
      expect(error.code).toBe("ARCHIVE_INVALID");
      expect(error.field).toBe(c.entry);
      if (c.entry !== undefined) expect(error.message).toContain(`archive: entry ${showPath(c.entry)}: expected `);
      expect(error.message).toMatch(/: expected .+, got /);
      expect(error.found).toContain(c.found);
      // readTarFiles walks the same way; it must refuse the same archives.
      expect((await rejection(readTarFiles(bytes, c.limits))).message).toBe(error.message);
    });
  }
});

describe("listTar accepts what is safe", () => {
  test("skips directory entries and the ./ root, listing files by their clean path", async () => {
    const bytes = archive(entry({ name: "./", type: "5" }), entry({ name: "./dist/", type: "5" }), entry({ name: "./dist/a.js", data: "a" }));
    expect((await listTar(bytes)).map((e) => e.path)).toEqual(["dist/a.js"]);
  });

  test("accepts a git-archive style global header that only carries a comment", async () => {
    const bytes = archive(pax({ comment: "0123456789abcdef0123456789abcdef01234567" }, "g"), ok);
    expect((await listTar(bytes)).map((e) => e.path)).toEqual(["ok.js"]);
  });

  test("reports the metadata a pax header overrides, as GNU tar shows it", async () => {
    const bytes = archive(pax({ mtime: "1700000000.5", uid: "1000", uname: "ci", atime: "1.0" }), ok);
    expect(await listTar(bytes)).toMatchObject([{ path: "ok.js", mtime: 1_700_000_000.5, uid: 1000, uname: "ci", size: 2 }]);
  });

  test("returns file bytes that do not alias the caller's buffer", async () => {
    const bytes = archive(ok);
    const files = await readTarFiles(bytes);
    bytes.fill(0x41, 512, 514);
    expect(new TextDecoder().decode(files.get("ok.js"))).toBe("ok");
    expect(files.get("ok.js")).toEqual(text("ok"));
  });
});
