/**
 * The one rule for what a path inside a bunseal archive may look like, shared
 * by the writer (our own build output) and the reader (archives someone else
 * made), so the two can never disagree about what is safe.
 */

export const MAX_PATH_BYTES = 4096;
export const MAX_PATH_DEPTH = 128;
const encoder = new TextEncoder();

/** Why `path` is not a canonical relative POSIX path, or undefined when it is. */
export function pathProblem(path: string): string | undefined {
  if (path === "") return "an empty path";
  // A NUL ends the name for C tools but not for us: two readers would see two names.
  if (path.includes("\0")) return "a path with a NUL character";
  // A backslash is a separator on Windows, so `..\x` climbs out when extracted there.
  if (path.includes("\\")) return "a path with a backslash";
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path)) return "an absolute path";
  // Linux's PATH_MAX, and a depth no bundle needs: together they bound the work
  // PathTree does per entry, so a hostile archive cannot make each entry cost seconds.
  if (encoder.encode(path).length > MAX_PATH_BYTES) return `a path longer than ${MAX_PATH_BYTES} bytes`;
  const segments = path.split("/");
  if (segments.length > MAX_PATH_DEPTH) return `a path more than ${MAX_PATH_DEPTH} levels deep`;
  if (segments.includes("..")) return "a path that climbs out with '..'";
  // `a//b`, `a/./b` and `a/` name the same file as `a/b` on disk but hash differently,
  // which would let one file appear twice under two spellings.
  if (segments.some((s) => s === "" || s === ".")) return "a path with an empty or '.' segment";
  return undefined;
}

/** A path quoted for a message, shortened in the middle when an archive makes it huge. */
export function showPath(path: string): string {
  const quoted = JSON.stringify(path);
  return quoted.length <= 200 ? quoted : `${quoted.slice(0, 120)}...${quoted.slice(-60)}`;
}

/**
 * Byte-wise order of the UTF-8 encodings, not JavaScript's UTF-16 code-unit
 * order (which differs above U+FFFF) and not the locale's: it is the order Go,
 * Rust and `LC_ALL=C sort` give, so another implementation can reproduce it.
 */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(encoder.encode(a), encoder.encode(b));
}

/**
 * The paths of one archive so far. A path named twice, or a file that is also
 * used as a directory (`a` and `a/b`), cannot both exist once extracted: which
 * one survives depends on the extractor, so what was hashed is not what lands.
 */
export class PathTree {
  private readonly files = new Set<string>();
  private readonly dirs = new Set<string>();
  private readonly parents = new Set<string>();

  /** Adds `path`; why it conflicts with the paths before it, or undefined when it does not. */
  add(path: string, kind: "file" | "directory"): string | undefined {
    if (this.files.has(path) || this.dirs.has(path)) return "a duplicate entry";
    if (kind === "file" && this.parents.has(path)) return "a file at a path other entries use as a directory";
    const segments = path.split("/");
    for (let i = 1; i < segments.length; i++) {
      const parent = segments.slice(0, i).join("/");
      if (this.files.has(parent)) return `a path inside the file ${showPath(parent)}`;
      this.parents.add(parent);
    }
    (kind === "file" ? this.files : this.dirs).add(path);
    return undefined;
  }
}
