/**
 * git's object database, read and checked by bunseal. `git cat-file --batch`
 * only fetches bytes; every object is hashed here and compared with the id it
 * was asked for, so a loose object rewritten in place (git itself does not
 * check on read), a replace ref or a graft cannot make an id stand for other
 * content. Commits and trees are parsed here too, never summarised by git.
 */
import { BunsealError } from "../errors.ts";
import { gitArgv, hardenedGitEnv, makeGitHome } from "./git-runner.ts";

export type ObjectFormat = "sha1" | "sha256";

export interface GitObject {
  id: string;
  type: string;
  data: Uint8Array;
}

export interface TreeEntry {
  /** git's octal mode: "40000" tree, "100644" file, "100755" executable, "120000" symbolic link, "160000" submodule */
  mode: string;
  name: string;
  id: string;
}

export interface CommitInfo {
  tree: string;
  /** committer time, unix seconds */
  committerTime: number;
}

export function objectFormatOf(id: string): ObjectFormat {
  if (/^[0-9a-f]{40}$/.test(id)) return "sha1";
  if (/^[0-9a-f]{64}$/.test(id)) return "sha256";
  throw new BunsealError("SOURCE_NOT_GIT", `expected a git object id (40 or 64 hex digits), got ${JSON.stringify(id)}`, { expected: "a git object id", found: id });
}

/** The id git gives `data` as an object of `type`: the hash of "<type> <size>\0<data>". */
export function objectId(format: ObjectFormat, type: string, data: Uint8Array): string {
  const hasher = new Bun.CryptoHasher(format);
  hasher.update(`${type} ${data.length}\0`);
  hasher.update(data);
  return hasher.digest("hex");
}

const NEWLINE = 10;

/** One `git cat-file --batch` for a repository; objects are asked for in batches and checked one by one. */
export class ObjectReader {
  private readonly proc;
  private readonly reader;
  private buffer = new Uint8Array(0);
  private start = 0;
  private readonly home = makeGitHome();

  constructor(
    private readonly repoRoot: string,
    readonly format: ObjectFormat,
  ) {
    this.proc = Bun.spawn(gitArgv(["cat-file", "--batch"]), { cwd: repoRoot, env: hardenedGitEnv(process.env, this.home.path), stdin: "pipe", stdout: "pipe", stderr: "ignore" });
    this.reader = this.proc.stdout.getReader();
  }

  async read(ids: readonly string[]): Promise<GitObject[]> {
    const writing = (async () => {
      // in slices, so that git's answers are read while the questions are still going out
      for (let i = 0; i < ids.length; i += 512) {
        this.proc.stdin.write(ids.slice(i, i + 512).join("\n") + "\n");
        await this.proc.stdin.flush();
      }
    })();
    const objects: GitObject[] = [];
    for (const id of ids) objects.push(await this.next(id));
    await writing;
    return objects;
  }

  async readOne(id: string, type: string): Promise<Uint8Array> {
    const [object] = await this.read([id]);
    if (object!.type !== type) throw this.invalid(id, `a ${type}`, `a ${object!.type}`);
    return object!.data;
  }

  close(): void {
    this.proc.stdin.end();
    this.proc.kill();
    this.home.remove();
  }

  private async next(id: string): Promise<GitObject> {
    const header = new TextDecoder().decode(await this.line());
    const [gotId, type, size] = header.split(" ");
    // a partial clone (--filter=tree:0) lacks trees until fetched; git is not let fetch them (GIT_NO_LAZY_FETCH)
    if (type === "missing") throw this.invalid(id, "the object in the repository", "none (a partial clone? fetch the commit's trees)");
    if (gotId !== id || size === undefined) throw this.invalid(id, "the object", header === "" ? "no answer" : header);
    const data = await this.bytes(Number.parseInt(size, 10));
    await this.bytes(1); // the newline after the content
    // the one check that makes the id mean something: git does not verify what it reads
    const actual = objectId(this.format, type!, data);
    if (actual !== id) throw this.invalid(id, `content whose ${this.format} is ${id}`, `content whose ${this.format} is ${actual} (the object was rewritten)`);
    return { id, type: type!, data };
  }

  private invalid(id: string, expected: string, found: string): BunsealError {
    return new BunsealError("SOURCE_CORRUPT", `git object ${id} in ${this.repoRoot}: expected ${expected}, got ${found}; the recorded commit must be exactly the objects its id names`, { file: this.repoRoot, expected, found });
  }

  private async fill(): Promise<boolean> {
    const { value, done } = await this.reader.read();
    if (done || !value) return false;
    const rest = this.buffer.subarray(this.start);
    const joined = new Uint8Array(rest.length + value.length);
    joined.set(rest);
    joined.set(value, rest.length);
    this.buffer = joined;
    this.start = 0;
    return true;
  }

  private async line(): Promise<Uint8Array> {
    for (;;) {
      const at = this.buffer.indexOf(NEWLINE, this.start);
      if (at >= 0) {
        const line = this.buffer.subarray(this.start, at);
        this.start = at + 1;
        return line;
      }
      if (!(await this.fill())) return new Uint8Array(0);
    }
  }

  private async bytes(n: number): Promise<Uint8Array> {
    while (this.buffer.length - this.start < n) {
      if (!(await this.fill())) throw new BunsealError("GIT_FAILED", `git cat-file in ${this.repoRoot} stopped before the end of an object`);
    }
    const out = this.buffer.slice(this.start, this.start + n);
    this.start += n;
    return out;
  }
}

/** A commit object's tree and committer time, parsed from its own bytes. */
export function parseCommit(data: Uint8Array): CommitInfo {
  const text = new TextDecoder().decode(data);
  const headerEnd = text.indexOf("\n\n");
  const lines = (headerEnd >= 0 ? text.slice(0, headerEnd) : text).split("\n");
  const tree = lines.find((line) => line.startsWith("tree "))?.slice(5) ?? "";
  const committer = lines.find((line) => line.startsWith("committer ")) ?? "";
  const time = /> (\d+) [+-]\d{4}$/.exec(committer)?.[1];
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(tree) || time === undefined) {
    throw new BunsealError("SOURCE_CORRUPT", `expected a commit with a tree and a committer line, got ${JSON.stringify(text.slice(0, 200))}`, { expected: "a git commit object" });
  }
  return { tree, committerTime: Number.parseInt(time, 10) };
}

/** A tree object's entries: "<mode> <name>\0<raw id>" repeated. */
export function parseTree(data: Uint8Array, format: ObjectFormat): TreeEntry[] {
  const idLength = format === "sha1" ? 20 : 32;
  const entries: TreeEntry[] = [];
  const decoder = new TextDecoder();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(32, at);
    const nul = data.indexOf(0, space + 1);
    if (space < 0 || nul < 0 || nul + 1 + idLength > data.length) throw new BunsealError("SOURCE_CORRUPT", `expected a git tree object, got one that ends in the middle of an entry`, { expected: "a git tree object" });
    const mode = decoder.decode(data.subarray(at, space));
    const name = decoder.decode(data.subarray(space + 1, nul));
    // a name git would never write is a crafted tree: it could point outside the work tree
    if (name === "" || name === "." || name === ".." || name.includes("/") || name.toLowerCase() === ".git") {
      throw new BunsealError("SOURCE_CORRUPT", `expected a tree entry name, got ${JSON.stringify(name)}`, { expected: "a tree entry name", found: name });
    }
    entries.push({ mode, name, id: Buffer.from(data.subarray(nul + 1, nul + 1 + idLength)).toString("hex") });
    at = nul + 1 + idLength;
  }
  return entries;
}
