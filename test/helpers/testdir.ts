/**
 * A fresh folder holding a given file tree, for one test. Use it with
 * `await using dir = await testdir({...})` so it is removed even when the
 * test throws.
 */
import { mkdir, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";

export type FileTree = Record<string, string | Uint8Array>;

export interface TestDir {
  /** the real path (symlinks resolved), so it compares equal to what git and bun report */
  path: string;
  cleanup(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function makeTempDir(prefix = "bunseal-test-"): Promise<TestDir> {
  const path = await realpath(await mkdtemp(join(tmpdir(), prefix)));
  const cleanup = () => rm(path, { recursive: true, force: true });
  return { path, cleanup, [Symbol.asyncDispose]: cleanup };
}

/** Writes `files` (relative paths with `/`, parents created) into `root`. */
export async function writeTree(root: string, files: FileTree): Promise<void> {
  for (const [relative, contents] of Object.entries(files)) {
    // A typo like "/src/x.ts" or "../x" would write outside the sandbox and outlive the test.
    if (relative === "" || isAbsolute(relative) || relative.split(/[\\/]/).includes("..")) {
      throw new Error(`testdir: expected a relative path inside the folder, got ${JSON.stringify(relative)}`);
    }
    const path = join(root, relative);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, contents);
  }
}

export async function testdir(files: FileTree = {}): Promise<TestDir> {
  const dir = await makeTempDir();
  try {
    await writeTree(dir.path, files);
  } catch (error) {
    await dir.cleanup();
    throw error;
  }
  return dir;
}
