/**
 * The whole test suite, as CI and the README run it: `bun run test`.
 * Runs `bun test` with its usual output, reads the JUnit report it writes
 * alongside, and ends with the one line CI reads: `N passed, N failed`.
 *
 *   bun test/run.ts [BUN TEST ARGS...] [--also-as USER PATH...]
 *
 * `--also-as USER PATH...` (root only; .ci/run): after the first run, the
 * tests under PATH run again as USER, an unprivileged user with a HOME and
 * TMPDIR of their own. Root keeps powers a user has not, and a user lacks
 * ones root has, so a boundary must hold for both (issue #18). The last line
 * then counts both runs; either run failing fails the whole.
 */
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const root = join(import.meta.dir, "..");
const argv = process.argv.slice(2);
const split = argv.indexOf("--also-as");
const firstArgs = split === -1 ? argv : argv.slice(0, split);
const alsoAs = split === -1 ? undefined : { user: argv[split + 1], paths: argv.slice(split + 2) };

interface Totals {
  passed: number;
  failed: number;
  skipped: number;
}

/** One `bun test` run, its totals read from the JUnit report it writes into `dir`. */
async function runOnce(prefix: string[], args: string[], env: Record<string, string | undefined>, dir: string): Promise<Totals> {
  const report = join(dir, "junit.xml");
  const proc = Bun.spawn([...prefix, process.execPath, "test", "--reporter=junit", `--reporter-outfile=${report}`, ...args], { cwd: root, env, stdio: ["inherit", "inherit", "inherit"] });
  const exitCode = await proc.exited;
  const totals = { passed: 0, failed: 0, skipped: 0 };
  try {
    const xml = await Bun.file(report).text();
    // The root <testsuites> element carries the totals for the whole run.
    const head = /<testsuites\b[^>]*>/.exec(xml)?.[0] ?? "";
    const attr = (name: string) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(head)?.[1] ?? 0);
    totals.failed = attr("failures") + attr("errors");
    totals.skipped = attr("skipped");
    totals.passed = attr("tests") - totals.failed - totals.skipped;
  } catch {
    totals.failed = Math.max(totals.failed, 1);
  }
  if (exitCode !== 0 && totals.failed === 0) totals.failed = 1;
  return totals;
}

const line = (t: Totals) => `${t.passed} passed, ${t.failed} failed${t.skipped ? `, ${t.skipped} skipped` : ""}`;

function unprivilegedRunProblem(user: string | undefined, paths: string[]): string | undefined {
  if (!user || user.startsWith("-")) return "--also-as: expected a user name, then the test paths to run as that user";
  if (paths.length === 0) return `--also-as ${user}: expected the test paths to run as ${user} (e.g. test/boundary/)`;
  if (process.getuid?.() !== 0) return `--also-as ${user}: only root can run tests as another user; run without --also-as, or as root`;
  if (Bun.spawnSync(["id", "-u", user]).exitCode !== 0) return `--also-as ${user}: no such user (.ci/setup --test-user ${user} adds it)`;
  // A checkout in root's home (drwx------) or a Bun installed under it cannot be read by the user:
  // name the first folder that stops them, rather than a wall of failed tests.
  for (const path of [join(root, "package.json"), ...paths.map((p) => join(root, p)), process.execPath]) {
    if (Bun.spawnSync(["runuser", "-u", user, "--", "test", "-r", path]).exitCode === 0) continue;
    let blocked = path;
    for (let dir = dirname(path); dir !== "/"; dir = dirname(dir)) if (Bun.spawnSync(["runuser", "-u", user, "--", "test", "-x", dir]).exitCode !== 0) blocked = dir;
    return `--also-as ${user}: ${user} cannot read ${path} (${blocked} is closed to them); clone bunseal where every user can read it, or chmod o+rx ${blocked}`;
  }
  return undefined;
}

const problem = alsoAs ? unprivilegedRunProblem(alsoAs.user, alsoAs.paths) : undefined;
if (problem) {
  console.error(`test/run.ts: ${problem}`);
  console.log("0 passed, 1 failed");
  process.exit(2);
}

const dirs: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};
try {
  const dir = tempDir("bunseal-junit-");
  // Tests that need another Bun release share one download for the whole run.
  const env = { ...process.env, BUNSEAL_TEST_BUN_CACHE: process.env.BUNSEAL_TEST_BUN_CACHE ?? join(dir, "bun-cache") };
  const totals = [await runOnce([], firstArgs, env, dir)];
  if (alsoAs) {
    const user = alsoAs.user!;
    const ids = (flag: string) => Number(Bun.spawnSync(["id", flag, user]).stdout.toString().trim());
    // Their own HOME and TMPDIR: nothing of root's (its git config, its caches, its temp files) is shared.
    const own = (prefix: string) => {
      const path = tempDir(prefix);
      chownSync(path, ids("-u"), ids("-g"));
      return path;
    };
    const [home, tmp] = [own("bunseal-test-home-"), own("bunseal-test-tmp-")];
    const userEnv = { ...process.env, XDG_CONFIG_HOME: undefined, XDG_CACHE_HOME: undefined, BUNSEAL_TEST_BUN_CACHE: join(tmp, "bun-cache") };
    // runuser sets HOME, USER and LOGNAME for the user it starts; env then puts this run's own HOME
    const prefix = ["runuser", "-u", user, "--", "env", `HOME=${home}`, `TMPDIR=${tmp}`];
    console.log(`\nrun as root: ${line(totals[0]!)}\nthe tests under ${alsoAs.paths.join(" ")} again, as ${user}:`);
    totals.push(await runOnce(prefix, alsoAs.paths, userEnv, tmp));
    console.log(`\nrun as ${user}: ${line(totals[1]!)}`);
  }
  const all = totals.reduce((a, t) => ({ passed: a.passed + t.passed, failed: a.failed + t.failed, skipped: a.skipped + t.skipped }));
  console.log(line(all));
  process.exitCode = totals.every((t) => t.failed === 0 && t.passed > 0) ? 0 : 1;
} finally {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
