/**
 * Stage `package`, run inside the build worker right after the bundler: take
 * the outputs from memory, pack the deterministic tar and write it to the
 * temporary path the plan names. Running here means tens of megabytes of
 * output never cross a process boundary. Nothing the worker says about the
 * tar is believed: bunseal reads it back once the sandbox is gone and takes
 * every digest itself (src/build/measure-tar.ts).
 */
import { packTar } from "../artifact/tar-pack.ts";
import { writeFile } from "node:fs/promises";
import { outputFiles, type OutputSource } from "./output-files.ts";

export async function packOutputs(artifacts: readonly OutputSource[], tarPath: string, mtime: number): Promise<void> {
  const outputs = await outputFiles(artifacts);
  const tar = await packTar(outputs, { mtime });
  await writeFile(tarPath, tar, { mode: 0o644 });
}
