/**
 * Fail closed (issue #18, Why 2): where no sandbox can run, build, rebuild and
 * check stop before any project code runs, naming why and this machine's fix;
 * a build without its sandbox is only one that was asked for (--no-sandbox),
 * said on stderr even under --json, recorded as kind "none", and refused by
 * verify unless the verifier accepts it on purpose.
 *
 * Machines without a working bubblewrap are simulated, not skipped: each
 * command runs in a private mount namespace (`unshare -m` as root, `unshare
 * -Urm` as an ordinary user) where /usr/bin/bwrap is missing, or is a program
 * that fails the way bwrap fails on such a machine. The real bwrap is never
 * touched outside that namespace.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { cliCommand, runCli, runCommand, type CliResult } from "../helpers/cli.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";
import { boundarySetup, hostileRepo, leftIn, outDir, statementOf } from "./hostile-repo.ts";

const { key, pub, scratch } = boundarySetup("bunseal-nosandbox-");


/** What Ubuntu 24.04 (AppArmor's restriction on unprivileged user namespaces) makes bwrap say. */
const APPARMOR_BWRAP = "bwrap: setting up uid map: Permission denied";

type Machine = "no-bwrap" | { bwrapSays: string };

let made = 0;
/**
 * The command line that runs bunseal `args` on a simulated machine: a private
 * mount namespace where /usr/bin/bwrap is absent (a copy of /usr/bin's listing
 * without it, as symbolic links to the real files) or a script that fails
 * with what bwrap says there.
 */
function onMachine(machine: Machine, args: string[]): string[] {
  const dir = join(scratch(), `machine-${made++}`);
  mkdirSync(dir);
  let mounts: string;
  if (machine === "no-bwrap") {
    const original = join(dir, "usr-bin");
    const listing = join(dir, "listing");
    mkdirSync(original);
    mkdirSync(listing);
    // a link in /usr/bin that is itself relative (bun -> ../lib/…) is linked where it points, not through the copy
    for (const entry of readdirSync("/usr/bin", { withFileTypes: true })) {
      if (entry.name === "bwrap") continue;
      const target = entry.isSymbolicLink() ? resolve("/usr/bin", readlinkSync(join("/usr/bin", entry.name))) : join(original, entry.name);
      symlinkSync(target, join(listing, entry.name));
    }
    mounts = `mount --bind /usr/bin ${original} && mount --bind ${listing} /usr/bin`;
  } else {
    const fake = join(dir, "bwrap");
    writeFileSync(fake, `#!/bin/sh\necho ${JSON.stringify(machine.bwrapSays)} >&2\nexit 1\n`, { mode: 0o755 });
    mounts = `mount --bind ${fake} /usr/bin/bwrap`;
  }
  // as an ordinary user, a user namespace owns the mount namespace (bunseal then sees uid 0 in it,
  // without the power of the host's root: the machine under test is still one bwrap fails on)
  const unshare = process.getuid!() === 0 ? ["unshare", "-m"] : ["unshare", "-Urm"];
  return [...unshare, "sh", "-c", `set -e; ${mounts}; exec "$@"`, "sh", ...cliCommand(args)];
}

const run = (command: string[], cwd: string): Promise<CliResult> => runCommand(command, { cwd });

/** A project whose macro leaves a mark wherever it can write: in the sandbox the mark's folder is not there. */
async function markingRepo(mark: string) {
  return hostileRepo({
    "src/macro.ts": `import { writeFileSync } from "node:fs";\nexport function probe(): string { try { writeFileSync(${JSON.stringify(mark)}, "project code ran"); } catch {} return "built"; }\n`,
    "src/index.ts": `import { probe } from "./macro.ts" with { type: "macro" };\nconsole.log(probe());\n`,
  });
}

