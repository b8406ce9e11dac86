/**
 * Issue #19, item 9: `bunseal init` git-ignores bunseal's default out folder
 * (`.bunseal/`) in the project's .gitignore, so a build leaves no `?? .bunseal/`
 * in `git status` (8 of 10 real repositories showed it, up to 110 MB).
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { symlink } from "node:fs/promises";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { git, gitCommitAll, gitRepo } from "../helpers/git.ts";
import { testdir } from "../helpers/testdir.ts";

// a repository and a CLI run a case, six cases in one test: more than bun test's 5 s on a loaded machine
setDefaultTimeout(60_000);

const PKG = JSON.stringify({ name: "@acme/api", scripts: { build: "bun build src/index.ts --target bun --outdir dist" } });
const read = (path: string) => Bun.file(path).text();

describe("bunseal init and .gitignore", () => {
  test("a build after init leaves git status clean: .bunseal/ is ignored by a .gitignore init created", async () => {
    await using repo = await gitRepo({ "package.json": PKG, "src/index.ts": "export const x = 1;\n" });
    expect((await runCli(["init", repo.path])).exitCode).toBe(0);
    expect(await read(join(repo.path, ".gitignore"))).toBe(".bunseal/\n");
    await gitCommitAll(repo.path, "bunseal init");
    const built = await runCli(["build", repo.path, "--no-sign", "--json"]);
    expect(built.exitCode).toBe(0);
    expect(built.json().artifact.path).toStartWith(join(repo.path, ".bunseal", "out"));
    expect(await git(repo.path, ["status", "--porcelain", "--untracked-files=all"])).toBe("");
  });

  test("an existing .gitignore keeps its lines and gets .bunseal/ once, however often init runs", async () => {
    await using dir = await testdir({ "package.json": PKG, ".gitignore": "node_modules\ndist" });
    expect((await runCli(["init", dir.path])).exitCode).toBe(0);
    expect((await runCli(["init", dir.path, "--force"])).exitCode).toBe(0);
    expect(await read(join(dir.path, ".gitignore"))).toBe("node_modules\ndist\n.bunseal/\n");
  });

  test("a .gitignore that already ignores the folder, in any of git's spellings, is left as it was", async () => {
    for (const line of [".bunseal", "/.bunseal/", ".bunseal/*", "**/.bunseal", ".bunseal/  ", ".bunseal/\r"]) {
      await using repo = await gitRepo({ "package.json": PKG, ".gitignore": `dist\n${line}\n`, "keep.txt": "x" });
      // git's own reading, so the list of spellings is held to git, not to itself
      await Bun.write(join(repo.path, ".bunseal", "out", "a.tar"), "tar");
      expect({ line, ignored: await git(repo.path, ["check-ignore", ".bunseal/out/a.tar"]) }).toEqual({ line, ignored: ".bunseal/out/a.tar" });
      expect((await runCli(["init", repo.path])).exitCode).toBe(0);
      expect(await read(join(repo.path, ".gitignore"))).toBe(`dist\n${line}\n`);
    }
  });

  test("a .gitignore that is a link is not followed: refused (exit 2), nothing written", async () => {
    await using dir = await testdir({ "package.json": PKG, "secret.key": "PRIVATE KEY" });
    await symlink(join(dir.path, "secret.key"), join(dir.path, ".gitignore"));
    const result = await runCli(["init", dir.path, "--json"]);
    expect(result.exitCode).toBe(2);
    expect(result.json().error).toMatchObject({ code: "INPUT_UNREADABLE", file: join(dir.path, ".gitignore"), message: expect.stringContaining("expected a regular file, got a symbolic link") });
    expect(await read(join(dir.path, "secret.key"))).toBe("PRIVATE KEY");
    expect(await Bun.file(join(dir.path, "bunseal.json")).exists()).toBe(false);
  });

  test("a later negation un-ignores it, so the line is added after it", async () => {
    await using repo = await gitRepo({ "package.json": PKG, ".gitignore": ".bunseal/\n!.bunseal/\n" });
    expect((await runCli(["init", repo.path])).exitCode).toBe(0);
    expect(await read(join(repo.path, ".gitignore"))).toBe(".bunseal/\n!.bunseal/\n.bunseal/\n");
    await Bun.write(join(repo.path, ".bunseal", "out", "a.tar"), "tar");
    expect(await git(repo.path, ["check-ignore", ".bunseal/out/a.tar"])).toBe(".bunseal/out/a.tar");
  });

  test("--dry-run touches no .gitignore, and a refused init neither", async () => {
    await using dir = await testdir({ "package.json": PKG });
    expect((await runCli(["init", dir.path, "--dry-run"])).exitCode).toBe(0);
    expect(await Bun.file(join(dir.path, ".gitignore")).exists()).toBe(false);
    await Bun.write(join(dir.path, "bunseal.json"), "{}\n");
    expect((await runCli(["init", dir.path])).exitCode).toBe(2);
    expect(await Bun.file(join(dir.path, ".gitignore")).exists()).toBe(false);
  });
});
