/**
 * The one way bunseal runs git. A repository's `.git/config`, the user's
 * `~/.gitconfig` and the system's are all writable by something the build
 * does not control (an install script, a hostile `HOME`), and several of their
 * settings make git run a program (`core.fsmonitor`, hooks, `core.sshCommand`,
 * `core.gitProxy`, credential helpers, a pager) or change what it answers
 * (replace refs, grafts, an untracked cache). Every git process bunseal starts
 * gets no global or system configuration, an empty HOME of its own, and the
 * command-line settings below, which outrank any file's.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BunsealError } from "../errors.ts";
import { gitEnv, type Env } from "../sandbox/child-env.ts";
import { exec, tail, type ExecResult } from "../util/exec.ts";

/**
 * Command-line settings outrank every configuration file, `include.path` ones
 * too; each line names what it takes away.
 */
const HARDENING: readonly string[] = [
  // a program run on every status / ls-files, as a child of bunseal
  "core.fsmonitor=",
  // hooks (post-checkout in rebuild's clone, reference-transaction on any ref update)
  "core.hooksPath=/dev/null",
  // an index extension that lets git skip folders it did not look into
  "core.untrackedCache=false",
  // programs git would start to reach a remote or ask for a password
  "core.sshCommand=ssh",
  "core.gitProxy=",
  "core.askPass=",
  "credential.helper=",
  "protocol.ext.allow=never",
  // housekeeping that runs in the background after a command
  "gc.auto=0",
  "maintenance.auto=false",
  "submodule.recurse=false",
  // root reading a repository another user owns (a CI checkout, a container's bind mount):
  // what safe.directory guards against is configuration running programs, which the lines above disarm.
  // Honoured on the command line since git 2.39 (protected configuration).
  "safe.directory=*",
  "core.quotePath=false",
  "advice.graftFileDeprecated=false",
];

export const GIT_CONFIG_ARGS: readonly string[] = HARDENING.flatMap((setting) => ["-c", setting]);

/**
 * A fresh empty folder for one git process to call home (no one's
 * ~/.gitconfig, git/ignore or git/attributes), removed when it is done.
 */
export function makeGitHome(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), "bunseal-git-home-"));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** git's whole environment (src/sandbox/child-env.ts), plus a temporary index bunseal made when one is given. */
export function hardenedGitEnv(host: Env, home: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ...gitEnv(host, home), ...extra };
}

/** The argv of a hardened git command (for the few callers that stream, e.g. `cat-file --batch`). */
export function gitArgv(args: readonly string[]): string[] {
  return ["git", ...GIT_CONFIG_ARGS, ...args];
}

export interface RunGitOptions {
  /** extra variables (only GIT_INDEX_FILE is used: a temporary index bunseal made from a commit) */
  env?: Record<string, string>;
  host?: Env;
  timeoutMs?: number;
}

/** Runs git; the caller decides what a non-zero exit means. */
export async function runGit(cwd: string, args: readonly string[], options: RunGitOptions = {}): Promise<ExecResult> {
  const home = makeGitHome();
  try {
    return await exec(gitArgv(args), { cwd, env: hardenedGitEnv(options.host ?? process.env, home.path, options.env), failCode: "GIT_FAILED", timeoutMs: options.timeoutMs });
  } finally {
    home.remove();
  }
}

/** Runs git and returns its stdout; a non-zero exit is GIT_FAILED with git's last lines. */
export async function gitOutput(cwd: string, args: readonly string[], options: RunGitOptions = {}): Promise<string> {
  const result = await runGit(cwd, args, options);
  if (result.exitCode !== 0) throw new BunsealError("GIT_FAILED", `git ${args.join(" ")} failed in ${cwd} (exit ${result.exitCode}):\n${tail(result.stderr)}`);
  return result.stdout;
}
