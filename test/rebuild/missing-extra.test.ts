/**
 * Issue #19, item 6: `inputs.extra` names files made outside bunseal (git
 * ignores them). A fresh clone has none of them: `rebuild` answered
 * CONFIG_INVALID "matches no file", exit 2, as if the config were wrong. The
 * config is what was built; the checkout lacks an input the original read,
 * which is the rebuild's finding: input-drift naming the glob and the files
 * it matched, NOT REPRODUCIBLE, exit 1. `build` keeps CONFIG_INVALID: there
 * the user can make the file before building.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { gitRepo, type GitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(120_000);

let repo: GitRepo;
let work: TestDir;
let bundle: string;
const VERSION_TXT = "1.2.3\n";
const VERSION_SHA256 = new Bun.CryptoHasher("sha256").update(VERSION_TXT).digest("hex");

beforeAll(async () => {
  work = await makeTempDir("bunseal-missing-extra-");
  await runCli(["keygen", "--out", work.path]);
  repo = await gitRepo({
    ".gitignore": "gen/\n",
    "gen/version.txt": VERSION_TXT,
    "src/index.ts": 'import version from "../gen/version.txt" with { type: "text" };\nconsole.log(version.trim());\n',
    "bunseal.json": JSON.stringify({ service: "extra-made-outside", entrypoints: ["src/index.ts"], inputs: { extra: ["gen/*.txt"] } }),
  });
  const built = await runCli(["build", repo.path, "--key", join(work.path, "bunseal.key"), "--out", join(work.path, "out"), "--json"]);
  if (built.exitCode !== 0) throw new Error(`build failed: ${built.stdout}${built.stderr}`);
  bundle = built.json().bundle.path;
});
afterAll(async () => {
  await Promise.all([repo?.cleanup(), work?.cleanup()]);
});

describe("an inputs.extra file the rebuild's checkout lacks", () => {
  test("is an input-drift finding naming the glob and the file it matched: NOT REPRODUCIBLE, exit 1, not CONFIG_INVALID", async () => {
    const out = await runCli(["rebuild", bundle, "--key", join(work.path, "bunseal.pub"), "--json"]);
    expect(out.exitCode, out.stdout + out.stderr).toBe(1);
    const report = out.json();
    expect(report.error).toBeUndefined();
    expect(report.reproducible).toBe(false);
    expect(report.artifact.rebuilt).toBeNull();
    expect(report.causes).toEqual([
      {
        kind: "input-drift",
        file: "gen/*.txt",
        evidence: `bunseal.json: inputs.extra[0] "gen/*.txt" matches no file in the checkout; the original build read gen/version.txt (sha256 ${VERSION_SHA256}) there, made outside bunseal: make it before the rebuild, or generate it with "prebuild"`,
      },
    ]);
  });

  test("the text report says NOT REPRODUCIBLE and names the glob", async () => {
    const out = await runCli(["rebuild", bundle, "--key", join(work.path, "bunseal.pub")]);
    expect(out.exitCode).toBe(1);
    expect(out.stdout).toContain("NOT REPRODUCIBLE: extra-made-outside-");
    expect(out.stdout).toContain("  rebuilt  nothing: an input the original read is missing");
    expect(out.stdout).toContain('  input-drift in gen/*.txt: bunseal.json: inputs.extra[0] "gen/*.txt" matches no file in the checkout');
  });

  test("on GitHub Actions, the summary says nothing was rebuilt and gives the cause; the failure is annotated", async () => {
    const summary = join(work.path, "summary.md");
    writeFileSync(summary, "");
    const out = await runCli(["rebuild", bundle, "--key", join(work.path, "bunseal.pub"), "--json"], { env: { GITHUB_ACTIONS: "true", GITHUB_STEP_SUMMARY: summary } });
    expect(out.exitCode).toBe(1);
    const markdown = readFileSync(summary, "utf8");
    expect(markdown).toContain("### bunseal rebuild: NOT REPRODUCIBLE");
    expect(markdown).toContain("| rebuilt | nothing: an input the original read is missing |");
    expect(markdown).toContain("| input-drift |");
    expect(out.stderr).toContain("::error title=bunseal rebuild::NOT REPRODUCIBLE: extra-made-outside-");
  });

  test("with --store, the verdict is not stored (the store keeps rebuilds by the artifact they made), and the warning says so", async () => {
    const store = join(work.path, "store.db");
    const out = await runCli(["rebuild", bundle, "--key", join(work.path, "bunseal.pub"), "--store", `sqlite:${store}`, "--json"]);
    expect(out.exitCode).toBe(1);
    expect(out.json().reproducible).toBe(false);
    expect(out.stderr).toContain("warning: nothing was rebuilt (an input the original read is missing), so the store records no rebuild");
  });

  test("build, where the user can make the file first, keeps CONFIG_INVALID (exit 2)", async () => {
    rmSync(join(repo.path, "gen"), { recursive: true });
    const out = await runCli(["build", repo.path, "--no-sign", "--json"]);
    expect(out.exitCode).toBe(2);
    expect(out.json().error.code).toBe("CONFIG_INVALID");
    expect(out.json().error.message).toContain('inputs.extra[0] "gen/*.txt" matches no file');
  });
});
