/**
 * Stage `package`, run inside the build worker right after the bundler: read
 * the outputs once, hash each, pack the deterministic tar and write it to the
 * temporary path the plan names (the worker hashes and syncs it after
 * reporting). Running here means tens of megabytes of output never cross a
 * process boundary, and the packing overlaps bunseal's own hashing of inputs.
 */
import { packTar } from "../artifact/tar-pack.ts";
import { rm, writeFile } from "node:fs/promises";
import { readOutputs } from "./read-outputs.ts";
import type { PackageSummary } from "./worker-protocol.ts";

const TAR_BLOCK = 512;

export async function packOutputs(stagingDir: string, tarPath: string, mtime: number): Promise<{ summary: PackageSummary; tar: Uint8Array }> {
  const outputs = readOutputs(stagingDir);
  // Read once, so the staging folder has served its purpose.
  await rm(stagingDir, { recursive: true, force: true });
  const tar = await packTar(outputs, { mtime });
  await writeFile(tarPath, tar, { mode: 0o644 });
  return { summary: { files: locateInTar(tar, outputs), tarSize: tar.byteLength }, tar };
}

/** Finds each file's data offset by walking the headers packTar wrote, in order. */
function locateInTar(tar: Uint8Array, outputs: ReturnType<typeof readOutputs>): PackageSummary["files"] {
  const files: PackageSummary["files"] = [];
  let position = 0;
  for (const output of outputs) {
    // A pax header block ("x") may precede an entry whose path does not fit ustar.
    while (String.fromCharCode(tar[position + 156]!) === "x") {
      const size = Number.parseInt(new TextDecoder().decode(tar.subarray(position + 124, position + 136)).replace(/\0.*$/, "").trim(), 8);
      position += TAR_BLOCK + Math.ceil(size / TAR_BLOCK) * TAR_BLOCK;
    }
    const offset = position + TAR_BLOCK;
    files.push({ path: output.path, sha256: output.sha256, size: output.data.byteLength, executable: output.executable, offset });
    position = offset + Math.ceil(output.data.byteLength / TAR_BLOCK) * TAR_BLOCK;
  }
  return files;
}
