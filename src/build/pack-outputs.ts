/**
 * Stage `package`, run inside the build worker right after the bundler: take
 * the outputs from memory, hash each, pack the deterministic tar and write it to the
 * temporary path the plan names (the worker hashes and syncs it after
 * reporting). Running here means tens of megabytes of output never cross a
 * process boundary, and the packing overlaps bunseal's own hashing of inputs.
 */
import { packTar } from "../artifact/tar-pack.ts";
import { writeFile } from "node:fs/promises";
import { sha256HexAsync } from "../util/digest.ts";
import { outputFiles, type OutputFile, type OutputSource } from "./output-files.ts";
import type { PackageSummary } from "./worker-protocol.ts";

const TAR_BLOCK = 512;

export async function packOutputs(artifacts: readonly OutputSource[], tarPath: string, mtime: number): Promise<{ summary: PackageSummary; tar: Uint8Array }> {
  const outputs = await outputFiles(artifacts);
  // The bundler's threads are idle now: hash the files on the thread pool while this thread packs.
  const digests = Promise.all(outputs.map((o) => sha256HexAsync(o.data)));
  const tar = await packTar(outputs, { mtime });
  const [sha256s] = await Promise.all([digests, writeFile(tarPath, tar, { mode: 0o644 })]);
  return { summary: { files: locateInTar(tar, outputs, sha256s), tarSize: tar.byteLength }, tar };
}

/** Finds each file's data offset by walking the headers packTar wrote, in order. */
function locateInTar(tar: Uint8Array, outputs: readonly OutputFile[], sha256s: string[]): PackageSummary["files"] {
  const files: PackageSummary["files"] = [];
  let position = 0;
  for (const [index, output] of outputs.entries()) {
    // A pax header block ("x") may precede an entry whose path does not fit ustar.
    while (String.fromCharCode(tar[position + 156]!) === "x") {
      const size = Number.parseInt(new TextDecoder().decode(tar.subarray(position + 124, position + 136)).replace(/\0.*$/, "").trim(), 8);
      position += TAR_BLOCK + Math.ceil(size / TAR_BLOCK) * TAR_BLOCK;
    }
    const offset = position + TAR_BLOCK;
    files.push({ path: output.path, sha256: sha256s[index]!, size: output.data.byteLength, executable: output.executable, offset });
    position = offset + Math.ceil(output.data.byteLength / TAR_BLOCK) * TAR_BLOCK;
  }
  return files;
}
