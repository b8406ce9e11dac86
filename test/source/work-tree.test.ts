/**
 * The content comparison behind the recorded dirty state (src/source/work-tree.ts):
 * each way a work tree can differ from its commit, on real repositories, in both
 * of git's object formats, with submodules, and read by another user than the owner.
 */
import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { BunsealError } from "../../src/errors.ts";
import { readHead, readSource } from "../../src/source/git.ts";
import { objectId, parseTree } from "../../src/source/objects.ts";
import { changedPaths } from "../../src/source/work-tree.ts";
import { REPO_ROOT } from "../helpers/cli.ts";
import { git, gitCommitAll, gitRepo } from "../helpers/git.ts";
import { makeTempDir } from "../helpers/testdir.ts";

const changes = async (root: string, ignore: string[] = []) => changedPaths(root, await git(root, ["rev-parse", "HEAD"]), { ignore });

describe("the work tree against its commit, by content", () => {
  test("a clean checkout has no changes; changed, deleted and new files each count", async () => {
    await using repo = await gitRepo({ ".gitignore": "*.log\n", "a.ts": "1", "b/c.ts": "2", "d.ts": "3" });
    expect(await changes(repo.path)).toEqual([]);
    writeFileSync(join(repo.path, "a.ts"), "changed");
    unlinkSync(join(repo.path, "d.ts"));
    writeFileSync(join(repo.path, "b/new.ts"), "new");
    writeFileSync(join(repo.path, "debug.log"), "ignored, so no change");
    expect(await changes(repo.path)).toEqual(["a.ts", "b/new.ts", "d.ts"]);
  });

  test("the files shown to be the commit's are given with their sha256 from the same read; changed ones are not", async () => {
    await using repo = await gitRepo({ "a.ts": "one", "b/c.ts": "two", "d.ts": "three" });
    symlinkSync("a.ts", join(repo.path, "link"));
    await gitCommitAll(repo.path, "link");
    writeFileSync(join(repo.path, "d.ts"), "changed");
    const head = await readHead(repo.path);
    const digests = new Map<string, { sha256: string; size: number }>();
    expect(await changedPaths(repo.path, head.commit, { digests })).toEqual(["d.ts"]);
    const sha = (text: string) => new Bun.CryptoHasher("sha256").update(text).digest("hex");
    // a link's digest would be of its target text, not of a file the build reads: links are left to the inputs stage
    expect(Object.fromEntries(digests)).toEqual({ "a.ts": { sha256: sha("one"), size: 3 }, "b/c.ts": { sha256: sha("two"), size: 3 } });
  });

  test("the same bytes with another executable bit, or a folder where a file was, are changes", async () => {
    await using repo = await gitRepo({ "run.sh": "#!/bin/sh\n", "x": "x" });
    chmodSync(join(repo.path, "run.sh"), 0o755);
    rmSync(join(repo.path, "x"));
    mkdirSync(join(repo.path, "x"));
    writeFileSync(join(repo.path, "x", "inside"), "x");
    expect(await changes(repo.path)).toEqual(["run.sh", "x", "x/inside"]);
  });

  test("a symbolic link is compared by its target, and a file with the target's text is not a link", async () => {
    await using repo = await gitRepo({ "target.txt": "t" });
    symlinkSync("target.txt", join(repo.path, "link"));
    symlinkSync("target.txt", join(repo.path, "link2"));
    await gitCommitAll(repo.path, "links");
    expect(await changes(repo.path)).toEqual([]);
    unlinkSync(join(repo.path, "link"));
    symlinkSync("/etc/passwd", join(repo.path, "link"));
    unlinkSync(join(repo.path, "link2"));
    writeFileSync(join(repo.path, "link2"), "target.txt");
    expect(await changes(repo.path)).toEqual(["link", "link2"]);
  });

  test("a folder replaced by a link to a copy elsewhere is a change", async () => {
    await using repo = await gitRepo({ "src/a.ts": "1" });
    await using elsewhere = await makeTempDir("bunseal-elsewhere-");
    mkdirSync(join(elsewhere.path, "src"));
    writeFileSync(join(elsewhere.path, "src", "a.ts"), "1");
    rmSync(join(repo.path, "src"), { recursive: true });
    symlinkSync(join(elsewhere.path, "src"), join(repo.path, "src"));
    expect(await changes(repo.path)).toContain("src");
  });

  test("bunseal's own folders do not count, tracked or not", async () => {
    await using repo = await gitRepo({ "a.ts": "1", ".bunseal/config-note": "tracked" });
    writeFileSync(join(repo.path, ".bunseal/config-note"), "changed");
    writeFileSync(join(repo.path, ".bunseal/out.tar"), "new");
    expect(await changes(repo.path, [".bunseal"])).toEqual([]);
  });

  test("a sha256 repository is read and compared with sha256 object ids", async () => {
    await using dir = await makeTempDir("bunseal-sha256-");
    writeFileSync(join(dir.path, "a.ts"), "1");
    await git(dir.path, ["init", "-q", "-b", "main", "--object-format=sha256"]);
    const commit = await gitCommitAll(dir.path, "sha256");
    expect(commit).toMatch(/^[0-9a-f]{64}$/);
    const source = await readSource(dir.path);
    expect(source).toMatchObject({ commit, dirty: false, commitTime: 1_700_000_000 });
    writeFileSync(join(dir.path, "a.ts"), "2");
    expect((await readSource(dir.path, { allowDirty: true })).changedPaths).toEqual(["a.ts"]);
  });

  test("a submodule counts as changed when moved to another commit or when its own files change; never checked out, it is clean", async () => {
    await using lib = await gitRepo({ "lib.ts": "export const v = 1;\n" });
    await using repo = await gitRepo({ "a.ts": "1" });
    await git(repo.path, ["-c", "protocol.file.allow=always", "submodule", "--quiet", "add", lib.path, "lib"]);
    await gitCommitAll(repo.path, "with lib");
    expect(await changes(repo.path)).toEqual([]);

    writeFileSync(join(repo.path, "lib/lib.ts"), "export const v = 2;\n");
    writeFileSync(join(repo.path, "lib/untracked.ts"), "new");
    expect(await changes(repo.path)).toEqual(["lib/lib.ts", "lib/untracked.ts"]);

    await gitCommitAll(join(repo.path, "lib"), "moved");
    expect(await changes(repo.path)).toEqual(["lib"]);

    await git(repo.path, ["submodule", "--quiet", "deinit", "--force", "lib"]);
    expect(statSync(join(repo.path, "lib")).isDirectory()).toBe(true);
    expect(await changes(repo.path)).toEqual([]);
    // a dozen git commands: slow on a loaded machine
  }, 30_000);
});

