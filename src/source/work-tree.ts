/**
 * Whether the work tree is the commit, decided by content. git's own answer
 * (`git status`) comes from the index, and the index is a file any install
 * script can write: `--assume-unchanged` and `--skip-worktree` flags hide a
 * changed file, a staged blob or a forged stat entry makes a changed file look
 * clean. Here every file of the commit's tree is read from the disk and hashed
 * as a git blob (mode included: the executable bit, symbolic links), and every
 * file git would not ignore but the commit lacks is a change. No stat cache:
 * mtimes and sizes can be forged as easily as the index.
 */
import { lstatSync, readFileSync, readlinkSync } from "node:fs";
import { lstat, readdir, rm, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BunsealError } from "../errors.ts";
import { sha256Hex } from "../util/digest.ts";
import type { Env } from "../sandbox/child-env.ts";
import { gitOutput, runGit } from "./git-runner.ts";
import { ObjectReader, objectFormatOf, objectId, parseCommit, parseTree, type CommitInfo, type ObjectFormat } from "./objects.ts";

export interface TreeFile {
  /** relative to the repository root, POSIX separators */
  path: string;
  mode: string;
  id: string;
}

/** How many files are read and hashed before the event loop gets a turn (the worker's messages, the read trace). */
const BATCH = 64;

/** A commit's tree and time, from its own checked bytes. */
export async function readCommit(repoRoot: string, commit: string): Promise<CommitInfo> {
  const reader = new ObjectReader(repoRoot, objectFormatOf(commit));
  try {
    return parseCommit(await reader.readOne(commit, "commit"));
  } finally {
    reader.close();
  }
}

/** Every file (and submodule) in a commit's tree, from objects whose ids bunseal checked itself. */
export async function readCommitTree(repoRoot: string, commit: string): Promise<{ info: CommitInfo; files: TreeFile[] }> {
  const format = objectFormatOf(commit);
  const reader = new ObjectReader(repoRoot, format);
  try {
    const info = parseCommit(await reader.readOne(commit, "commit"));
    const files: TreeFile[] = [];
    let level: { prefix: string; id: string }[] = [{ prefix: "", id: info.tree }];
    // a level of the tree at a time, so a deep repository costs as many round trips as it is deep
    while (level.length > 0) {
      const objects = await reader.read(level.map((t) => t.id));
      const next: typeof level = [];
      objects.forEach((object, i) => {
        if (object.type !== "tree") throw new BunsealError("SOURCE_CORRUPT", `git object ${object.id}: expected a tree, got a ${object.type}`, { expected: "a tree", found: object.type });
        for (const entry of parseTree(object.data, format)) {
          const path = level[i]!.prefix + entry.name;
          if (entry.mode === "40000") next.push({ prefix: `${path}/`, id: entry.id });
          else files.push({ path, mode: entry.mode, id: entry.id });
        }
      });
      level = next;
    }
    return { info, files };
  } finally {
    reader.close();
  }
}

/**
 * Whether what is on the disk at `file.path` is the blob and mode the tree
 * records. Synchronous: a promise per file cost more than the read itself
 * (10,000 small files: 382 → 242 ms, `bench/work-tree.ts`); the caller yields between batches.
 */
function diskMatches(root: string, file: TreeFile, format: ObjectFormat, digests?: ContentDigests): boolean {
  const full = join(root, file.path);
  const stat = lstatSync(full, { throwIfNoEntry: false });
  if (!stat) return false;
  if (file.mode === "120000") {
    if (!stat.isSymbolicLink()) return false;
    return objectId(format, "blob", readlinkSync(full, { encoding: "buffer" })) === file.id;
  }
  if (!stat.isFile()) return false;
  // git records only the owner's executable bit
  const executable = (stat.mode & 0o100) !== 0;
  if (executable !== (file.mode === "100755")) return false;
  let data: Uint8Array;
  try {
    data = readFileSync(full);
  } catch {
    return false;
  }
  if (objectId(format, "blob", data) !== file.id) return false;
  // the build's inputs are mostly these files: their sha256 is taken from this one read
  digests?.set(file.path, { sha256: sha256Hex(data), size: data.byteLength });
  return true;
}

/** The sha256 and size of files whose content was shown to be the commit's, by path relative to the repository root. */
export type ContentDigests = Map<string, { sha256: string; size: number }>;

export interface CompareOptions {
  /** paths relative to the repository root whose contents do not count (bunseal's own output folders) */
  ignore?: readonly string[];
  /** filled with the sha256 of every regular file that matched the commit, read once for both */
  digests?: ContentDigests;
}

