/**
 * Git can be told to lie (issue #18, Why 6): whatever an install script can
 * write into `.git`, or a hostile HOME into a git configuration, must neither
 * change what the record says about the source nor run a program beside the
 * key. Each test is one attack, through the real CLI on a real repository.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { runCli } from "../helpers/cli.ts";
import { git, gitCommitAll } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";
import { boundarySetup, hostileRepo, leftIn, outDir, outputsOf, statementOf } from "./hostile-repo.ts";

const { key, pub, scratch } = boundarySetup("bunseal-git-lies-");


const COMMITTED = "console.log('committed');\n";
const CHANGED = "console.log('changed after the commit');\n";

/** Builds with the real key; a refusal must be SOURCE_DIRTY naming `path`, with nothing written. */
async function expectDirty(repoPath: string, path: string): Promise<void> {
  const refused = await runCli(["build", ".", "--key", key(), "--json"], { cwd: repoPath });
  expect(refused.exitCode).toBe(2);
  const error = refused.json().error;
  expect(error.code).toBe("SOURCE_DIRTY");
  expect(error.message).toContain("uncommitted change(s); expected a clean checkout of");
  expect(error.message).toContain(path);
  expect(leftIn(join(repoPath, ".bunseal", "out"))).toEqual([]);
}

describe("the index cannot hide a change", () => {
  test("rejects a changed file flagged --assume-unchanged", async () => {
    await using repo = await hostileRepo({ "src/index.ts": COMMITTED });
    writeFileSync(join(repo.path, "src/index.ts"), CHANGED);
    await git(repo.path, ["update-index", "--assume-unchanged", "src/index.ts"]);
    await expectDirty(repo.path, "src/index.ts");
  });

  test("rejects a changed file flagged --skip-worktree", async () => {
    await using repo = await hostileRepo({ "src/index.ts": COMMITTED });
    writeFileSync(join(repo.path, "src/index.ts"), CHANGED);
    await git(repo.path, ["update-index", "--skip-worktree", "src/index.ts"]);
    await expectDirty(repo.path, "src/index.ts");
  });

  test("rejects a new file that is staged but not committed", async () => {
    await using repo = await hostileRepo({ "src/index.ts": COMMITTED });
    writeFileSync(join(repo.path, "src/extra.ts"), "export const extra = 1;\n");
    await git(repo.path, ["add", "src/extra.ts"]);
    await expectDirty(repo.path, "src/extra.ts");
  });

  test("rejects a file whose executable bit changed", async () => {
    await using repo = await hostileRepo({ "src/index.ts": COMMITTED });
    chmodSync(join(repo.path, "src/index.ts"), 0o755);
    await git(repo.path, ["update-index", "--assume-unchanged", "src/index.ts"]);
    await expectDirty(repo.path, "src/index.ts");
  });

  test("an ignored file force-added to the index stays hidden from the build", async () => {
    // `git add -f` puts an ignored file in the index; the index must not decide what the sandbox shows
    await using repo = await hostileRepo(
      {
        "src/macro.ts": `import { readFileSync } from "node:fs";\nexport function probe(): string { try { return readFileSync("secrets.json", "utf8"); } catch { return "hidden"; } }\n`,
        "src/index.ts": `import { probe } from "./macro.ts" with { type: "macro" };\nconsole.log(probe());\n`,
      },
      { ignore: ["secrets.json"] },
    );
    writeFileSync(join(repo.path, "secrets.json"), '{"token":"from-the-staged-ignored-file"}');
    await git(repo.path, ["add", "-f", "secrets.json"]);
    const built = await runCli(["build", ".", "--key", key(), "--json"], { cwd: repo.path });
    expect(built.exitCode).toBe(0);
    const index = (await outputsOf(built.json().artifact.path)).get("index.js")!;
    expect(index).toContain("hidden");
    expect(index).not.toContain("from-the-staged-ignored-file");
  });
});

describe("the object database cannot be told to lie", () => {
  /** HEAD is commit A; B is another commit whose files are in the work tree. */
  async function twoCommits() {
    const repo = await hostileRepo({ "src/index.ts": COMMITTED });
    const a = repo.commit;
    writeFileSync(join(repo.path, "src/index.ts"), CHANGED);
    const b = await gitCommitAll(repo.path, "the other commit");
    await git(repo.path, ["reset", "-q", "--hard", a]);
    writeFileSync(join(repo.path, "src/index.ts"), CHANGED);
    return { repo, a, b };
  }

  test("rejects git replace A B over B's files: the record would say commit A, clean", async () => {
    const { repo, a, b } = await twoCommits();
    await using _ = repo;
    await git(repo.path, ["replace", a, b]);
    // with the replacement honoured, the index now agrees with B's files and git status says clean
    await git(repo.path, ["reset", "-q"]);
    expect(await git(repo.path, ["status", "--porcelain"])).toBe("");
    await expectDirty(repo.path, "src/index.ts");
    // allowed to be dirty, the record names the real HEAD and says what differs from it
    const built = await runCli(["build", ".", "--key", key(), "--allow-dirty", "--json"], { cwd: repo.path });
    expect(built.exitCode).toBe(0);
    const source = statementOf(built.json().bundle.path).predicate.buildDefinition.externalParameters.source;
    expect(source).toMatchObject({ commit: a, dirty: true, changedPaths: ["src/index.ts"] });
    // so "built from A" is no claim a release gate accepts unasked
    const claim = await runCli(["verify", built.json().artifact.path, "--key", pub(), "--commit", a, "--json"], { cwd: repo.path });
    expect(claim.exitCode).toBe(1);
    expect(JSON.stringify(claim.json())).toContain("uncommitted change(s); accept that explicitly");
  });

  test("rejects a graft in .git/info/grafts over B's files", async () => {
    const { repo, a, b } = await twoCommits();
    await using _ = repo;
    // a graft rewrites parents only; with B's tree in the index as well, only content decides
    writeFileSync(join(repo.path, ".git", "info", "grafts"), `${a} ${b}\n`);
    await git(repo.path, ["read-tree", b]);
    await expectDirty(repo.path, "src/index.ts");
  });

  test("rejects a commit object rewritten in place to carry another commit's tree", async () => {
    const { repo, a, b } = await twoCommits();
    await using _ = repo;
    await git(repo.path, ["read-tree", b]);
    // A's loose object now holds B's bytes: git reads it without checking the id
    const body = await git(repo.path, ["cat-file", "commit", b]);
    const object = join(repo.path, ".git", "objects", a.slice(0, 2), a.slice(2));
    writeFileSync(`${object}.forged`, deflateSync(Buffer.concat([Buffer.from(`commit ${Buffer.byteLength(body + "\n")}\0`), Buffer.from(body + "\n")])));
    renameSync(`${object}.forged`, object);
    expect(await git(repo.path, ["status", "--porcelain"])).toBe("");
    const refused = await runCli(["build", ".", "--key", key(), "--json"], { cwd: repo.path });
    expect(refused.exitCode).toBe(2);
    const error = refused.json().error;
    expect(error.code).toBe("SOURCE_CORRUPT");
    expect(error.message).toContain(`git object ${a}`);
    expect(error.message).toContain("the object was rewritten");
    expect(leftIn(outDir(repo))).toEqual([]);
  });
});

