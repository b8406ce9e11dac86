/**
 * On GitHub Actions (issue #11, item 2): build writes digest, artifact-path and
 * bundle-path to GITHUB_OUTPUT and a summary to GITHUB_STEP_SUMMARY; verify
 * writes verified=true|false; failures become ::error annotations (on stderr,
 * so --json on stdout stays one JSON value). Run under a simulated runner:
 * the variables the runner sets, and real files for it to read.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { gitRepo, type GitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

let work: TestDir;
let repo: GitRepo;
const runner = () => ({ GITHUB_ACTIONS: "true", GITHUB_OUTPUT: join(work.path, "output"), GITHUB_STEP_SUMMARY: join(work.path, "summary.md") });
const outputs = () => Object.fromEntries(readFileSync(join(work.path, "output"), "utf8").trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));

beforeAll(async () => {
  work = await makeTempDir("bunseal-gha-");
  repo = await gitRepo({ ".gitignore": ".bunseal/\n", "package.json": JSON.stringify({ name: "gha", private: true }), "bunseal.json": JSON.stringify({ service: "gha", entrypoints: ["src/index.ts"] }), "src/index.ts": "console.log('ci');\n" });
  expect((await runCli(["keygen", "--out", join(work.path, "keys")])).exitCode).toBe(0);
});
afterAll(async () => {
  await Promise.all([work?.cleanup(), repo?.cleanup()]);
});

test("build writes the step's outputs and a summary; verify writes verified", async () => {
  writeFileSync(join(work.path, "output"), "");
  writeFileSync(join(work.path, "summary.md"), "");
  const built = await runCli(["build", repo.path, "--key", join(work.path, "keys", "bunseal.key"), "--builder-id", "https://ci.example/builders/release@v2", "--json"], { env: runner() });
  expect(built.exitCode).toBe(0);
  const result = built.json();
  expect(outputs()).toEqual({ digest: result.artifact.digest, "artifact-path": result.artifact.path, "bundle-path": result.bundle.path });
  const summary = readFileSync(join(work.path, "summary.md"), "utf8");
  expect(summary).toContain("### bunseal build: gha");
  expect(summary).toContain(result.artifact.digest);
  expect(summary).toContain(repo.commit);
  // issue #20, item 15: who built it and in what boundary, as the statement records them
  expect(summary).toContain("| builder | https://ci.example/builders/release@v2 |");
  expect(summary).toMatch(/\| sandbox \| bubblewrap, network off, reads (fanotify|strace|untraced) \|/);
  // a key signs no transparency log entry: the summary says so rather than leave it out
  expect(summary).toContain("| transparency log | none (signed with a key) |");

  writeFileSync(join(work.path, "output"), "");
  const verified = await runCli(["verify", result.artifact.path, "--key", join(work.path, "keys", "bunseal.pub"), "--json"], { env: runner() });
  expect(verified.exitCode).toBe(0);
  expect(verified.json().verified).toBe(true);
  expect(outputs()).toEqual({ verified: "true" });
});

test("a failed verify says verified=false and annotates each failure, with --json still one JSON value", async () => {
  const built = (await runCli(["build", repo.path, "--key", join(work.path, "keys", "bunseal.key"), "--json"])).json();
  await using copy = await makeTempDir("bunseal-gha-tamper-");
  const tampered = join(copy.path, "gha.tar");
  const bytes = await Bun.file(built.artifact.path).bytes();
  bytes[bytes.length - 1500]! ^= 1;
  writeFileSync(tampered, bytes);
  writeFileSync(`${tampered}.sigstore.json`, readFileSync(built.bundle.path));
  writeFileSync(join(work.path, "output"), "");
  const out = await runCli(["verify", tampered, "--key", join(work.path, "keys", "bunseal.pub"), "--json"], { env: runner() });
  expect(out.exitCode).toBe(1);
  expect(out.json().verified).toBe(false);
  expect(outputs()).toEqual({ verified: "false" });
  expect(out.stderr).toContain("::error title=bunseal verify%3A SUBJECT_MISMATCH::");
  expect(readFileSync(join(work.path, "summary.md"), "utf8")).toContain("### bunseal verify: FAILED");
});

test("an error of any command is an annotation on GitHub Actions, and nothing elsewhere", async () => {
  const onRunner = await runCli(["build", join(work.path, "no-such-project"), "--no-sign"], { env: runner() });
  expect(onRunner.exitCode).toBe(2);
  expect(onRunner.stderr).toMatch(/^::error title=bunseal%3A [A-Z_]+::/m);
  const elsewhere = await runCli(["build", join(work.path, "no-such-project"), "--no-sign"], { env: { GITHUB_ACTIONS: "" } });
  expect(elsewhere.stderr).not.toContain("::error");
});

test("a build that fails writes a summary too (issue #20, item 15): the failure, its code and message", async () => {
  writeFileSync(join(work.path, "summary.md"), "");
  await using broken = await gitRepo({ "package.json": JSON.stringify({ name: "broken", private: true }), "bunseal.json": JSON.stringify({ service: "broken", entrypoints: ["src/index.ts"] }), "src/index.ts": "export const x = ;\n" });
  const out = await runCli(["build", broken.path, "--key", join(work.path, "keys", "bunseal.key")], { env: runner() });
  expect(out.exitCode).toBe(1);
  const summary = readFileSync(join(work.path, "summary.md"), "utf8");
  expect(summary).toStartWith("### bunseal build: FAILED\n");
  expect(summary).toContain("| code | BUILD_FAILED |");
  expect(out.stderr).toContain("::error title=bunseal%3A BUILD_FAILED::");
});

test("a usage error is annotated and summarised as any other failure (issue #20, item 15)", async () => {
  writeFileSync(join(work.path, "summary.md"), "");
  const out = await runCli(["verify", "x.tar", "--no-such-flag"], { env: runner() });
  expect(out.exitCode).toBe(2);
  expect(out.stderr).toContain("::error title=bunseal%3A USAGE::unknown option '--no-such-flag'");
  const summary = readFileSync(join(work.path, "summary.md"), "utf8");
  expect(summary).toStartWith("### bunseal verify: FAILED\n");
  expect(summary).toContain("| code | USAGE |");
});

describe("a step output file that cannot be written (issue #20, item 6)", () => {
  // a file in a folder that is not there, and a folder where a file is expected: unwritable for root too
  const unwritable = () => [join(work.path, "no-such-folder", "output"), work.path];
  const outDir = () => join(work.path, `out-${crypto.randomUUID()}`);
  const released = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

  test("refuses to build when GITHUB_OUTPUT cannot be written: exit 3 naming the variable and the file, and no tar or bundle left", async () => {
    for (const path of unwritable()) {
      const out = outDir();
      const built = await runCli(["build", repo.path, "--key", join(work.path, "keys", "bunseal.key"), "--out", out, "--json"], { env: { ...runner(), GITHUB_OUTPUT: path } });
      expect(built.exitCode).toBe(3);
      expect(built.json().error.code).toBe("CI_OUTPUT_UNWRITABLE");
      expect(built.stderr).toContain(`bunseal: CI_OUTPUT_UNWRITABLE: GITHUB_OUTPUT=${path} cannot be written (`);
      expect(built.stderr).not.toContain("This is a bug");
      expect(released(out)).toEqual([]);
    }
  });

  test("a GITHUB_OUTPUT that opens but cannot take the values (a full disk: /dev/full) fails the build after signing, and leaves no half release", async () => {
    const out = outDir();
    const built = await runCli(["build", repo.path, "--key", join(work.path, "keys", "bunseal.key"), "--out", out], { env: { ...runner(), GITHUB_OUTPUT: "/dev/full" } });
    expect(built.exitCode).toBe(3);
    expect(built.stderr).toContain("bunseal: CI_OUTPUT_UNWRITABLE: GITHUB_OUTPUT=/dev/full cannot be written (ENOSPC)");
    // it was built and signed; none of it stays, as no later step would know of it
    expect(released(out)).toEqual([]);
  });

  test("refuses to build when GITHUB_STEP_SUMMARY cannot be written", async () => {
    const out = outDir();
    const built = await runCli(["build", repo.path, "--key", join(work.path, "keys", "bunseal.key"), "--out", out], { env: { ...runner(), GITHUB_STEP_SUMMARY: unwritable()[0]! } });
    expect(built.exitCode).toBe(3);
    expect(built.stderr).toContain(`bunseal: CI_OUTPUT_UNWRITABLE: GITHUB_STEP_SUMMARY=${unwritable()[0]} cannot be written (`);
    expect(released(out)).toEqual([]);
  });

  test("refuses to build when GitLab's BUNSEAL_DOTENV cannot be written", async () => {
    for (const path of unwritable()) {
      const out = outDir();
      const built = await runCli(["build", repo.path, "--key", join(work.path, "keys", "bunseal.key"), "--out", out], { env: { GITHUB_ACTIONS: "", GITLAB_CI: "true", BUNSEAL_DOTENV: path } });
      expect(built.exitCode).toBe(3);
      expect(built.stderr).toContain(`bunseal: CI_OUTPUT_UNWRITABLE: BUNSEAL_DOTENV=${path} cannot be written (`);
      expect(released(out)).toEqual([]);
    }
  });

  test("verify with an unwritable GITHUB_OUTPUT is an environment error, not a bug", async () => {
    const built = (await runCli(["build", repo.path, "--key", join(work.path, "keys", "bunseal.key"), "--out", outDir(), "--json"])).json();
    const out = await runCli(["verify", built.artifact.path, "--key", join(work.path, "keys", "bunseal.pub")], { env: { ...runner(), GITHUB_OUTPUT: unwritable()[0]! } });
    expect(out.exitCode).toBe(3);
    expect(out.stderr).toContain(`bunseal: CI_OUTPUT_UNWRITABLE: GITHUB_OUTPUT=${unwritable()[0]} cannot be written (`);
    expect(out.stderr).not.toContain("This is a bug");
  });
});
