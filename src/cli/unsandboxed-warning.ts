/**
 * `--no-sandbox` (build, rebuild, check) is said on stderr whatever else is
 * silenced: under --json the JSON is the answer and the stage lines are quiet,
 * but a build that ran beside the machine's secrets must not pass unsaid.
 */
import { UNSANDBOXED_WARNING } from "../sandbox/unavailable.ts";
import { writeErr } from "./streams.ts";

/**
 * `pipelineLogs`: the command's builds log their boundary's warning themselves
 * when not under --json (build, rebuild); check's builds log nothing.
 */
export function warnUnsandboxed(flags: { sandbox?: boolean; json?: boolean }, pipelineLogs: boolean): void {
  if (flags.sandbox !== false) return;
  if (pipelineLogs && flags.json !== true) return;
  writeErr(`warning: ${UNSANDBOXED_WARNING}\n`);
}