describe("git is asked nothing the repository's configuration can change", () => {
  test("rejects core.worktree pointing at a decoy folder that holds the commit's files", async () => {
    await using repo = await gitRepo({ "a.ts": "committed" });
    await using decoy = await makeTempDir("bunseal-decoy-");
    writeFileSync(join(decoy.path, "a.ts"), "committed");
    writeFileSync(join(repo.path, "a.ts"), "changed");
    await git(repo.path, ["config", "core.worktree", decoy.path]);
    const error = (await readSource(repo.path).catch((e) => e)) as BunsealError;
    expect(error.code).toBe("SOURCE_NOT_GIT");
    expect(error.message).toContain(`expected the git work tree to contain the project, got ${decoy.path}`);
  });

  test("reads a repository another user owns (root in CI over a checkout, a user over root's)", async () => {
    if (userInfo().uid === 0) {
      // as root: a repository owned by the unprivileged CI user
      await using repo = await gitRepo({ "a.ts": "1" });
      const ci = Bun.spawnSync(["id", "-u", "bunseal-ci"]).stdout.toString().trim();
      const uid = Number.parseInt(ci || "65534", 10);
      const chownAll = (path: string) => Bun.spawnSync(["chown", "-R", `${uid}`, path]);
      chownAll(repo.path);
      expect(statSync(join(repo.path, ".git")).uid).toBe(uid);
      expect(await readSource(repo.path)).toMatchObject({ commit: repo.commit, dirty: false });
    } else {
      // as a user: this checkout of bunseal, owned by someone else when the tests run as another user than the one who cloned
      const owner = statSync(REPO_ROOT).uid;
      expect(owner).not.toBe(userInfo().uid);
      const head = await readHead(REPO_ROOT);
      expect(head.commit).toBe(await git(REPO_ROOT, ["-c", "safe.directory=*", "rev-parse", "HEAD"]));
    }
  });
});

describe("objects are parsed by bunseal", () => {
  test("an object id is the hash of its type, size and bytes", () => {
    expect(objectId("sha1", "blob", new TextEncoder().encode("hello\n"))).toBe("ce013625030ba8dba906f756967f9e9ca394464a");
  });

  test("rejects a crafted tree entry named .. or .git", () => {
    const entry = (name: string) => Buffer.concat([Buffer.from(`100644 ${name}\0`), Buffer.alloc(20, 1)]);
    expect(parseTree(entry("ok.ts"), "sha1")).toEqual([{ mode: "100644", name: "ok.ts", id: "01".repeat(20) }]);
    for (const name of ["..", ".git", ".GIT", "a/b"]) {
      const error = (() => {
        try {
          parseTree(entry(name), "sha1");
        } catch (e) {
          return e as BunsealError;
        }
      })();
      expect(error?.code).toBe("SOURCE_CORRUPT");
      expect(error?.message).toContain(`expected a tree entry name, got ${JSON.stringify(name)}`);
    }
  });
});
