/**
 * On GitHub Actions (issue #11, item 2): build writes digest, artifact-path and
 * bundle-path to GITHUB_OUTPUT and a summary to GITHUB_STEP_SUMMARY; verify
 * writes verified=true|false; failures become ::error annotations (on stderr,
 * so --json on stdout stays one JSON value). Run under a simulated runner:
 * the variables the runner sets, and real files for it to read.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
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
  const built = await runCli(["build", repo.path, "--key", join(work.path, "keys", "bunseal.key"), "--json"], { env: runner() });
  expect(built.exitCode).toBe(0);
  const result = built.json();
  expect(outputs()).toEqual({ digest: result.artifact.digest, "artifact-path": result.artifact.path, "bundle-path": result.bundle.path });
  const summary = readFileSync(join(work.path, "summary.md"), "utf8");
  expect(summary).toContain("### bunseal build: gha");
  expect(summary).toContain(result.artifact.digest);
  expect(summary).toContain(repo.commit);

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
