import { describe, expect, test } from "bun:test";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { normalizeRemote, parseStatus, readSource, sourceUri, stripCredentials } from "../../src/source/git.ts";
import { BunsealError } from "../../src/errors.ts";
import { DEFAULT_COMMIT_TIME, gitRepo } from "../helpers/git.ts";
import { testdir } from "../helpers/testdir.ts";

describe("source", () => {
  test("records commit, commit time, remote and ref of a clean repository", async () => {
    await using repo = await gitRepo({ "app/package.json": "{}" }, { remote: "https://github.com/acme/shop.git" });
    const source = await readSource(join(repo.path, "app"));
    expect(source.commit).toBe(repo.commit);
    expect(source.commitTime).toBe(DEFAULT_COMMIT_TIME);
    expect(source.subdir).toBe("app");
    expect(source.ref).toBe("refs/heads/main");
    expect(source.dirty).toBe(false);
    expect(sourceUri(source)).toBe("git+https://github.com/acme/shop.git@refs/heads/main");
  });

  test("refuses a dirty work tree, naming the changed paths", async () => {
    await using repo = await gitRepo({ "a.ts": "1" });
    await writeFile(join(repo.path, "a.ts"), "2");
    await writeFile(join(repo.path, "new.ts"), "3");
    const error = (await readSource(repo.path).catch((e) => e)) as BunsealError;
    expect(error.code).toBe("SOURCE_DIRTY");
    expect(error.message).toContain("a.ts");
    expect(error.message).toContain("new.ts");
    expect(error.message).toContain("--allow-dirty");
  });

  test("with allowDirty, records the changed paths; ignored folders do not count", async () => {
    await using repo = await gitRepo({ "a.ts": "1" });
    await writeFile(join(repo.path, "a.ts"), "2");
    await Bun.write(join(repo.path, ".bunseal", "out", "x.tar"), "tar");
    const source = await readSource(repo.path, { allowDirty: true, ignore: [join(repo.path, ".bunseal")] });
    expect(source.dirty).toBe(true);
    expect(source.changedPaths).toEqual(["a.ts"]);
  });

  test("a folder outside git is refused with SOURCE_NOT_GIT", async () => {
    await using dir = await testdir({ "a.ts": "1" });
    const error = (await readSource(dir.path).catch((e) => e)) as BunsealError;
    expect(error.code).toBe("SOURCE_NOT_GIT");
  });

  test("never records a token from the remote URL", () => {
    expect(stripCredentials("https://x-access-token:ghs_abc@github.com/acme/shop.git")).toBe("https://github.com/acme/shop.git");
    expect(stripCredentials("git@github.com:acme/shop.git")).toBe("git@github.com:acme/shop.git");
  });

  test("records remotes as URIs", () => {
    expect(normalizeRemote("git@github.com:acme/shop.git")).toBe("ssh://git@github.com/acme/shop.git");
    expect(normalizeRemote("/srv/git/shop/.")).toBe("file:///srv/git/shop");
    expect(normalizeRemote("https://github.com/acme/shop")).toBe("https://github.com/acme/shop");
  });

  test("parses renames in porcelain -z output", () => {
    expect(parseStatus("R  new.ts\0old.ts\0?? z.ts\0")).toEqual(["new.ts", "old.ts", "z.ts"]);
  });
});
