/**
 * A PostgreSQL database for one test. Uses $BUNSEAL_TEST_POSTGRES_URL when it
 * is set (CI starts a cluster and exports it); otherwise starts a throwaway
 * cluster from Debian's server binaries, once per test process, on 127.0.0.1
 * and a free port, and stops it when the process exits. Every call returns a
 * URL to a new database of its own, so suites and tests never see each
 * other's rows.
 */
import { SQL } from "bun";
import { spawnSync } from "node:child_process";
import { chownSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const HELP =
  "PostgreSQL is required for the store tests: set BUNSEAL_TEST_POSTGRES_URL to a server where the user may CREATE DATABASE, " +
  "or install Debian's server binaries (`apt-get install postgresql`) so the tests can start a throwaway cluster";

let server: Promise<string> | undefined;
const created: string[] = [];

/** A URL to a new, empty database. */
export async function postgresUrl(): Promise<string> {
  server ??= startServer();
  const base = await server;
  const name = `bunseal_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const admin = new SQL(base, { max: 1 });
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await admin.close();
  }
  created.push(name);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.href;
}

/** Drops the databases this process made, for a server that outlives it (a throwaway cluster goes anyway). */
export async function dropPostgresDatabases(): Promise<void> {
  if (!server || created.length === 0) return;
  const admin = new SQL(await server, { max: 1 });
  try {
    // FORCE: a child process killed by a test may not have closed its connection yet.
    for (const name of created.splice(0)) await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.close();
  }
}

async function startServer(): Promise<string> {
  const given = process.env.BUNSEAL_TEST_POSTGRES_URL;
  if (given) return given;
  const initdb = findInitdb();
  if (!initdb) throw new Error(`${HELP}; found neither`);
  const bin = join(initdb, "..");
  const dir = mkdtempSync(join(tmpdir(), "bunseal-pg-"));
  // initdb refuses to run as root, so the cluster belongs to the postgres user.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const user = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
    const group = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
    if (user.status !== 0) throw new Error(`${HELP}; running as root and there is no postgres user to own the cluster`);
    chownSync(dir, Number(user.stdout.trim()), Number(group.stdout.trim()));
  }
  const run = (cmd: string, args: string[]) => {
    const full = asRoot ? ["runuser", "-u", "postgres", "--", join(bin, cmd), ...args] : [join(bin, cmd), ...args];
    const result = spawnSync(full[0]!, full.slice(1), { encoding: "utf8", cwd: dir });
    if (result.status !== 0) throw new Error(`${full.join(" ")} exited ${result.status}:\n${result.stdout}${result.stderr}${logTail(dir)}`);
  };
  const data = join(dir, "data");
  stopWhenGone(process.pid, asRoot ? ["runuser", "-u", "postgres", "--", join(bin, "pg_ctl")] : [join(bin, "pg_ctl")], data, dir);
  // --no-sync and trust: a throwaway cluster on 127.0.0.1 that lives as long as this process.
  run("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
  const port = await freePort();
  // The socket goes to our folder: /var/run/postgresql may be missing or not ours.
  run("pg_ctl", ["-D", data, "-l", join(dir, "log"), "-w", "-o", `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir}`, "start"]);
  return `postgres://postgres@127.0.0.1:${port}/postgres`;
}

/**
 * Stops the cluster once this process is gone. `bun test` fires no `exit`
 * event, and a crashed or killed test run fires nothing at all, so a detached
 * watchdog polls for the process instead of a handler inside it.
 */
function stopWhenGone(pid: number, pgCtl: string[], data: string, dir: string): void {
  const script = 'pid=$1 data=$2 dir=$3; shift 3; while kill -0 "$pid" 2>/dev/null; do sleep 0.5; done; "$@" -D "$data" -m immediate -w stop; rm -rf "$dir"';
  Bun.spawn(["sh", "-c", script, "sh", String(pid), data, dir, ...pgCtl], { detached: true, stdio: ["ignore", "ignore", "ignore"] }).unref();
}

function findInitdb(): string | undefined {
  let versions: string[];
  try {
    versions = [...new Bun.Glob("*/bin/initdb").scanSync({ cwd: "/usr/lib/postgresql", onlyFiles: true })];
  } catch {
    return undefined; // no /usr/lib/postgresql at all
  }
  // The newest installed major version: "15/bin/initdb" sorts before "16/bin/initdb" numerically.
  versions.sort((a, b) => parseInt(b) - parseInt(a));
  return versions[0] === undefined ? undefined : join("/usr/lib/postgresql", versions[0]);
}

async function freePort(): Promise<number> {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

function logTail(dir: string): string {
  try {
    return `\n--- server log\n${readFileSync(join(dir, "log"), "utf8").split("\n").slice(-20).join("\n")}`;
  } catch {
    return "";
  }
}
