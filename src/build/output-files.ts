/**
 * The bundler's outputs as files for the artifact: POSIX paths relative to
 * the artifact's root, checked, sorted. Taken from memory, so each output is
 * read exactly once.
 */
import { BunsealError } from "../errors.ts";

export interface OutputFile {
  /** POSIX path inside the artifact */
  path: string;
  data: Uint8Array;
  /** written 0755 by `bun build`: a compiled executable, or an output that starts with a `#!` line */
  executable: boolean;
}

/** An output as the worker has it: a Bun.BuildArtifact in memory, or a file `compile` wrote (mode known). */
export interface OutputSource {
  path: string;
  arrayBuffer(): Promise<ArrayBuffer>;
  /** known when read from disk; else decided as `bun build` decides when it writes the file */
  executable?: boolean;
}

export async function outputFiles(artifacts: readonly OutputSource[]): Promise<OutputFile[]> {
  if (artifacts.length === 0) {
    throw new BunsealError("BUILD_FAILED", "the build produced no output files; expected at least one", { expected: "at least one output" });
  }
  const files = await Promise.all(
    artifacts.map(async (artifact) => {
      const path = artifact.path.replace(/^\.\//, "");
      // A naming template can point outside the artifact; refuse rather than pack a path that climbs out.
      if (path === "" || path.startsWith("/") || path.split("/").includes("..")) {
        throw new BunsealError("BUILD_FAILED", `the build produced an output at ${JSON.stringify(artifact.path)}; expected a path inside the artifact (check build.naming)`, { field: "build.naming", expected: "a relative path without '..'", found: artifact.path });
      }
      const data = new Uint8Array(await artifact.arrayBuffer());
      return { path, data, executable: artifact.executable ?? hasShebang(data) };
    }),
  );
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  // Two outputs at one path would be two tar entries with one name: which one a host unpacks last wins.
  for (let i = 1; i < files.length; i++) {
    if (files[i]!.path === files[i - 1]!.path) {
      throw new BunsealError("BUILD_FAILED", `two outputs of the build are at ${JSON.stringify(files[i]!.path)}; expected each path once (check build.naming, or the builds' names)`, { field: "build.naming", expected: "distinct output paths", found: files[i]!.path });
    }
  }
  return files;
}

/**
 * A named build's outputs, under `<name>/` in the artifact (the single form's
 * build is named "" and stays at the root). The `..` check in outputFiles
 * still sees the whole path, so a naming template cannot climb out of its folder into another build's.
 */
export function underFolder(name: string, outputs: readonly OutputSource[]): OutputSource[] {
  if (name === "") return [...outputs];
  // a wrapper, not a spread: a BuildArtifact's arrayBuffer is a method of its prototype
  return outputs.map((output) => ({ path: `${name}/${output.path.replace(/^\.\//, "")}`, executable: output.executable, arrayBuffer: () => output.arrayBuffer() }));
}

/** `bun build` writes an output whose first bytes are `#!` with mode 0755 (measured with Bun 1.4.5), so it runs as the script it says it is. */
function hasShebang(data: Uint8Array): boolean {
  return data[0] === 0x23 && data[1] === 0x21;
}
