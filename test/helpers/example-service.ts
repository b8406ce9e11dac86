/**
 * The example service (fixtures/example-service) as a buildable project: a
 * fresh git repo with the fixture's files committed at a fixed time, and its
 * dependencies installed from the committed lockfile.
 */
import { join, relative } from "node:path";
import { gitRepo, type GitRepo } from "./git.ts";
import type { FileTree } from "./testdir.ts";

export const EXAMPLE_SERVICE_DIR = join(import.meta.dir, "..", "..", "fixtures", "example-service");

/** Output of a local install or build, never part of the source a build is made from. */
const SKIPPED_DIRS = ["node_modules", ".bunseal"];

export async function readFixtureFiles(root: string = EXAMPLE_SERVICE_DIR): Promise<FileTree> {
  const files: FileTree = {};
  const paths: string[] = [];
  for await (const path of new Bun.Glob("**/*").scan({ cwd: root, dot: true, onlyFiles: true })) {
    const first = path.split(/[\\/]/)[0]!;
    if (!SKIPPED_DIRS.includes(first)) paths.push(path);
  }
  // Sorted so files are written in the same order every run.
  for (const path of paths.sort()) files[path] = await Bun.file(join(root, path)).bytes();
  return files;
}

export async function exampleServiceRepo(): Promise<GitRepo> {
  const repo = await gitRepo(await readFixtureFiles(), { message: "example-service" });
  try {
    // --frozen-lockfile: the committed bun.lock is an input bunseal hashes; an install
    // that rewrote it would make the test build something other than what was committed.
    const proc = Bun.spawn([process.execPath, "install", "--frozen-lockfile", "--no-progress"], {
      cwd: repo.path,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    if (exitCode !== 0) throw new Error(`bun install --frozen-lockfile in ${relative(process.cwd(), repo.path)} exited ${exitCode}:\n${stdout}${stderr}`);
    return repo;
  } catch (error) {
    await repo.cleanup();
    throw error;
  }
}
