/**
 * Reads what the build wrote into its staging folder, once: every later step
 * (hashing, the tar) works from these bytes.
 */
import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { BunsealError } from "../errors.ts";

export interface OutputFile {
  /** POSIX path inside the artifact */
  path: string;
  data: Uint8Array;
  executable: boolean;
}

export function readOutputs(stagingDir: string): OutputFile[] {
  const files: OutputFile[] = [];
  for (const entry of readdirSync(stagingDir, { recursive: true, withFileTypes: true })) {
    const full = join(entry.parentPath, entry.name);
    const path = relative(stagingDir, full).split(sep).join("/");
    if (entry.isDirectory()) continue;
    if (!entry.isFile()) {
      // A link in the outputs would make the artifact depend on the machine it is unpacked on.
      throw new BunsealError("BUILD_FAILED", `the build wrote ${path}, which is not a regular file; expected only regular files in the outputs`, { file: path, expected: "a regular file" });
    }
    const data = readFileSync(full);
    files.push({ path, data, executable: (lstatSync(full).mode & 0o111) !== 0 });
  }
  if (files.length === 0) {
    throw new BunsealError("BUILD_FAILED", "the build wrote no output files; expected at least one", { expected: "at least one output" });
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