/**
 * The paths (relative to `repoRoot`, sorted) where the work tree differs from
 * `commit`: changed, missing, of another kind or mode, or untracked and not
 * ignored. Submodules are compared the same way against the commit their
 * entry names.
 */
export async function changedPaths(repoRoot: string, commit: string, options: CompareOptions = {}): Promise<string[]> {
  const ignore = options.ignore ?? [];
  const skipped = (path: string) => ignore.some((dir) => path === dir || path.startsWith(`${dir}/`));
  const format = objectFormatOf(commit);
  // git walks the folders in its own process while this one hashes
  const [{ files }, present] = await Promise.all([readCommitTree(repoRoot, commit), notIgnoredFiles(repoRoot)]);
  const changed = new Set<string>();
  const tracked = files.filter((file) => !skipped(file.path));
  const blobs = tracked.filter((file) => file.mode !== "160000");
  const submodules = tracked.filter((file) => file.mode === "160000");
  for (let i = 0; i < blobs.length; i += BATCH) {
    const batch = blobs.slice(i, i + BATCH);
    for (const file of batch) if (!diskMatches(repoRoot, file, format, options.digests)) changed.add(file.path);
    // the rest of the process (the worker's messages, the read trace) is served between batches
    await new Promise((resolve) => setImmediate(resolve));
  }
  for (const inner of await Promise.all(submodules.map((submodule) => submoduleChanges(repoRoot, submodule)))) {
    for (const path of inner) changed.add(path);
  }
  // what is on the disk, not ignored, and not in the commit; a checked-out submodule is listed as "path/"
  const inCommit = new Set(files.map((file) => (file.mode === "160000" ? `${file.path}/` : file.path)));
  for (const path of present) if (!inCommit.has(path) && !skipped(path.replace(/\/$/, ""))) changed.add(path);
  return [...changed].sort();
}

/**
 * A submodule that was never checked out (an empty folder) is as the commit
 * says, as for git; one that is checked out must be at the recorded commit,
 * with its own files unchanged.
 */
async function submoduleChanges(repoRoot: string, submodule: TreeFile): Promise<string[]> {
  const dir = join(repoRoot, submodule.path);
  const stat = await lstat(dir).catch(() => undefined);
  if (!stat) return [submodule.path];
  if (!stat.isDirectory()) return [submodule.path];
  if ((await readdir(dir)).length === 0) return [];
  const top = await runGit(dir, ["rev-parse", "--show-toplevel", "HEAD"]);
  const [toplevel, head] = top.stdout.trim().split("\n");
  if (top.exitCode !== 0 || toplevel !== dir) return [submodule.path];
  if (head !== submodule.id) return [submodule.path];
  const inner = await changedPaths(dir, submodule.id);
  return inner.map((path) => `${submodule.path}/${path}`);
}

/**
 * Every file on the disk that git's ignore rules do not exclude, tracked or
 * not, listed against an empty index: the repository's own index (whose
 * staged entries would pass for committed, and whose untracked cache git
 * would trust) is never read.
 */
async function notIgnoredFiles(repoRoot: string): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), "bunseal-index-"));
  try {
    const out = await gitOutput(repoRoot, ["ls-files", "-z", "--others", "--exclude-standard"], { env: { GIT_INDEX_FILE: join(dir, "none") } });
    return out.split("\0").filter((entry) => entry !== "");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The ignored entries, folders collapsed, as git lists them against an index
 * made from `commit` itself (never the repository's index, where a file added
 * with `git add -f` would no longer count as ignored): what the sandbox hides.
 */
export async function ignoredFiles(repoRoot: string, commit: string | undefined, host?: Env): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), "bunseal-index-"));
  const index = { GIT_INDEX_FILE: join(dir, "index") };
  try {
    if (commit !== undefined) await gitOutput(repoRoot, ["read-tree", commit], { env: index, host });
    const out = await gitOutput(repoRoot, ["ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory"], { env: index, host });
    return out.split("\0").filter((entry) => entry !== "");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The ignored entries of the work tree against HEAD's tree (what the sandbox
 * hides); in a repository with no commit yet (check's copy of a project),
 * against nothing.
 */
export async function ignoredAtHead(repoRoot: string, host?: Env, headCommit?: string): Promise<string[]> {
  // HEAD's commit, when the caller has read it already, saves a git start
  if (headCommit !== undefined) return ignoredFiles(repoRoot, headCommit, host);
  const head = await runGit(repoRoot, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], { host });
  return ignoredFiles(repoRoot, head.exitCode === 0 ? head.stdout.trim() : undefined, host);
}
