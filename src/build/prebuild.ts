/**
 * The config's `prebuild` commands (code generation), run by the worker inside
 * the sandbox before the bundle: the same boundary, clock, budget and process
 * tree as the bundle, since they are the project's code as much as its macros
 * are. Each is `/bin/sh -c <command>` in the project folder with the build's
 * environment; the first that fails ends the run.
 */
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PrebuildFailure } from "./worker-protocol.ts";

/** How much of a failed command's output goes into the error: the end, where the reason usually is. */
const TAIL_LINES = 20;
const TAIL_CHARS = 4000;

/**
 * The build's environment for a command, with `bun` (and `bunx`) first on
 * PATH as the Bun that runs the worker: the plan's fixed PATH reaches only the
 * system's Bun, if any, and a project pinned to another Bun, or rebuilt with
 * the recorded one, must generate with that one. The links live in a folder
 * of the worker's /tmp (the sandbox's own, a tmpfs), gone with it.
 */
export function prebuildEnv(env: Readonly<Record<string, string>>, binDir: string): Record<string, string> {
  return { ...env, PATH: env.PATH ? `${binDir}:${env.PATH}` : binDir };
}

/** Runs each command in order; the first that does not exit 0 is returned, and nothing after it runs. */
export async function runPrebuild(commands: readonly string[], cwd: string, env: Readonly<Record<string, string>>, bunPath: string = process.execPath): Promise<PrebuildFailure | undefined> {
  if (commands.length === 0) return undefined;
  const binDir = mkdtempSync(join(tmpdir(), "bunseal-prebuild-"));
  try {
    symlinkSync(bunPath, join(binDir, "bun"));
    symlinkSync(bunPath, join(binDir, "bunx"));
    const childEnv = prebuildEnv(env, binDir);
    for (const [index, command] of commands.entries()) {
      const proc = Bun.spawn(["/bin/sh", "-c", command], { cwd, env: childEnv, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
      const [stdout, stderr, status] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      if (status === 0 && proc.signalCode === null) continue;
      return { index, command, status: proc.signalCode === null ? status : null, ...(proc.signalCode !== null ? { signal: String(proc.signalCode) } : {}), output: tail(`${stdout}${stdout && !stdout.endsWith("\n") ? "\n" : ""}${stderr}`) };
    }
    return undefined;
  } finally {
    rmSync(binDir, { recursive: true, force: true });
  }
}

export function tail(text: string): string {
  const lines = text.trimEnd().split("\n").slice(-TAIL_LINES).join("\n");
  return lines.length > TAIL_CHARS ? `…${lines.slice(-TAIL_CHARS)}` : lines;
}

/** The message of PREBUILD_FAILED: the command, how it ended, and its output's end. */
export function prebuildFailureMessage(failure: PrebuildFailure): string {
  const how = failure.status === null ? `was killed by ${failure.signal ?? "a signal"}` : `exited with status ${failure.status}`;
  const output = failure.output === "" ? "(it printed nothing)" : failure.output.split("\n").map((line) => `    ${line}`).join("\n");
  return `prebuild[${failure.index}] \`${failure.command}\` ${how}; expected status 0 before the bundle is built. Its output (the end):\n${output}`;
}
