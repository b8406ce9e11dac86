/**
 * Say so everywhere (issue #18, What 5): how a build's boundary was enforced is
 * shown wherever its record is read — build's own output and job summary,
 * verify (text, JSON, job summary), inspect, trace, and a verification
 * summary's policy — so a build without its sandbox never passes unsaid.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";
import { boundarySetup, hostileRepo } from "./hostile-repo.ts";

// each test runs several commands, builds among them
setDefaultTimeout(60_000);

const { key, pub, scratch } = boundarySetup("bunseal-shown-");


/** A GitHub Actions step's files: the job summary and the step outputs. */
function actions(name: string) {
  const summary = join(scratch(), `${name}.summary.md`);
  const output = join(scratch(), `${name}.output`);
  writeFileSync(summary, "");
  writeFileSync(output, "");
  return { env: { GITHUB_ACTIONS: "true", GITHUB_STEP_SUMMARY: summary, GITHUB_OUTPUT: output }, summary: () => readFileSync(summary, "utf8") };
}

const SANDBOXED = /bubblewrap, network off, reads (fanotify|strace|untraced)/;

describe("the sandbox is shown wherever the record is read", () => {
  test("a sandboxed build: build, verify, inspect and trace all name bubblewrap and no network", async () => {
    await using repo = await hostileRepo({ "src/index.ts": "console.log('shown');\n" });
    const store = join(scratch(), "sandboxed.db");
    const step = actions("build-sandboxed");
    const built = await runCli(["build", ".", "--key", key(), "--store", store], { cwd: repo.path, env: step.env });
    expect(built.exitCode).toBe(0);
    expect(built.stdout).toMatch(new RegExp(`^sandbox    ${SANDBOXED.source}$`, "m"));
    expect(step.summary()).toMatch(new RegExp(`\\| sandbox \\| ${SANDBOXED.source} \\|`));
    const artifact = built.stdout.match(/^artifact +(\S+)$/m)![1]!;

    const verifyStep = actions("verify-sandboxed");
    const verified = await runCli(["verify", artifact, "--key", pub()], { env: verifyStep.env });
    expect(verified.exitCode).toBe(0);
    expect(verified.stdout).toMatch(new RegExp(`^  sandbox    ${SANDBOXED.source}$`, "m"));
    expect(verifyStep.summary()).toMatch(new RegExp(`verified<br>sandbox: ${SANDBOXED.source}`));
    expect((await runCli(["verify", artifact, "--key", pub(), "--json"])).json().build.sandbox).toMatchObject({ kind: "bubblewrap", network: false });

    const inspected = await runCli(["inspect", `${artifact}.sigstore.json`]);
    expect(inspected.stdout).toMatch(new RegExp(`^  sandbox      ${SANDBOXED.source}$`, "m"));
    expect((await runCli(["inspect", `${artifact}.sigstore.json`, "--json"])).json().provenance.sandbox).toMatchObject({ kind: "bubblewrap", network: false });

    const traced = await runCli(["trace", artifact, "--store", store]);
    expect(traced.exitCode).toBe(0);
    expect(traced.stdout).toMatch(new RegExp(`^    sandbox      ${SANDBOXED.source}$`, "m"));
    expect((await runCli(["trace", artifact, "--store", store, "--json"])).json().matches[0].sandbox).toMatchObject({ kind: "bubblewrap", network: false });
  });

  test("a build without its sandbox: said in build's summary, inspect and the summary's policy; trace and verify refuse it unless allowed", async () => {
    await using repo = await hostileRepo({ "src/index.ts": "console.log('unsandboxed');\n" });
    const store = join(scratch(), "unsandboxed.db");
    const step = actions("build-unsandboxed");
    // the store records what was built, as it records a dirty build; the readers judge it
    const built = await runCli(["build", ".", "--key", key(), "--no-sandbox", "--store", store, "--json"], { cwd: repo.path, env: step.env });
    expect(built.exitCode).toBe(0);
    expect(step.summary()).toContain("| sandbox | none (turned off with --no-sandbox), network on, reads untraced — verify refuses it unless --allow-unsandboxed |");
    const artifact: string = built.json().artifact.path;

    const inspected = await runCli(["inspect", `${artifact}.sigstore.json`]);
    expect(inspected.stdout).toContain("  sandbox      none (turned off with --no-sandbox), network on, reads untraced");

    const traced = await runCli(["trace", artifact, "--store", store, "--json"]);
    expect(traced.exitCode).toBe(0);
    const match = traced.json().matches[0];
    expect(match.verifies).toBe(false);
    expect(match.verifyFailures).toHaveLength(1);
    expect(match.verifyFailures[0]).toStartWith("BUILD_UNSANDBOXED: the artifact was built without its sandbox (turned off with --no-sandbox)");
    expect(match.sandbox).toBeNull();

    const verifyStep = actions("verify-unsandboxed");
    const refused = await runCli(["verify", artifact, "--key", pub()], { env: verifyStep.env });
    expect(refused.exitCode).toBe(1);
    expect(verifyStep.summary()).toContain("BUILD_UNSANDBOXED: the artifact was built without its sandbox");
    expect(verifyStep.summary()).toContain("<br>sandbox: none (turned off with --no-sandbox), network on, reads untraced");

    // rebuild verifies the original first: refused the same way, and once allowed it rebuilds in the sandbox
    const rebuildRefused = await runCli(["rebuild", `${artifact}.sigstore.json`, "--key", pub(), "--source", repo.path, "--json"]);
    expect(rebuildRefused.exitCode).toBe(1);
    expect(rebuildRefused.json().error.code).toBe("VERIFY_FAILED");
    expect(rebuildRefused.json().error.message).toContain("BUILD_UNSANDBOXED");
    const rebuilt = await runCli(["rebuild", `${artifact}.sigstore.json`, "--key", pub(), "--source", repo.path, "--allow-unsandboxed", "--json"]);
    expect(rebuilt.exitCode).toBe(0);
    expect(rebuilt.json().sandbox.recorded.kind).toBe("none");
    expect(rebuilt.json().sandbox.rebuilt).toMatchObject({ kind: "bubblewrap", network: false });

    // a summary of a verification that accepted it says so in the policy it names
    const vsa = join(scratch(), "unsandboxed.vsa.json");
    const summarised = await runCli(["verify", artifact, "--key", pub(), "--allow-unsandboxed", "--vsa", vsa, "--vsa-key", key(), "--json"]);
    expect(summarised.exitCode).toBe(0);
    const summary = JSON.parse(Buffer.from(JSON.parse(readFileSync(vsa, "utf8")).dsseEnvelope.payload, "base64").toString("utf8"));
    expect(JSON.parse(Buffer.from(summary.predicate.policy.content, "base64").toString("utf8")).expectations.allowUnsandboxed).toBe(true);
  });
});
