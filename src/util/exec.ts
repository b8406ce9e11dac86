/**
 * Runs a child process and collects its output. The one place bunseal spawns
 * tools (git, bun), so failures read alike: which command, its exit status and
 * the last lines it printed.
 */
import { BunsealError, type ErrorCode } from "../errors.ts";
import { toolEnv } from "../sandbox/child-env.ts";

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
  /** hard limit in ms; the tool is killed then and TIMED_OUT raised (default DEFAULT_TOOL_TIMEOUT_MS) */
  timeoutMs?: number;
}

/** No tool bunseal runs (git, bun install, a probe) may hold a release job for longer than this unless told. */
export const DEFAULT_TOOL_TIMEOUT_MS = 15 * 60_000;

export async function exec(cmd: readonly string[], options: ExecOptions): Promise<ExecResult> {
  let proc;
  try {
    proc = Bun.spawn([...cmd], {
      cwd: options.cwd,
      // never the whole of bunseal's environment: a child gets what src/sandbox/child-env.ts lets through
      env: options.env ?? toolEnv(process.env),
      stdin: options.stdin === undefined ? "ignore" : new TextEncoder().encode(options.stdin),
      stdout: "pipe",
      stderr: "pipe",
    });
  } catch (cause) {
    throw new BunsealError(options.failCode ?? "IO_FAILED", `could not start ${cmd[0]}: ${(cause as Error).message}`, { cause });
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill("SIGKILL");
  }, timeoutMs);
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]).finally(() => clearTimeout(timer));
  if (timedOut) {
    throw new BunsealError("TIMED_OUT", `${cmd.slice(0, 3).join(" ")} ran longer than ${Math.round(timeoutMs / 1000)} s and was stopped; expected it to finish in time (raise --timeout if it really takes that long)`, { field: "--timeout", expected: `at most ${timeoutMs} ms` });
  }
  return { exitCode, stdout, stderr };
}

/** The last few lines of a tool's error output, for a message. */
export function tail(text: string, lines = 8): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}
