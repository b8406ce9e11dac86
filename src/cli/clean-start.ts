/**
 * bunseal must run with `--no-env-file --config=/dev/null` (see bin/bunseal).
 * When it was started without them, it runs itself again with them, giving
 * the child the environment this process was started with (read from
 * /proc/self/environ, which Bun's .env loading does not touch), and answers
 * with the child's exit status. Not a defence against a preload that already
 * ran in this process: only the installed `bunseal` command (its shebang) is.
 */
const FLAGS = ["--no-env-file", "--config=/dev/null"];

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
