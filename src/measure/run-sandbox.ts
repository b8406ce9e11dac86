/**
 * The artifact's sandbox: the build's own (src/sandbox/bwrap.ts: the same
 * namespaces, system folders, generated /etc, seccomp filter and uid switch),
 * with the unpacked artifact as its one folder of files, shown read-only, an
 * empty private /tmp, and a network namespace of its own that holds nothing
 * but loopback. Nothing of bunseal's is shown: not its code, not its HOME,
 * not the keys; the environment is made here from the run's `env`, the port
 * and fixed values, never passed through.
 *
 * The artifact's command waits behind a gate: the sandbox's first words on
 * stdout are GATE_LINE, then it reads a line on stdin before it execs the
 * command. bunseal opens the gate once the prober is in place, and the cold
 * start is timed from that moment: bwrap's set-up and the prober's own start
 * are bunseal's cost, not the artifact's. Nothing of the artifact runs before
 * the gate, so the line (and bwrap's `--info-fd` report before it) cannot be forged.
 */
import { realpathSync } from "node:fs";
import { dirname, isAbsolute, join, relative } from "node:path";
import type { z } from "../vendor/zod.js";
import type { RunSchema } from "../config/schema.ts";
import { BunsealError } from "../errors.ts";
import { sandboxArgv } from "../sandbox/bwrap.ts";

export type RunConfig = z.output<typeof RunSchema>;

/**
 * The port the artifact is given in `run.port`'s variable. Its network
 * namespace is its own and empty, so a fixed port is always free there; this
 * one is also what Bun.serve takes when it is given none.
 */
export const RUN_PORT = 3000;

/**
 * Where the artifact is shown inside, whatever folder holds it outside: its
 * scratch path is nothing it should see (nor depend on), and two artifacts
 * run side by side start from the same place.
 */
export const ARTIFACT_MOUNT = "/artifact";

/** The descriptor bwrap reports the sandbox's first process on (`--info-fd`). */
export const INFO_FD = 3;

export const GATE_LINE = "bunseal: the sandbox is ready; waiting for the start";

/** Prints the gate line, waits for one line on stdin, then runs the command with nothing on stdin. */
const GATE = `printf '%s\\n' '${GATE_LINE}'; read -r start || exit 125; exec "$@" </dev/null`;

/** The environment the artifact runs with: fixed values, then the run's own, then the port. */
export function runEnv(run: RunConfig, bunPath: string): Record<string, string> {
  const env: Record<string, string> = {
    // Bun's folder first: a service that starts `bun` finds the one it was measured with
    PATH: `${dirname(realpathSync(bunPath))}:/usr/bin:/bin`,
    HOME: "/nonexistent",
    TMPDIR: "/tmp",
    LANG: "C",
    LC_ALL: "C",
    TZ: "UTC",
    ...run.env,
  };
  if (run.port !== undefined) env[run.port] = String(RUN_PORT);
  return env;
}

/**
 * `run.command` made absolute inside the sandbox: `bun` is the Bun given for
 * the run; a relative program is a file of the artifact (a compiled
 * executable), and must stay in it.
 */
export function resolveCommand(dir: string, command: readonly string[], bunPath: string): string[] {
  const [program, ...args] = command as [string, ...string[]];
  if (program === "bun") return [realpathSync(bunPath), ...args];
  if (isAbsolute(program)) return [program, ...args];
  const inside = relative(dir, join(dir, program));
  if (inside === "" || inside.startsWith("..") || isAbsolute(inside)) {
    throw new BunsealError("CONFIG_INVALID", `bunseal.json: run.command[0] "${program}" lies outside the artifact; expected "bun", an absolute path, or a file of the artifact`, { file: "bunseal.json", field: "run.command.0", expected: "a program inside the artifact", found: program });
  }
  return [join(ARTIFACT_MOUNT, inside), ...args];
}

/** The whole argv: bwrap around the gate around the command. */
export function runArgv(bwrap: string, dir: string, command: readonly string[], bunPath: string): string[] {
  const sandbox = sandboxArgv(bwrap, { root: ARTIFACT_MOUNT, rootFrom: { path: dir, packages: [] }, cwd: ARTIFACT_MOUNT, hidden: [], reveal: [], writable: [], deny: [], bunPath, code: [], network: false, infoFd: INFO_FD });
  return [...sandbox, "/bin/sh", "-c", GATE, "sh", ...resolveCommand(dir, command, bunPath)];
}
