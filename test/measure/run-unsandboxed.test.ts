/**
 * Never run the artifact unsandboxed: where no sandbox can run, runOnce
 * refuses with the build's own SANDBOX_UNAVAILABLE before anything of the
 * artifact starts. The machine is simulated as no-sandbox.test.ts does: a
 * private mount namespace where /usr/bin/bwrap is a program that fails the
 * way bwrap fails on Ubuntu 24.04; the real one is never touched outside it.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { testdir } from "../helpers/testdir.ts";

const RUN_ARTIFACT = join(import.meta.dir, "../../src/measure/run-artifact.ts");

describe("no sandbox, no run", () => {
  test("refuses to run an artifact where bwrap cannot make its namespaces, before any of it runs", async () => {
    await using work = await testdir();
    const mark = join(work.path, "artifact-ran");
    await using artifact = await testdir({ "index.js": `require("node:fs").writeFileSync(${JSON.stringify(mark)}, "ran");` });
    const fake = join(work.path, "bwrap");
    writeFileSync(fake, `#!/bin/sh\necho "bwrap: setting up uid map: Permission denied" >&2\nexit 1\n`, { mode: 0o755 });
    const script = join(work.path, "run.ts");
    writeFileSync(
      script,
      `import { runOnce } from ${JSON.stringify(RUN_ARTIFACT)};
try {
  await runOnce({ dir: ${JSON.stringify(artifact.path)}, run: { command: ["bun", "index.js"], ready: { exit: 0 }, env: {} }, bunPath: process.execPath, timeoutMs: 5000 });
  console.log(JSON.stringify({ ran: true }));
} catch (error) {
  console.log(JSON.stringify({ code: error.code, message: error.message }));
}
`,
    );
    const unshare = process.getuid!() === 0 ? ["unshare", "-m"] : ["unshare", "-Urm"];
    const proc = Bun.spawn([...unshare, "sh", "-c", `set -e; mount --bind ${fake} /usr/bin/bwrap; exec "$@"`, "sh", process.execPath, script], { cwd: work.path, stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
    expect(await proc.exited, stderr).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.code).toBe("SANDBOX_UNAVAILABLE");
    expect(result.message).toStartWith("no sandbox can run on this machine: the kernel refused bwrap's user namespace");
    expect(result.message).toContain('"setting up uid map: Permission denied"');
    expect(result.message).toContain("bunseal runs an artifact only inside its sandbox, so nothing was run.");
    expect(result.message).toContain("sudo apparmor_parser -r /etc/apparmor.d/bwrap");
    // a run has no way out without its sandbox
    expect(result.message).not.toContain("--no-sandbox");
    expect(existsSync(mark)).toBe(false);
  }, 30_000);
});
