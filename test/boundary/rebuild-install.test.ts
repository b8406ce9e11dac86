/**
 * Issue #18, Why 4: rebuild ran project code beside the private key. With a
 * dependency the record trusts, `rebuild B --key PUB --key KEY` ran
 * `bun install` with scripts on, outside any sandbox, and Bun runs the root
 * package's own `postinstall` too: it read `--key` from /proc/*\/cmdline and
 * copied the rebuilder's private key, and the rebuild still said
 * reproducible. The install now runs in the sandbox (its own PID namespace,
 * the key masked), the trusted dependency's script runs there and finds no
 * key, and the root package's own lifecycle scripts run nowhere.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cliCommand, runCli } from "../helpers/cli.ts";
import { gitCommitAll, gitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(90_000);

let keys: TestDir;
let scratch: TestDir;
const builderKey = () => join(keys.path, "builder", "bunseal.key");
const builderPub = () => join(keys.path, "builder", "bunseal.pub");
const rebuilderKey = () => join(keys.path, "rebuilder", "bunseal.key");

beforeAll(async () => {
  [keys, scratch] = await Promise.all([makeTempDir("bunseal-keys-"), makeTempDir("bunseal-rebuild-install-")]);
  expect((await runCli(["keygen", "--out", join(keys.path, "builder")])).exitCode).toBe(0);
  expect((await runCli(["keygen", "--out", join(keys.path, "rebuilder")])).exitCode).toBe(0);
});
afterAll(async () => {
  await Promise.all([keys?.cleanup(), scratch?.cleanup()]);
});

/**
 * The thief: every --key named on any command line it can see, copied when it is a private key.
 * It also leaves a mark in the folder it ran in, so the test can tell whether it ran at all.
 */
const thief = (loot: string, mark: string) =>
  [
    `echo ran > ${mark}`,
    // a witness outside the checkout, which only a script run outside any sandbox can write
    `echo ${mark} >> ${loot}.ran`,
    `for f in /proc/[0-9]*/cmdline; do tr '\\0' '\\n' < "$f" 2>/dev/null; echo; done | grep -A1 -x -e --key | grep -v -x -e --key -e -- | while read k; do grep -q 'PRIVATE KEY' "$k" 2>/dev/null && cat "$k" >> ${loot}; done`,
    "true",
  ].join("; ");

/** A project whose record trusts one dependency's install script, and whose own package.json has the thief. */
async function thiefRepo(loot: string) {
  const repo = await gitRepo({
    ".gitignore": ".bunseal/\nnode_modules/\n",
    "bunseal.json": JSON.stringify({ service: "thief", entrypoints: ["src/index.ts"] }),
    "package.json": JSON.stringify({ name: "thief", private: true, dependencies: { dep: "file:./dep" }, trustedDependencies: ["dep"], scripts: { postinstall: thief(loot, "root-postinstall-ran") } }),
    // the trusted dependency's script runs, and tries the same
    "dep/package.json": JSON.stringify({ name: "dep", version: "1.0.0", scripts: { postinstall: `echo dep-ran > built.txt; ${thief(loot, "dep-postinstall-ran")}` } }),
    "dep/index.js": "export const greeting = 'hi';\n",
    "src/index.ts": "import { greeting } from 'dep';\nconsole.log(greeting);\n",
  });
  // the lockfile, made without running anything; the thief is committed, the install that follows is the build's
  const locked = Bun.spawnSync([process.execPath, "install", "--ignore-scripts", "--no-progress"], { cwd: repo.path, stdout: "pipe", stderr: "pipe" });
  expect(locked.exitCode).toBe(0);
  await gitCommitAll(repo.path, "lockfile");
  const installed = Bun.spawnSync([process.execPath, "install", "--frozen-lockfile", "--ignore-scripts", "--no-progress"], { cwd: repo.path, stdout: "pipe", stderr: "pipe" });
  expect(installed.exitCode).toBe(0);
  return repo;
}

describe("rebuild runs no project code beside the private key", () => {
  test("a root postinstall, and a trusted dependency's, that read --key from /proc/*/cmdline do not copy the rebuilder's private key", async () => {
    const loot = join(scratch.path, "loot.pem");
    await using repo = await thiefRepo(loot);
    const built = await runCli(["build", repo.path, "--key", builderKey(), "--json"]);
    expect(built.exitCode).toBe(0);
    const recorded = built.json();

    const rebuilt = await runCli(["rebuild", recorded.bundle.path, "--key", builderPub(), "--key", rebuilderKey(), "--keep", "--json"]);
    expect(rebuilt.exitCode).toBe(0);
    const report = rebuilt.json();
    expect(report.reproducible).toBe(true);
    expect(report.install.scripts).toBe("trusted");
    const checkout = report.source.checkout as string;
    try {
      // the key is not copied, and the root package's own script never ran at all
      expect(existsSync(loot) ? readFileSync(loot, "utf8") : "").not.toContain("PRIVATE KEY");
      expect(existsSync(`${loot}.ran`)).toBe(false);
      expect(existsSync(join(checkout, "src", "root-postinstall-ran"))).toBe(false);
      // the script the record trusted did run, so the install is the one the build had
      expect(readFileSync(join(checkout, "src", "node_modules", "dep", "built.txt"), "utf8")).toBe("dep-ran\n");
      expect(existsSync(join(checkout, "src", "node_modules", "dep", "dep-postinstall-ran"))).toBe(true);
    } finally {
      await Bun.$`rm -rf ${checkout}`.quiet().nothrow();
    }
  });

  test("where bubblewrap cannot run, the rebuild's install runs no script at all, and the key is not copied", async () => {
    const loot = join(scratch.path, "loot-unsandboxed.pem");
    await using repo = await thiefRepo(loot);
    const built = await runCli(["build", repo.path, "--key", builderKey(), "--json"]);
    expect(built.exitCode).toBe(0);

    // a machine whose bubblewrap is refused by the kernel: a private mount namespace with a failing bwrap in its place
    const fake = join(scratch.path, "bwrap");
    await Bun.write(fake, "#!/bin/sh\necho 'bwrap: setting up uid map: Permission denied' >&2\nexit 1\n");
    await Bun.$`chmod 755 ${fake}`;
    const masked = ["/usr/bin/bwrap", "/bin/bwrap"].map((path) => `[ -e ${path} ] && mount --bind ${fake} ${path}`).join("; ");
    const args = cliCommand(["rebuild", built.json().bundle.path, "--key", builderPub(), "--key", rebuilderKey(), "--json"]);
    const proc = Bun.spawn(["unshare", "-Urm", "sh", "-c", `${masked}; exec "$@"`, "sh", ...args], { env: { ...process.env, NO_COLOR: "1" }, stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);

    // no script ran, in any package: nothing reached the witness, nothing copied the key
    expect(existsSync(`${loot}.ran`)).toBe(false);
    expect(existsSync(loot) ? readFileSync(loot, "utf8") : "").not.toContain("PRIVATE KEY");
    // the rebuild either refuses to run without a sandbox, or runs and says the recorded scripts were not run
    if (exitCode === 3) expect(JSON.parse(stdout).error.code).toBe("SANDBOX_UNAVAILABLE");
    else {
      if (exitCode > 1) throw new Error(`rebuild exited ${exitCode}: ${stderr}`);
      const report = JSON.parse(stdout);
      expect(report.install.sandbox).toBe("none");
      expect(report.install.scripts).toBe("none");
      expect(report.notes.join("\n")).toContain("install scripts (dep@file:dep) were not run: bubblewrap cannot create namespaces here");
    }
  });
});
