/**
 * Runs the real bunseal CLI in a child process, the way a user or CI would,
 * so exit codes and stdout/stderr separation are tested, not just the library.
 */
import { realpathSync } from "node:fs";
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

/**
 * How the CLI is started: the executable itself, through its shebang, as an
 * installed `bunseal` is (that is where `--no-env-file --config=/dev/null`
 * come from), when `bun` on PATH is the Bun running the tests; otherwise the
 * same flags given to this Bun, so the CLI still runs under the tests' Bun.
 */
function launcher(): string[] {
  const onPath = Bun.which("bun");
  if (onPath && realpathSync(onPath) === realpathSync(process.execPath)) return [BIN];
  return [process.execPath, "--no-env-file", "--config=/dev/null", BIN];
}
/** The command line that starts the CLI with `args`, for tests that spawn it themselves. */
export const cliCommand = (args: readonly string[]): string[] => [...LAUNCH, ...args];
const LAUNCH = launcher();

export async function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return runCommand([...LAUNCH, ...args], { cwd: options.cwd ?? REPO_ROOT, env: options.env, label: `bunseal ${args.join(" ")}` });
}

/**
 * Runs any command line that ends in bunseal (the CLI behind `unshare`, a
 * wrapper of a simulated machine) and collects it as runCli does.
 */
export async function runCommand(command: readonly string[], options: CliOptions & { label?: string } = {}): Promise<CliResult> {
  const proc = Bun.spawn([...command], {
    cwd: options.cwd ?? REPO_ROOT,
    // NO_COLOR so assertions on messages do not have to strip escape codes.
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  const label = options.label ?? command.join(" ");
  return {
    exitCode,
    stdout,
    stderr,
    json<T>(): T {
      try {
        return JSON.parse(stdout) as T;
      } catch (cause) {
        throw new Error(`${label}: expected JSON on stdout (exit ${exitCode})\n--- stdout\n${stdout}\n--- stderr\n${stderr}`, { cause });
      }
    },
  };
}
