/**
 * Stage `package`, run inside the build worker right after the bundler: take
 * the outputs from memory, pack the deterministic tar and write it to the
 * temporary path the plan names. Running here means tens of megabytes of
 * output never cross a process boundary. Nothing the worker says about the
 * tar is believed: bunseal reads it back once the sandbox is gone and takes
 * every digest itself (src/build/measure-tar.ts).
 */
import { packChunks } from "../artifact/tar-pack.ts";
import { open } from "node:fs/promises";
import { outputFiles, type OutputSource } from "./output-files.ts";

/** Chunks gathered into one write: the headers and paddings are 512 bytes each, the data as large as the outputs. */
const WRITE_BATCH_BYTES = 4 * 1024 * 1024;

export async function packOutputs(artifacts: readonly OutputSource[], tarPath: string, mtime: number): Promise<void> {
  const outputs = await outputFiles(artifacts);
  // written as it is packed, the outputs' own bytes straight to the file: the tar is never one
  // more buffer as large as all the outputs (fresh memory is slow to fault in: ≈100 ms for 30 MB here)
  const file = await open(tarPath, "w");
  try {
    let batch: Uint8Array[] = [];
    let bytes = 0;
    const flush = async () => {
      if (batch.length > 0) await writeAll(file, batch);
      batch = [];
      bytes = 0;
    };
    for await (const chunk of packChunks(outputs, { mtime })) {
      batch.push(chunk);
      bytes += chunk.byteLength;
      if (bytes >= WRITE_BATCH_BYTES) await flush();
    }
    await flush();
  } finally {
    await file.close();
  }
}

async function writeAll(file: import("node:fs/promises").FileHandle, chunks: Uint8Array[]): Promise<void> {
  let pending = chunks;
  while (pending.length > 0) {
    let { bytesWritten } = await file.writev(pending);
    // a short write: drop what went out, resume inside the chunk it stopped in
    const rest: Uint8Array[] = [];
    for (const chunk of pending) {
      if (bytesWritten >= chunk.byteLength) bytesWritten -= chunk.byteLength;
      else {
        rest.push(chunk.subarray(bytesWritten));
        bytesWritten = 0;
      }
    }
    pending = rest;
  }
}