describe("no sandbox, no build", () => {
  test("refuses to build where bubblewrap is not installed, before any project code runs", async () => {
    const mark = join(scratch(), "mark-missing");
    await using repo = await markingRepo(mark);
    const refused = await run(onMachine("no-bwrap", ["build", ".", "--key", key(), "--json"]), repo.path);
    expect(refused.exitCode).toBe(3);
    const error = refused.json().error;
    expect(error.code).toBe("SANDBOX_UNAVAILABLE");
    expect(error.message).toContain("bubblewrap (bwrap) is not installed");
    expect(error.message).toContain("sudo apt-get install bubblewrap");
    expect(error.message).toContain("--no-sandbox");
    expect(refused.stderr).toContain("bunseal: SANDBOX_UNAVAILABLE");
    expect(existsSync(mark)).toBe(false);
    expect(leftIn(outDir(repo))).toEqual([]);
  });

  test("refuses to build where AppArmor keeps bwrap from its user namespace (Ubuntu 24.04), naming the profile and the sysctl", async () => {
    const mark = join(scratch(), "mark-apparmor");
    await using repo = await markingRepo(mark);
    const refused = await run(onMachine({ bwrapSays: APPARMOR_BWRAP }, ["build", ".", "--key", key()]), repo.path);
    expect(refused.exitCode).toBe(3);
    expect(refused.stderr).toContain("bunseal: SANDBOX_UNAVAILABLE: no sandbox can run on this machine: the kernel refused bwrap's user namespace");
    expect(refused.stderr).toContain('"setting up uid map: Permission denied"');
    expect(refused.stderr).toContain("profile bwrap /usr/bin/bwrap flags=(unconfined)");
    expect(refused.stderr).toContain("sudo apparmor_parser -r /etc/apparmor.d/bwrap");
    expect(refused.stderr).toContain("sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0");
    expect(refused.stdout).toBe("");
    expect(existsSync(mark)).toBe(false);
    expect(leftIn(outDir(repo))).toEqual([]);
  });

  test("check refuses too, before it copies or builds anything", async () => {
    const mark = join(scratch(), "mark-check");
    await using repo = await markingRepo(mark);
    const refused = await run(onMachine("no-bwrap", ["check", ".", "--json"]), repo.path);
    expect(refused.exitCode).toBe(3);
    expect(refused.json().error.code).toBe("SANDBOX_UNAVAILABLE");
    expect(existsSync(mark)).toBe(false);
  });

  test("rebuild refuses too, before it clones or installs anything", async () => {
    const mark = join(scratch(), "mark-rebuild");
    await using repo = await markingRepo(mark);
    // the original is built where the sandbox runs: its macro finds no folder to mark
    const built = await runCli(["build", ".", "--key", key(), "--json"], { cwd: repo.path });
    expect(built.exitCode).toBe(0);
    expect(existsSync(mark)).toBe(false);
    const refused = await run(onMachine({ bwrapSays: APPARMOR_BWRAP }, ["rebuild", built.json().bundle.path, "--key", pub(), "--source", repo.path, "--json"]), repo.path);
    expect(refused.exitCode).toBe(3);
    expect(refused.json().error.code).toBe("SANDBOX_UNAVAILABLE");
    expect(existsSync(mark)).toBe(false);

    // turned off, a rebuild signs nothing: its attestation would vouch for a rebuild nothing enclosed, run beside the key
    const signing = await run(onMachine({ bwrapSays: APPARMOR_BWRAP }, ["rebuild", built.json().bundle.path, "--key", pub(), "--key", key(), "--source", repo.path, "--no-sandbox", "--json"]), repo.path);
    expect(signing.exitCode).toBe(2);
    expect(signing.json().error).toMatchObject({ code: "USAGE", field: "--no-sandbox" });
    expect(existsSync(mark)).toBe(false);

    // with public keys only, it rebuilds without the sandbox, says so, and reports both records' sandboxes
    const rebuilt = await run(onMachine({ bwrapSays: APPARMOR_BWRAP }, ["rebuild", built.json().bundle.path, "--key", pub(), "--source", repo.path, "--no-sandbox", "--json"]), repo.path);
    expect(rebuilt.exitCode).toBe(0);
    expect(rebuilt.stderr).toContain("warning: no sandbox: turned off with --no-sandbox");
    const report = rebuilt.json();
    expect(report.reproducible).toBe(true);
    expect(report.sandbox.recorded).toMatchObject({ kind: "bubblewrap", network: false });
    expect(report.sandbox.rebuilt).toEqual({ kind: "none", network: true, reads: "untraced", reason: "turned off with --no-sandbox" });
    expect(existsSync(mark)).toBe(true);
  }, 60_000);

  test("check --no-sandbox builds every variation without it, says so under --json, and reports it", async () => {
    const mark = join(scratch(), "mark-check-turned-off");
    await using repo = await markingRepo(mark);
    const checked = await run(onMachine("no-bwrap", ["check", ".", "--runs", "2", "--vary", "timezone", "--no-sandbox", "--json"]), repo.path);
    expect(checked.exitCode).toBe(0);
    expect(checked.stderr).toContain("warning: no sandbox: turned off with --no-sandbox");
    expect(checked.json().sandbox).toEqual({ kind: "none", network: true, reads: "untraced", reason: "turned off with --no-sandbox" });
    expect(existsSync(mark)).toBe(true);
  }, 60_000);
});

