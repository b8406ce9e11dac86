/**
 * .ci/setup, the README's first command and .ci/run's first step (issue #18,
 * What 6), on machines it cannot fix by itself. Each machine is simulated in a
 * private mount namespace (`unshare -Urm`, so the same test runs as root and as
 * an unprivileged user): a failing bwrap, or a missing tool, put in place of
 * the real one. Inside, a second user namespace makes the set-up see a user
 * that is not root where the case is about a user.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../helpers/cli.ts";
import { makeTempDir } from "../helpers/testdir.ts";

setDefaultTimeout(60_000);

/**
 * Runs .ci/setup (or `script`) on this machine with `mounts` ([what, where], bind-mounted over the real
 * file) in place, after the shell commands of `before` (in the private mount namespace).
 */
async function setupWith(mounts: [string, string][], options: { asUser?: boolean; script?: string; env?: Record<string, string>; before?: string } = {}) {
  const binds = [options.before, ...mounts.map(([what, where]) => `mount --bind '${what}' '${where}'`)].filter(Boolean).join(" && ");
  const script = options.script ?? ".ci/setup";
  const run = options.asUser ? `exec unshare --map-user=1000 --map-group=1000 ${script}` : `exec ${script}`;
  const proc = Bun.spawn(["unshare", "-Urm", "sh", "-c", `${binds} && ${run}`], { cwd: REPO_ROOT, env: { ...process.env, ...options.env }, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, exitCode };
}

test("a machine whose bubblewrap cannot make namespaces: the set-up stops (exit 3) and names the fix, before anything is built", async () => {
  await using dir = await makeTempDir("bunseal-setup-");
  const out = await setupWith([[await failingBwrap(dir.path), "/usr/bin/bwrap"]]);
  expect(out.exitCode).toBe(3);
  expect(out.stderr).toContain("setup: bubblewrap is installed but cannot make its namespaces here: bwrap: setting up uid map: Permission denied\n");
  expect(out.stderr).toMatch(/setup: (in a container, run it with: --security-opt seccomp=unconfined --security-opt apparmor=unconfined \(docker\), or --privileged|user namespaces may be off: sysctl kernel\.unprivileged_userns_clone=1)/);
  expect(out.stderr).not.toContain("ready");
});

async function failingBwrap(dir: string): Promise<string> {
  const fake = join(dir, "bwrap");
  // what bwrap says where user namespaces are refused (a docker container, a kernel with them off)
  writeFileSync(fake, "#!/bin/sh\necho 'bwrap: setting up uid map: Permission denied' >&2\nexit 1\n");
  chmodSync(fake, 0o755);
  return fake;
}

test("the GitHub action on a runner whose bubblewrap cannot make namespaces: build fails closed with an annotation (exit 3); verify, which runs no build, goes on", async () => {
  await using dir = await makeTempDir("bunseal-setup-");
  const fake = await failingBwrap(dir.path);
  const build = await setupWith([[fake, "/usr/bin/bwrap"]], { script: "ci/github/setup.sh", env: { GITHUB_ACTION_PATH: REPO_ROOT, BUNSEAL_INPUT_COMMAND: "build" } });
  expect(build.exitCode).toBe(3);
  expect(build.stderr).toContain("setup: bubblewrap is installed but cannot make its namespaces here: bwrap: setting up uid map: Permission denied\n");
  expect(build.stdout).toBe("::error title=bunseal::no sandbox on this runner: bubblewrap cannot make its namespaces (see the lines above for the fix)\n");
  const verify = await setupWith([[fake, "/usr/bin/bwrap"]], { script: "ci/github/setup.sh", env: { GITHUB_ACTION_PATH: REPO_ROOT, BUNSEAL_INPUT_COMMAND: "verify" } });
  expect(verify.exitCode).toBe(0);
});

describe("Ubuntu 24.04: AppArmor lets only profiled programs make user namespaces", () => {
  // The kernel's switch (/proc/sys/kernel/apparmor_restrict_unprivileged_userns = 1), /etc/apparmor.d
  // and apparmor_parser, each simulated: a bwrap that works once /etc/apparmor.d/bwrap is loaded.
  async function ubuntu2404(dir: string) {
    const bwrap = join(dir, "bwrap");
    writeFileSync(bwrap, "#!/bin/sh\ngrep -q 'profile bwrap /usr/bin/bwrap' /etc/apparmor.d/bwrap 2>/dev/null && [ -f /etc/apparmor.d/loaded ] && exit 0\necho 'bwrap: setting up uid map: Permission denied' >&2\nexit 1\n");
    mkdirSync(join(dir, "bin"));
    const parser = join(dir, "bin", "apparmor_parser");
    writeFileSync(parser, '#!/bin/sh\n[ "$1" = -r ] && [ "$2" = /etc/apparmor.d/bwrap ] && touch /etc/apparmor.d/loaded\n');
    for (const path of [bwrap, parser]) chmodSync(path, 0o755);
    const before = "mount -t tmpfs none /proc/sys/kernel && echo 1 > /proc/sys/kernel/apparmor_restrict_unprivileged_userns && mount -t tmpfs none /etc/apparmor.d";
    return { mounts: [[bwrap, "/usr/bin/bwrap"]] as [string, string][], before, env: { PATH: `${join(dir, "bin")}:${process.env.PATH}` } };
  }

  test("as root, the set-up loads a profile for /usr/bin/bwrap alone (not the sysctl), and the sandbox works", async () => {
    await using dir = await makeTempDir("bunseal-setup-");
    const machine = await ubuntu2404(dir.path);
    const out = await setupWith(machine.mounts, { before: machine.before, env: machine.env });
    expect(out.stderr).toContain("setup: AppArmor restricts user namespaces here: adding a profile for /usr/bin/bwrap (/etc/apparmor.d/bwrap)\n");
    expect(out.stderr).toMatch(/setup: ready: bun \d+\.\d+\.\d+, .*sandbox works\n$/);
    expect(out.exitCode).toBe(0);
  });

  test("as a user, the set-up prints the two sudo commands that load it, and stops (exit 1)", async () => {
    await using dir = await makeTempDir("bunseal-setup-");
    const machine = await ubuntu2404(dir.path);
    const out = await setupWith(machine.mounts, { before: machine.before, env: machine.env, asUser: true });
    expect(out.exitCode).toBe(1);
    expect(out.stdout).toBe(`sudo cp '${REPO_ROOT}/.ci/bwrap.apparmor' /etc/apparmor.d/bwrap && sudo apparmor_parser -r /etc/apparmor.d/bwrap\n`);
    expect(out.stderr).toBe("setup: AppArmor restricts user namespaces here (Ubuntu 23.10 and later). Allow them for bubblewrap alone, then run .ci/setup again:\n");
  });
});

test("a user on a machine without bubblewrap and strace: the set-up prints the exact apt-get command and stops (exit 1), installing nothing", async () => {
  // /dev/null in their place: there, but no program
  const out = await setupWith([["/dev/null", "/usr/bin/bwrap"], ["/dev/null", "/usr/bin/strace"]], { asUser: true });
  expect(out.exitCode).toBe(1);
  expect(out.stdout).toBe("sudo apt-get update && sudo apt-get install -y bubblewrap strace\n");
  expect(out.stderr).toBe("setup: missing system packages. Install them, then run .ci/setup again:\n");
});

test("a machine where the sandbox works: the set-up says so", async () => {
  const out = await setupWith([["/dev/null", "/dev/null"]]);
  expect(out.stderr).toMatch(/setup: ready: bun \d+\.\d+\.\d+, bubblewrap \d+\.\d+\.\d+, sandbox works\n$/);
  expect(out.exitCode).toBe(0);
});
