/**
 * Runs the real bunseal CLI in a child process, the way a user or CI would,
 * so exit codes and stdout/stderr separation are tested, not just the library.
 */
import { join } from "node:path";

export const REPO_ROOT = join(import.meta.dir, "..", "..");
export const BIN = join(REPO_ROOT, "bin", "bunseal");

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for `--json`); throws showing both streams when it is not JSON */
  json<T = any>(): T;
}

export interface CliOptions {
  cwd?: string;
  /** added to (and overriding) the inherited environment */
  env?: Record<string, string>;
}

export async function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  // process.execPath, not "bun" from PATH: the CLI must run under the same Bun as the tests.
  const proc = Bun.spawn([process.execPath, BIN, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    // NO_COLOR so assertions on messages do not have to strip escape codes.
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return {
    exitCode,
    stdout,
    stderr,
    json<T>(): T {
      try {
        return JSON.parse(stdout) as T;
      } catch (cause) {
        throw new Error(`bunseal ${args.join(" ")}: expected JSON on stdout (exit ${exitCode})\n--- stdout\n${stdout}\n--- stderr\n${stderr}`, { cause });
      }
    },
  };
}
