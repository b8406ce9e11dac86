/**
 * The read-only copy an artifact is unpacked into is scratch like any other:
 * when bunseal is interrupted (src/cli/main.ts calls removeAllScratch) it is
 * removed, as an ordinary user too, who cannot empty a 0555 folder without
 * first making it writable again. In a file of its own: removeAllScratch ends
 * everything the process registered.
 */
import { expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { packTar } from "../../src/artifact/tar-pack.ts";
import { unpackArtifact } from "../../src/measure/run-artifact.ts";
import { removeAllScratch } from "../../src/util/scratch-registry.ts";
import { testdir } from "../helpers/testdir.ts";

test("an interrupt removes the unpacked artifact, read-only folders and all", async () => {
  await using work = await testdir();
  const tar = join(work.path, "app.tar");
  writeFileSync(tar, await packTar([{ path: "a/b/c.js", data: new TextEncoder().encode("1") }, { path: "index.js", data: new TextEncoder().encode("2") }], { mtime: 0 }));
  const unpacked = await unpackArtifact(tar);
  expect(existsSync(join(unpacked.dir, "a/b/c.js"))).toBe(true);
  const removed = removeAllScratch();
  expect(removed).toContain(join(unpacked.dir, ".."));
  expect(existsSync(join(unpacked.dir, ".."))).toBe(false);
  // disposing afterwards is harmless
  await unpacked.dispose();
});
