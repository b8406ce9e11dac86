/**
 * readOwnTar: the tar the build worker wrote is believed only when it is byte
 * for byte what packTar makes of its entries. Each test is a way a macro in
 * the worker could change the tar after (or instead of) bunseal's packer.
 */
import { describe, expect, test } from "bun:test";
import { readOwnTar } from "../../src/artifact/tar-check.ts";
import { packTar } from "../../src/artifact/tar-pack.ts";
import { rejection } from "../helpers/expect-error.ts";

const MTIME = 1_700_000_000;
const text = (s: string) => new TextEncoder().encode(s);
const FILES = [
  { path: "index.js", data: text("console.log(1);\n") },
  { path: "bin/cli", data: text("#!/usr/bin/env bun\n"), executable: true },
  { path: `${"deep/".repeat(30)}long-name-${"é".repeat(40)}.js`, data: text("export {};\n") },
];

const packed = () => packTar(FILES, { mtime: MTIME });
const refused = async (tar: Uint8Array, found: string) => {
  const error = await rejection(readOwnTar(tar, MTIME, "out.tar"));
  expect(error.code).toBe("BUILD_FAILED");
  expect(error.message).toContain("the build worker's tar is not the tar bunseal writes");
  expect(error.message).toContain(found);
};

describe("readOwnTar", () => {
  test("reads back what packTar wrote: paths in packed order, bytes, executable bits and data offsets", async () => {
    const tar = await packed();
    const entries = await readOwnTar(tar, MTIME, "out.tar");
    expect(entries.map((e) => e.path)).toEqual([FILES[1]!.path, FILES[2]!.path, FILES[0]!.path]);
    for (const entry of entries) {
      const file = FILES.find((f) => f.path === entry.path)!;
      expect(entry.data).toEqual(file.data);
      expect(tar.subarray(entry.offset, entry.offset + entry.data.byteLength)).toEqual(file.data);
      expect(entry.executable).toBe(file.executable === true);
    }
  });

  test("rejects bytes appended after the end-of-archive marker (a process left behind wrote them)", async () => {
    const tar = await packed();
    await refused(Buffer.concat([tar, text("appended-after-hashing")]), "that differ from byte");
  });

  test("rejects a header field packTar never writes (a mode of 0o4755, an owner) even with a fixed-up checksum", async () => {
    const tar = await packed();
    const forged = Uint8Array.from(tar);
    // the first entry's mode field, then its checksum recomputed so only the field differs
    forged.set(text("0004755\0"), 100);
    forged.set(text("        "), 148);
    const sum = forged.subarray(0, 512).reduce((a, b) => a + b, 0);
    forged.set(text(`${sum.toString(8).padStart(6, "0")}\0 `), 148);
    const error = await rejection(readOwnTar(forged, MTIME, "out.tar"));
    expect(error.code).toBe("BUILD_FAILED");
    // the first byte that differs lies in the mode field (bytes 100-107)
    const at = Number(/differ from byte (\d+)/.exec(error.message)?.[1]);
    expect(at).toBeGreaterThanOrEqual(100);
    expect(at).toBeLessThan(108);
  });

  test("rejects a tar packed with another mtime (the clock the record does not name)", async () => {
    await refused(await packTar(FILES, { mtime: MTIME + 1 }), "differ from byte");
  });

  test("rejects entries out of packTar's order", async () => {
    const a = await packTar([FILES[0]!], { mtime: MTIME });
    const b = await packTar([FILES[1]!], { mtime: MTIME });
    // b's entry after a's, each without its end marker, then one marker
    const unsorted = Buffer.concat([a.subarray(0, a.byteLength - 1024), b.subarray(0, b.byteLength - 1024), new Uint8Array(1024)]);
    await refused(unsorted, "differ from byte 0");
  });

  test("rejects a truncated tar (ended before the worker finished writing)", async () => {
    const tar = await packed();
    await refused(tar.subarray(0, 700), "the end of the file");
  });

  test("rejects an empty file (a build that never packed)", async () => {
    await refused(new Uint8Array(0), "the end of the file at byte 0");
  });
});
