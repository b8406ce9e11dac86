/**
 * measureTar: the artifact as bunseal's own process measures it from the file
 * the worker wrote, whatever the worker said about it.
 */
import { expect, test } from "bun:test";
import { linkSync, statSync, truncateSync, writeFileSync } from "node:fs";
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

test("a sealed tar (the sandbox gone) is kept in place: mapped, not copied, taken back by bunseal's user, 0644", async () => {
  await using dir = await makeTempDir("bunseal-measure-");
  const tar = await packTar([{ path: "index.js", data: new TextEncoder().encode("console.log(2);\n") }], { mtime: MTIME });
  const path = join(dir.path, "out.tar");
  writeFileSync(path, tar, { mode: 0o666 });
  const measured = await measureTar(path, MTIME, { sealed: true });
  expect(measured.inPlace).toBe(true);
  expect(measured.sha256).toBe(new Bun.CryptoHasher("sha256").update(tar).digest("hex"));
  const stat = statSync(path);
  expect(stat.mode & 0o777).toBe(0o644);
  expect(stat.uid).toBe(process.getuid!());
  // where a process the build left behind may still write it, the bytes are copied and written out anew
  expect((await measureTar(path, MTIME)).inPlace).toBe(false);
});

test("rejects a worker's tar that is not one regular file with one link (a hard link the build could keep writing)", async () => {
  await using dir = await makeTempDir("bunseal-measure-");
  const tar = await packTar([{ path: "index.js", data: new TextEncoder().encode("x") }], { mtime: MTIME });
  const path = join(dir.path, "out.tar");
  writeFileSync(path, tar);
  linkSync(path, join(dir.path, "kept.tar"));
  const error = await rejection(measureTar(path, MTIME, { sealed: true }));
  expect(error.code).toBe("BUILD_FAILED");
  expect(error.message).toContain("is not the one regular file bunseal made for it");
});