describe("no git configuration runs a program during build", () => {
  const MONITOR = (marker: string) => `#!/bin/sh\necho "$PPID $*" >> ${marker}\necho /\nexit 0\n`;

  test("core.fsmonitor in .git/config is never run by bunseal build", async () => {
    await using repo = await hostileRepo({ "src/index.ts": COMMITTED });
    const marker = join(scratch(), `fsmonitor-repo-${crypto.randomUUID()}`);
    const monitor = join(scratch(), `fsmonitor-${crypto.randomUUID()}.sh`);
    writeFileSync(monitor, MONITOR(marker), { mode: 0o755 });
    await git(repo.path, ["config", "core.fsmonitor", monitor]);
    // the attack is real: git runs it on a plain status
    await git(repo.path, ["status", "--porcelain"]);
    expect(existsSync(marker)).toBe(true);
    const before = readFileSync(marker, "utf8");
    const built = await runCli(["build", ".", "--key", key(), "--json"], { cwd: repo.path });
    expect(built.exitCode).toBe(0);
    expect(readFileSync(marker, "utf8")).toBe(before);
  });

  test("core.fsmonitor in a hostile HOME's .gitconfig (and XDG config) is never run by bunseal build", async () => {
    await using repo = await hostileRepo({ "src/index.ts": COMMITTED });
    const home = join(scratch(), `home-${crypto.randomUUID()}`);
    const marker = join(scratch(), `fsmonitor-home-${crypto.randomUUID()}`);
    mkdirSync(join(home, ".config", "git"), { recursive: true });
    writeFileSync(join(home, "monitor.sh"), MONITOR(marker), { mode: 0o755 });
    const config = `[core]\n\tfsmonitor = ${join(home, "monitor.sh")}\n[safe]\n\tdirectory = *\n`;
    writeFileSync(join(home, ".gitconfig"), config);
    writeFileSync(join(home, ".config", "git", "config"), config);
    const built = await runCli(["build", ".", "--key", key(), "--json"], { cwd: repo.path, env: { HOME: home, XDG_CONFIG_HOME: join(home, ".config") } });
    expect(built.exitCode).toBe(0);
    expect(existsSync(marker)).toBe(false);
  });
});

describe("no git configuration runs a program during rebuild's checkout", () => {
  test("a hooks path in .git/config and in a hostile HOME, and a template's post-checkout, are never run", async () => {
    await using repo = await hostileRepo({ "src/index.ts": COMMITTED });
    const built = await runCli(["build", ".", "--key", key(), "--json"], { cwd: repo.path });
    expect(built.exitCode).toBe(0);
    const marker = join(scratch(), `hook-${crypto.randomUUID()}`);
    const hooks = join(scratch(), `hooks-${crypto.randomUUID()}`);
    mkdirSync(join(hooks, "hooks"), { recursive: true });
    for (const name of ["post-checkout", "reference-transaction", "post-index-change"]) {
      writeFileSync(join(hooks, "hooks", name), `#!/bin/sh\necho ${name} >> ${marker}\n`, { mode: 0o755 });
    }
    writeFileSync(join(repo.path, ".git", "hooks", "post-checkout"), `#!/bin/sh\necho repo-hook >> ${marker}\n`, { mode: 0o755 });
    await git(repo.path, ["config", "core.hooksPath", join(hooks, "hooks")]);
    const home = join(scratch(), `home-${crypto.randomUUID()}`);
    mkdirSync(home);
    writeFileSync(join(home, ".gitconfig"), `[core]\n\thooksPath = ${join(hooks, "hooks")}\n[init]\n\ttemplateDir = ${hooks}\n[safe]\n\tdirectory = *\n`);
    const rebuilt = await runCli(["rebuild", built.json().bundle.path, "--key", pub(), "--source", repo.path, "--max-experiments", "0", "--json"], { cwd: repo.path, env: { HOME: home } });
    expect(rebuilt.exitCode, rebuilt.stderr).toBe(0);
    expect(rebuilt.json().reproducible).toBe(true);
    expect(existsSync(marker)).toBe(false);
  });
});
