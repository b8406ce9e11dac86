/**
 * Batch verify (issue #11): a release gate checks many artifacts in one
 * process. `verify A B C` and `--from FILE` (or `-`) answer
 * `{verified, results: [...]}`, exit 1 when any fails, each failure with its
 * artifact; one artifact keeps the single-artifact output.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cliCommand, runCli } from "../helpers/cli.ts";
import { gitRepo, type GitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(120_000);

let keys: TestDir;
const repos: GitRepo[] = [];
const artifacts: string[] = [];

beforeAll(async () => {
  keys = await makeTempDir("bunseal-batch-keys-");
  expect((await runCli(["keygen", "--out", keys.path])).exitCode).toBe(0);
  for (const name of ["alpha", "beta", "gamma"]) {
    const repo = await gitRepo({ "package.json": JSON.stringify({ name, private: true }), "bunseal.json": JSON.stringify({ service: name, entrypoints: ["src/index.ts"] }), "src/index.ts": `console.log(${JSON.stringify(name)});\n` });
    repos.push(repo);
    const built = await runCli(["build", repo.path, "--key", join(keys.path, "bunseal.key"), "--json"]);
    expect(built.exitCode).toBe(0);
    artifacts.push(built.json().artifact.path);
  }
});
afterAll(async () => {
  await Promise.all([keys?.cleanup(), ...repos.map((r) => r.cleanup())]);
});

const pub = () => join(keys.path, "bunseal.pub");

test("several artifacts verify in one process: one report, every result", async () => {
  const out = await runCli(["verify", ...artifacts, "--key", pub(), "--json"]);
  expect(out.exitCode).toBe(0);
  const report = out.json();
  expect(report.verified).toBe(true);
  expect(report.results.map((r: { artifact: { path: string } }) => r.artifact.path)).toEqual(artifacts);
  expect(report.results.map((r: { provenance: { service: string } }) => r.provenance.service)).toEqual(["alpha", "beta", "gamma"]);
});

test("one tampered artifact fails the batch with exit 1, named with its failure, and the others still verify", async () => {
  await using copy = await makeTempDir("bunseal-batch-tamper-");
  const tampered = join(copy.path, "beta.tar");
  const bytes = await Bun.file(artifacts[1]!).bytes();
  bytes[bytes.length - 2000]! ^= 1;
  writeFileSync(tampered, bytes);
  writeFileSync(`${tampered}.sigstore.json`, await Bun.file(`${artifacts[1]}.sigstore.json`).text());
  const out = await runCli(["verify", artifacts[0]!, tampered, artifacts[2]!, "--key", pub(), "--json"]);
  expect(out.exitCode).toBe(1);
  const report = out.json();
  expect(report.verified).toBe(false);
  expect(report.results.map((r: { verified: boolean }) => r.verified)).toEqual([true, false, true]);
  expect(report.results[1].artifact.path).toBe(tampered);
  expect(report.results[1].failures[0].code).toBe("SUBJECT_MISMATCH");
  const human = await runCli(["verify", artifacts[0]!, tampered, "--key", pub()]);
  expect(human.stdout).toContain(`FAILED ${tampered}: SUBJECT_MISMATCH`);
});

test("--from reads the list from a file or standard input, and a missing file is that entry's failure", async () => {
  await using dir = await makeTempDir("bunseal-batch-list-");
  const list = join(dir.path, "artifacts.txt");
  writeFileSync(list, `# release 1.2\n${artifacts.join("\n")}\n${join(dir.path, "missing.tar")}\n`);
  const fromFile = await runCli(["verify", "--from", list, "--key", pub(), "--json"]);
  expect(fromFile.exitCode).toBe(1);
  expect(fromFile.json().results.map((r: { verified: boolean }) => r.verified)).toEqual([true, true, true, false]);
  const proc = Bun.spawn(cliCommand(["verify", "--from", "-", "--key", pub(), "--json"]), { stdin: new TextEncoder().encode(artifacts.join("\n")), stdout: "pipe", stderr: "pipe" });
  const [stdout, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  expect(code).toBe(0);
  expect(JSON.parse(stdout).results).toHaveLength(3);
});

test("--bundle with several artifacts is a usage error", async () => {
  const out = await runCli(["verify", artifacts[0]!, artifacts[1]!, "--bundle", `${artifacts[0]}.sigstore.json`, "--key", pub(), "--json"]);
  expect(out.exitCode).toBe(2);
  expect(out.json().error.code).toBe("USAGE");
});