describe("--no-sandbox builds anyway, says so, and verify refuses it unless told", () => {
  test("a build without its sandbox warns under --json, records kind none, and fails verify with BUILD_UNSANDBOXED until allowed", async () => {
    const mark = join(scratch(), "mark-turned-off");
    await using repo = await markingRepo(mark);
    const built = await run(onMachine("no-bwrap", ["build", ".", "--key", key(), "--no-sandbox", "--json"]), repo.path);
    expect(built.exitCode).toBe(0);
    expect(built.stderr).toContain('warning: no sandbox: turned off with --no-sandbox: the build sees the machine as bunseal does (.env files, keys, the network), and its record says sandbox.kind "none"');
    // the project's code did run outside any sandbox: that is what the record must say
    expect(existsSync(mark)).toBe(true);
    const result = built.json();
    expect(statementOf(result.bundle.path).predicate.buildDefinition.internalParameters.sandbox).toEqual({ kind: "none", network: true, reads: "untraced", reason: "turned off with --no-sandbox" });

    const refused = await runCli(["verify", result.artifact.path, "--key", pub(), "--json"]);
    expect(refused.exitCode).toBe(1);
    const report = refused.json();
    expect(report.verified).toBe(false);
    expect(report.failures.map((f: { code: string }) => f.code)).toEqual(["BUILD_UNSANDBOXED"]);
    expect(report.failures[0].message).toContain("built without its sandbox (turned off with --no-sandbox)");
    expect(report.build.sandbox).toEqual({ kind: "none", network: true, reads: "untraced", reason: "turned off with --no-sandbox" });
    const text = await runCli(["verify", result.artifact.path, "--key", pub()]);
    expect(text.exitCode).toBe(1);
    expect(text.stdout).toContain("BUILD_UNSANDBOXED: the artifact was built without its sandbox");
    expect(text.stdout).toContain("sandbox    none (turned off with --no-sandbox), network on, reads untraced");

    const allowed = await runCli(["verify", result.artifact.path, "--key", pub(), "--allow-unsandboxed", "--json"]);
    expect(allowed.exitCode).toBe(0);
    expect(allowed.json().build.sandbox.kind).toBe("none");
    const allowedText = await runCli(["verify", result.artifact.path, "--key", pub(), "--allow-unsandboxed"]);
    expect(allowedText.stdout).toContain("sandbox    none (turned off with --no-sandbox), network on, reads untraced");

    const policy = (sandbox?: unknown) => {
      const path = join(scratch(), `policy-${made++}.json`);
      writeFileSync(path, JSON.stringify({ signers: [{ publicKey: pub() }], ...(sandbox === undefined ? {} : { sandbox }) }));
      return path;
    };
    const silent = await runCli(["verify", result.artifact.path, "--policy", policy(), "--json"]);
    expect(silent.exitCode).toBe(1);
    expect(silent.json().failures.map((f: { code: string }) => f.code)).toEqual(["BUILD_UNSANDBOXED"]);
    const allowing = await runCli(["verify", result.artifact.path, "--policy", policy({ allow: ["bubblewrap", "none"] }), "--json"]);
    expect(allowing.exitCode).toBe(0);
    expect(allowing.json().policy.results.find((r: { rule: string }) => r.rule === "sandbox.allow")).toMatchObject({ passed: true, found: "none" });
    const offline = await runCli(["verify", result.artifact.path, "--policy", policy({ allow: ["none"], network: false }), "--json"]);
    expect(offline.exitCode).toBe(1);
    expect(offline.json().failures.map((f: { code: string }) => f.code)).toEqual(["BUILD_NETWORK"]);
    const strict = await runCli(["verify", result.artifact.path, "--policy", policy({ allow: ["bubblewrap"] }), "--json"]);
    expect(strict.exitCode).toBe(1);
    expect(strict.json().failures).toEqual([expect.objectContaining({ code: "BUILD_UNSANDBOXED", expected: "bubblewrap", found: "none" })]);
    // a sandbox rule that checks nothing, or a misspelt one, is refused: it would look enforced while checking less
    for (const rule of [{}, { allow: ["none"], nework: false }]) {
      const invalid = await runCli(["verify", result.artifact.path, "--policy", policy(rule), "--json"]);
      expect(invalid.exitCode).toBe(2);
      expect(invalid.json().error.code).toBe("POLICY_INVALID");
    }
    // a dozen CLI runs, one a build: longer than one command's default allowance on a busy machine
  }, 60_000);

  test("pin and sbom refuse an artifact built without its sandbox with BUILD_UNSANDBOXED, until --allow-unsandboxed", async () => {
    await using repo = await markingRepo(join(scratch(), "mark-pin"));
    const store = `sqlite:${join(scratch(), `store-${made++}.db`)}`;
    const built = await run(onMachine("no-bwrap", ["build", ".", "--key", key(), "--no-sandbox", "--store", store, "--json"]), repo.path);
    expect(built.exitCode).toBe(0);
    const { artifact } = built.json();
    const pins = join(scratch(), `pins-${made++}`);
    const refused = await runCli(["pin", artifact.digest, "--env", "prod", "--key", key(), "--key", pub(), "--store", store, "--pins-dir", pins, "--json"]);
    expect(refused.exitCode).toBe(1);
    expect(refused.json().error.code).toBe("PIN_REFUSED");
    expect(refused.json().error.message).toContain("BUILD_UNSANDBOXED");
    const pinned = await runCli(["pin", artifact.digest, "--env", "prod", "--key", key(), "--key", pub(), "--store", store, "--pins-dir", pins, "--allow-unsandboxed", "--json"]);
    expect(pinned.exitCode).toBe(0);

    const noSbom = await runCli(["sbom", artifact.path, "--key", pub()]);
    expect(noSbom.exitCode).toBe(1);
    expect(noSbom.stderr).toContain("BUILD_UNSANDBOXED");
    const sbom = await runCli(["sbom", artifact.path, "--key", pub(), "--allow-unsandboxed"]);
    expect(sbom.exitCode).toBe(0);
    expect(JSON.parse(sbom.stdout).bomFormat).toBe("CycloneDX");
    const stored = await runCli(["sbom", artifact.digest, "--store", store, "--allow-unsandboxed"]);
    expect(stored.exitCode).toBe(0);
  }, 60_000);
});
