import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { runCli } from "./helpers/cli.ts";
import { exampleServiceRepo, readFixtureFiles } from "./helpers/example-service.ts";
import { cloneTo, git, gitCommitAll, gitRepo } from "./helpers/git.ts";
import { testdir } from "./helpers/testdir.ts";

describe("testdir", () => {
  test("writes nested text and binary files, then removes the folder", async () => {
    const dir = await testdir({ "a.txt": "hello", "deep/er/b.bin": new Uint8Array([0, 255, 7]) });
    expect(await readFile(join(dir.path, "a.txt"), "utf8")).toBe("hello");
    expect([...(await readFile(join(dir.path, "deep/er/b.bin")))]).toEqual([0, 255, 7]);
    await dir.cleanup();
    expect(existsSync(dir.path)).toBe(false);
  });

  test("is removed at the end of an `await using` block", async () => {
    let path: string;
    {
      await using dir = await testdir({ "x.ts": "export {}" });
      path = dir.path;
      expect((await stat(path)).isDirectory()).toBe(true);
    }
    expect(existsSync(path)).toBe(false);
  });

  test("refuses paths that would escape the folder", async () => {
    await expect(testdir({ "../escape.txt": "x" })).rejects.toThrow("expected a relative path inside the folder");
    await expect(testdir({ "/etc/escape.txt": "x" })).rejects.toThrow("expected a relative path inside the folder");
  });
});

describe("gitRepo", () => {
  const files = { "package.json": '{"name":"x"}\n', "src/index.ts": "console.log(1);\n" };

  test("gives the same commit hash for the same files and time", async () => {
    await using a = await gitRepo(files, { commitTime: 1_600_000_000 });
    await using b = await gitRepo(files, { commitTime: 1_600_000_000 });
    expect(a.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(b.commit).toBe(a.commit);
    expect(a.path).not.toBe(b.path);
  });

  test("gives a different commit for a different time or content", async () => {
    await using base = await gitRepo(files);
    await using later = await gitRepo(files, { commitTime: 1_800_000_000 });
    await using edited = await gitRepo({ ...files, "src/index.ts": "console.log(2);\n" });
    expect(later.commit).not.toBe(base.commit);
    expect(edited.commit).not.toBe(base.commit);
  });

  test("is on branch main, clean, with the remote and local identity set", async () => {
    await using repo = await gitRepo(files, { remote: "https://example.invalid/acme/x.git", message: "first" });
    expect(await git(repo.path, ["branch", "--show-current"])).toBe("main");
    expect(await git(repo.path, ["status", "--porcelain"])).toBe("");
    expect(await git(repo.path, ["remote", "get-url", "origin"])).toBe("https://example.invalid/acme/x.git");
    expect(await git(repo.path, ["config", "--local", "user.email"])).toBe("test@bunseal.invalid");
    expect(await git(repo.path, ["log", "-1", "--format=%s %at %ct"])).toBe("first 1700000000 1700000000");
  });

  test("gitCommitAll adds a commit on top, deterministically", async () => {
    await using a = await gitRepo(files);
    await using b = await gitRepo(files);
    await Bun.write(join(a.path, "src/extra.ts"), "export const x = 1;\n");
    await Bun.write(join(b.path, "src/extra.ts"), "export const x = 1;\n");
    const next = await gitCommitAll(a.path, "add extra", 1_700_000_100);
    expect(next).not.toBe(a.commit);
    expect(await gitCommitAll(b.path, "add extra", 1_700_000_100)).toBe(next);
    expect(await git(a.path, ["rev-parse", "HEAD~1"])).toBe(a.commit);
  });
});

describe("cloneTo", () => {
  test("a clone has the same HEAD as its source", async () => {
    await using repo = await gitRepo({ "README.md": "# x\n" });
    await using clone = await cloneTo(repo.path);
    expect(clone.commit).toBe(repo.commit);
    expect(clone.path).not.toBe(repo.path);
    expect(await readFile(join(clone.path, "README.md"), "utf8")).toBe("# x\n");
  });

  test("clones under a given parent folder", async () => {
    await using parent = await testdir();
    await using repo = await gitRepo({ "README.md": "# y\n" });
    const clone = await cloneTo(repo.path, parent.path);
    expect(clone.path.startsWith(parent.path)).toBe(true);
    expect(clone.commit).toBe(repo.commit);
    await clone.cleanup();
    expect(existsSync(clone.path)).toBe(false);
  });
});

describe("exampleServiceRepo", () => {
  test("leaves out local install and build output", async () => {
    const paths = Object.keys(await readFixtureFiles());
    expect(paths).toContain("bun.lock");
    expect(paths).toContain("bunseal.json");
    expect(paths.filter((p) => p.startsWith("node_modules/") || p.startsWith(".bunseal/"))).toEqual([]);
  });

  test("is a clean git repo with dependencies installed from the lockfile", async () => {
    await using repo = await exampleServiceRepo();
    expect(existsSync(join(repo.path, "node_modules", "hono", "package.json"))).toBe(true);
    // node_modules is ignored and the lockfile untouched, so the tree is what was committed.
    expect(await git(repo.path, ["status", "--porcelain"])).toBe("");
  }, 60_000);

  test("commits the fixture at the same hash every time", async () => {
    await using a = await exampleServiceRepo();
    await using b = await exampleServiceRepo();
    expect(b.commit).toBe(a.commit);
  }, 60_000);
});

describe("runCli", () => {
  test("reports exit code and streams of the child process", async () => {
    // The bin may not exist yet; either way the helper must return, not throw.
    const result = await runCli(["--version"]);
    expect(typeof result.exitCode).toBe("number");
    expect(typeof result.stdout).toBe("string");
    expect(typeof result.stderr).toBe("string");
  });
});
