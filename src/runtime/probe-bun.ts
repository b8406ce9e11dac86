/**
 * Asks a Bun binary which release it is. The one way bunseal learns what a
 * binary on disk is, whether the user named it, the cache held it or the
 * registry just served it.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BunsealError } from "../errors.ts";
import { exec, tail } from "../util/exec.ts";

export interface BunRuntime {
  path: string;
  version: string;
  /** the full commit hash, as `Bun.revision` gives it and attestations record it */
  revision: string;
}

/**
 * Asks a Bun binary its version and revision, failing with BUN_FAILED when it
 * does not run or answers in a shape no Bun does. `--revision` prints only a
 * short hash ("1.4.5+a7733435c"), so the full one, which attestations record,
 * is read with `-e`, and the two must agree.
 */
export async function probeBun(path: string): Promise<BunRuntime> {
  // An empty folder as cwd: `bun -e` reads ./bunfig.toml, and a preload there would run in our probe.
  const cwd = await mkdtemp(join(tmpdir(), "bunseal-probe-"));
  try {
    const ask = async (...args: string[]): Promise<string> => {
      let result;
      try {
        result = await exec([path, ...args], { cwd, failCode: "BUN_FAILED" });
      } catch (cause) {
        // exec's own message repeats the path; the reason is the system error under it.
        const reason = ((cause as Error).cause as Error | undefined)?.message ?? (cause as Error).message;
        throw failed(path, `it could not be started: ${reason}`, cause);
      }
      if (result.exitCode !== 0) throw failed(path, `\`bun ${args[0]}\` exited with status ${result.exitCode}: ${tail(result.stderr || result.stdout, 4)}`);
      return result.stdout.trim();
    };
    const [version, short, revision] = await Promise.all([ask("--version"), ask("--revision"), ask("-e", "process.stdout.write(Bun.revision)")]);
    const shortHash = short.startsWith(`${version}+`) ? short.slice(version.length + 1) : "";
    if (!/^\d+\.\d+\.\d+\S*$/.test(version)) throw failed(path, `expected \`bun --version\` to print a version, got ${JSON.stringify(version.slice(0, 80))}`);
    if (!/^[0-9a-f]{40}$/.test(revision) || !/^[0-9a-f]{7,40}$/.test(shortHash) || !revision.startsWith(shortHash)) {
      throw failed(path, `expected \`bun --revision\` (${JSON.stringify(short.slice(0, 80))}) and Bun.revision (${JSON.stringify(revision.slice(0, 80))}) to name one commit of Bun ${version}`);
    }
    return { path, version, revision };
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
}

function failed(path: string, why: string, cause?: unknown): BunsealError {
  return new BunsealError("BUN_FAILED", `could not run Bun at ${path}: ${why}`, { file: path, cause });
}
