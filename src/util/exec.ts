/**
 * Runs a child process and collects its output. The one place bunseal spawns
 * tools (git, bun), so failures read alike: which command, its exit status and
 * the last lines it printed.
 */
import { BunsealError, type ErrorCode } from "../errors.ts";

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  cwd: string;
  env?: Record<string, string>;
  stdin?: string;
  /** the error code to raise when the tool cannot be started at all */
  failCode?: ErrorCode;
}

export async function exec(cmd: readonly string[], options: ExecOptions): Promise<ExecResult> {
  let proc;
  try {
    proc = Bun.spawn([...cmd], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdin: options.stdin === undefined ? "ignore" : new TextEncoder().encode(options.stdin),
      stdout: "pipe",
      stderr: "pipe",
    });
  } catch (cause) {
    throw new BunsealError(options.failCode ?? "IO_FAILED", `could not start ${cmd[0]}: ${(cause as Error).message}`, { cause });
  }
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { exitCode, stdout, stderr };
}

/** The last few lines of a tool's error output, for a message. */
export function tail(text: string, lines = 8): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}
