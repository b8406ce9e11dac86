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
  /** in-memory outputs carry no mode; Bun writes no executables outside --compile */
  executable: boolean;
}

export async function outputFiles(artifacts: readonly Bun.BuildArtifact[]): Promise<OutputFile[]> {
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
      return { path, data: new Uint8Array(await artifact.arrayBuffer()), executable: false };
    }),
  );
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
