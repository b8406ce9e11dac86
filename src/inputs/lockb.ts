/**
 * Bun's binary lockfile, `bun.lockb`, read by Bun itself. Its layout is an
 * internal, versioned memory dump of Bun's lockfile structures with no
 * specification; a reader of our own would misread the next version silently.
 * Bun converts it to the text lockfile it documents (`bun install
 * --save-text-lockfile --frozen-lockfile --lockfile-only`), which bunseal
 * already reads strictly, so that is what is parsed. The digest recorded is
 * that of the bun.lockb bytes, the file the commit holds and a rebuild
 * installs from.
 *
 * The conversion runs in a temporary folder holding only the package.json
 * files and the exact bytes that were hashed, never in the user's tree (Bun
 * deletes bun.lockb when it writes bun.lock). Observed with Bun 1.4.5:
 * - it needs no network when package.json and bun.lockb agree;
 * - when they disagree it resolves the difference from the registry, then
 *   fails on --frozen-lockfile; the registry is pointed at a closed port so
 *   that this fails at once and nothing leaves the machine;
 * - a file that is not a lockfile prints "InvalidLockfile: failed to parse
 *   lockfile", ignores it, and fails on --frozen-lockfile.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { BunsealError } from "../errors.ts";
import { trustedPath } from "../sandbox/child-env.ts";
import { exec, tail } from "../util/exec.ts";
import { scratchDir } from "../util/scratch-dir.ts";

export const BINARY_LOCKFILE_NAME = "bun.lockb";

/** Nothing listens on the discard port of the loopback address: any registry request is refused at once. */
const CLOSED_REGISTRY = "http://127.0.0.1:9/";

export interface BinaryLockfileSource {
  /** the bun.lockb bytes, exactly as hashed */
  bytes: Uint8Array;
  /** the package.json files Bun needs beside it, by path relative to the lockfile's folder ("package.json" first) */
  manifests: ReadonlyMap<string, Uint8Array>;
  /** how the lockfile is named in messages */
  file: string;
  /** the Bun to convert with (default: the one running bunseal) */
  bunPath?: string;
}

/** bun.lockb as Bun's text lockfile (bun.lock's JSONC). */
export async function binaryLockfileToText(source: BinaryLockfileSource): Promise<string> {
  const dir = await mkdtemp(join(scratchDir(), "bunseal-lockb-"));
  try {
    const project = join(dir, "project");
    for (const [path, bytes] of source.manifests) {
      await mkdir(dirname(join(project, path)), { recursive: true });
      await writeFile(join(project, path), bytes);
    }
    await writeFile(join(project, BINARY_LOCKFILE_NAME), source.bytes);
    // HOME in the temporary folder: no user bunfig (~/.bunfig.toml) changes how the file is read,
    // and Bun's cache, should it make one, goes with the folder
    const env = { PATH: trustedPath(process.env), HOME: dir, LC_ALL: "C", LANG: "C", TZ: "UTC", BUN_CONFIG_REGISTRY: CLOSED_REGISTRY, BUN_INSTALL_CACHE_DIR: join(dir, "cache"), DO_NOT_TRACK: "1" };
    const args = [source.bunPath ?? process.execPath, "install", "--save-text-lockfile", "--frozen-lockfile", "--lockfile-only", "--ignore-scripts", "--no-progress", "--no-summary"];
    const result = await exec(args, { cwd: project, env, failCode: "BUN_FAILED", timeoutMs: 120_000 });
    const text = result.exitCode === 0 ? await Bun.file(join(project, "bun.lock")).text().catch(() => undefined) : undefined;
    if (text === undefined) {
      const output = tail(`${result.stderr}\n${result.stdout}`.trim(), 4);
      const why = /InvalidLockfile|failed to parse lockfile/i.test(output)
        ? "Bun cannot parse it (damaged, or written by another Bun version)"
        : /lockfile had changes|failed to resolve|ConnectionRefused/i.test(output)
          ? "it does not match package.json (a dependency was added, removed or changed since it was written)"
          : `Bun could not read it (exit ${result.exitCode})`;
      throw new BunsealError(
        "LOCKFILE_INVALID",
        `${source.file}: expected a binary lockfile Bun ${Bun.version} reads and that matches package.json, got one that ${why}; fix: run \`bun install --save-text-lockfile\` and commit bun.lock (or \`bun install\` to refresh bun.lockb):\n${output}`,
        { file: source.file, field: "(top level)", expected: "a bun.lockb matching package.json", found: why },
      );
    }
    return text;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
