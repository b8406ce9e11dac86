/**
 * measureTar: the artifact as bunseal's own process measures it from the file
 * the worker wrote, whatever the worker said about it.
 */
import { expect, test } from "bun:test";
import { truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { listTar } from "../../src/artifact/tar-read.ts";
import { packTar } from "../../src/artifact/tar-pack.ts";
import { measureTar } from "../../src/build/measure-tar.ts";
import { rejection } from "../helpers/expect-error.ts";
import { makeTempDir } from "../helpers/testdir.ts";

const MTIME = 1_700_000_000;

test("every digest is taken from the file: the tar's, and each entry's with its offset", async () => {
  await using dir = await makeTempDir("bunseal-measure-");
  const tar = await packTar([{ path: "index.js", data: new TextEncoder().encode("console.log(1);\n") }, { path: "index.js.map", data: new TextEncoder().encode("{}") }], { mtime: MTIME });
  const path = join(dir.path, "out.tar");
  writeFileSync(path, tar);
  const measured = await measureTar(path, MTIME);
  expect(measured.sha256).toBe(new Bun.CryptoHasher("sha256").update(tar).digest("hex"));
  expect(measured.bytes).toEqual(tar);
  const listed = await listTar(path);
  expect(measured.files.map(({ path, sha256, size }) => ({ path, sha256, size }))).toEqual(listed.map(({ path, sha256, size }) => ({ path, sha256, size })));
  for (const file of measured.files) expect(new TextDecoder().decode(tar.subarray(file.offset, file.offset + file.size))).toBe(file.path === "index.js" ? "console.log(1);\n" : "{}");
});

test("rejects a tar grown past what bunseal reads back (a sparse file of gigabytes) before reading it", async () => {
  await using dir = await makeTempDir("bunseal-measure-");
  const path = join(dir.path, "out.tar");
  writeFileSync(path, "");
  truncateSync(path, 4 * 1024 ** 3);
  const error = await rejection(measureTar(path, MTIME));
  expect(error.code).toBe("BUILD_FAILED");
  expect(error.message).toContain(`the build worker's tar is ${4 * 1024 ** 3} bytes; expected at most`);
});
