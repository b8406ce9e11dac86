/**
 * The read-only copy an artifact is unpacked into is scratch like any other:
 * when bunseal is interrupted (src/cli/main.ts calls removeAllScratch) it is
 * removed, as an ordinary user too, who cannot empty a 0555 folder without
 * first making it writable again. In a process of its own: removeAllScratch
 * ends everything its process registered (the sandbox kit of the other tests).
 */
import { expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { packTar } from "../../src/artifact/tar-pack.ts";
import { testdir } from "../helpers/testdir.ts";

const SRC = join(import.meta.dir, "../../src");

test("an interrupt removes the unpacked artifact, read-only folders and all", async () => {
  await using work = await testdir();
  const tar = join(work.path, "app.tar");
  writeFileSync(tar, await packTar([{ path: "a/b/c.js", data: new TextEncoder().encode("1") }, { path: "index.js", data: new TextEncoder().encode("2") }], { mtime: 0 }));
  const script = join(work.path, "interrupt.ts");
  writeFileSync(
    script,
    `import { existsSync } from "node:fs";
import { join } from "node:path";
import { unpackArtifact } from ${JSON.stringify(join(SRC, "measure/run-artifact.ts"))};
import { removeAllScratch } from ${JSON.stringify(join(SRC, "util/scratch-registry.ts"))};
const unpacked = await unpackArtifact(${JSON.stringify(tar)});
const there = existsSync(join(unpacked.dir, "a/b/c.js"));
const removed = removeAllScratch();
console.log(JSON.stringify({ there, scratch: join(unpacked.dir, ".."), removed, left: existsSync(join(unpacked.dir, "..")) }));
// disposing afterwards is harmless
await unpacked.dispose();
`,
  );
  const proc = Bun.spawnSync([process.execPath, script], { cwd: work.path, stderr: "pipe" });
  expect(proc.exitCode, proc.stderr.toString()).toBe(0);
  const result = JSON.parse(proc.stdout.toString());
  expect(result.there).toBe(true);
  expect(result.removed).toContain(result.scratch);
  expect(result.left).toBe(false);
  expect(existsSync(result.scratch)).toBe(false);
});
