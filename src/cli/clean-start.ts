/**
 * bunseal must run with `--no-env-file --config=/dev/null` (see bin/bunseal).
 * When it was started without them, it runs itself again with them, giving
 * the child the environment this process was started with (read from
 * /proc/self/environ, which Bun's .env loading does not touch), and answers
 * with the child's exit status. A preload that already ran in this process
 * cannot be undone by starting again: `foreignModules` finds it, and bunseal
 * refuses (UNSAFE_START) before it reads any key.
 */
const FLAGS = ["--no-env-file", "--config=/dev/null"];

/**
 * Modules this process loaded that are not bunseal's own: what a bunfig.toml
 * preload (the working directory's, when started as `bun bin/bunseal`),
 * `--preload`, or BUN_OPTIONS ran before bin/bunseal's first line, with the
 * key's path in argv and the host's environment. Measured from what Bun loaded,
 * not from reading config files, so every way a preload gets in is seen alike.
 * Only bin/bunseal's own imports (src/cli) are loaded by then. Started with
 * exactly the shebang's flags, Bun ran nothing first (no bunfig is read, and
 * BUN_OPTIONS and --preload show in execArgv), and the installed command skips
 * the look: asking for require.cache costs ≈1 ms, a thirtieth of a start.
 */
export function foreignModules(binDir: string): string[] {
  const argv = process.execArgv;
  if (argv.length === FLAGS.length && FLAGS.every((flag, i) => argv[i] === flag)) return [];
  const root = binDir.slice(0, binDir.lastIndexOf("/"));
  // dist/: the package's bundle, whose one file is all bunseal loads
  const ours = [`${root}/bin/`, `${root}/src/`, `${root}/dist/`];
  return Object.keys(require.cache).filter((path) => !ours.some((dir) => path.startsWith(dir)));
}

/** The refusal for a process in which project code already ran (an error path: nothing here is on the fast path). */
export async function unsafeStart(foreign: readonly string[]): Promise<Error> {
  const { BunsealError } = await import("../errors.ts");
  return new BunsealError(
    "UNSAFE_START",
    `Bun ran ${foreign.join(", ")} in bunseal's process before bunseal started (a bunfig.toml preload, --preload or BUN_OPTIONS), where it sees the key's path and the host's environment; expected a start that runs no project code first: \`bunx bunseal\`, the \`bunseal\` executable itself (its shebang passes --config=/dev/null), or node_modules/.bin/bunseal — not \`bun bin/bunseal\` in a project folder`,
    { expected: "bunx bunseal, the bunseal executable, or node_modules/.bin/bunseal", found: foreign.join(", ") },
  );
}

export async function cleanStart(script: string, args: readonly string[]): Promise<number | undefined> {
  if (FLAGS.every((flag) => process.execArgv.includes(flag))) return undefined;
  const proc = Bun.spawn([process.execPath, ...FLAGS, script, ...args], { env: await startingEnv(), stdio: ["inherit", "inherit", "inherit"] });
  // an interrupt or a stop meant for bunseal reaches the bunseal that does the work
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => proc.kill(signal));
  return proc.exited;
}

async function startingEnv(): Promise<Record<string, string>> {
  // node:fs only here: a process started the right way (the installed command) never loads it for this
  const { readFileSync } = await import("node:fs");
  let raw: string;
  try {
    raw = readFileSync("/proc/self/environ", "latin1");
  } catch {
    // no /proc (not Linux): nothing better than what we have
    return { ...process.env } as Record<string, string>;
  }
  const env: Record<string, string> = {};
  for (const entry of raw.split("\0")) {
    const eq = entry.indexOf("=");
    if (eq > 0) env[entry.slice(0, eq)] = Buffer.from(entry.slice(eq + 1), "latin1").toString("utf8");
  }
  return env;
}
