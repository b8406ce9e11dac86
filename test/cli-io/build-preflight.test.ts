/**
 * Attack 6 (signed leftovers) and attack 11 (exit classes) for `build` and
 * `keygen`: every problem with where things go is found before anything is
 * built or signed, exits with the class the README gives it, names the path,
 * and leaves no signed tar or bundle behind.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runCli, type CliResult } from "../helpers/cli.ts";
import { plantedRepo } from "../helpers/fixture-repo.ts";
import type { GitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";
import { canMount, makeFull, makeReadOnly, unmountAll } from "./mounts.ts";

setDefaultTimeout(60_000);

let work: TestDir;
let repo: GitRepo;
const key = () => join(work.path, "keys", "bunseal.key");

beforeAll(async () => {
  [work, repo] = await Promise.all([makeTempDir("bunseal-preflight-"), plantedRepo("control")]);
  expect((await runCli(["keygen", "--out", join(work.path, "keys")])).exitCode).toBe(0);
});
afterAll(async () => {
  unmountAll();
  await Promise.all([repo?.cleanup(), work?.cleanup()]);
});

/** Every file under `dir`, relative, recursively; none at all when it does not exist. */
async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true }).catch(() => [] as string[])).map(String);
}

function signedLeftovers(files: string[]): string[] {
  return files.filter((f) => f.endsWith(".tar") || f.endsWith(".sigstore.json") || f.endsWith(".intoto.json"));
}

function expectFailure(out: CliResult, exitCode: number, code: string, path: string): void {
  expect(out.stderr).not.toContain("internal error");
  expect(out.exitCode).toBe(exitCode);
  const error = out.json().error;
  expect(error.code).toBe(code);
  expect(`${error.message} ${error.file ?? ""}`).toContain(path);
}

describe("build checks where things go before it signs anything", () => {
  test("rejects an unsupported store scheme (ftp://) with exit 2 before building, leaving nothing signed", async () => {
    const out = join(work.path, "out-ftp");
    const result = await runCli(["build", repo.path, "--key", key(), "--out", out, "--store", "ftp://x", "--json"]);
    expect(result.stderr).not.toContain("internal error");
    expect(result.exitCode).toBe(2);
    expect(result.json().error.code).toBe("STORE_INVALID");
    expect(result.stderr).not.toContain("building control");
    expect(signedLeftovers(await filesUnder(out))).toEqual([]);
    expect(signedLeftovers(await filesUnder(repo.path))).toEqual([]);
  });

  test.if(canMount())("rejects a read-only store with exit 3 before building, leaving nothing signed", async () => {
    const storeDir = join(work.path, "ro-store");
    const store = `sqlite:${join(storeDir, "store.db")}`;
    // a real store, made while it could be written, then mounted read-only
    expect((await runCli(["pins", "--store", store, "--json"])).exitCode).toBe(0);
    await makeReadOnly(storeDir);
    const out = join(work.path, "out-ro-store");
    const result = await runCli(["build", repo.path, "--key", key(), "--out", out, "--store", store, "--json"]);
    expect(result.stderr).not.toContain("internal error");
    expect(result.exitCode).toBe(3);
    expect(result.json().error.code).toBe("STORE_FAILED");
    expect(result.json().error.message).toContain(storeDir);
    expect(result.stderr).not.toContain("building control");
    expect(signedLeftovers(await filesUnder(out))).toEqual([]);
  });

  test.if(canMount())("an unwritable out folder is exit 3 IO_FAILED naming it, found before the build", async () => {
    const out = await makeReadOnly(join(work.path, "ro-out"));
    const result = await runCli(["build", repo.path, "--key", key(), "--out", out, "--json"]);
    expectFailure(result, 3, "IO_FAILED", out);
    expect(result.stderr).not.toContain("building control");
    expect(signedLeftovers(await filesUnder(out))).toEqual([]);
  });

  test.if(canMount())("an out folder under an unwritable one (cannot be created) is exit 3 IO_FAILED naming it", async () => {
    const parent = await makeReadOnly(join(work.path, "ro-parent"));
    const out = join(parent, "out");
    const result = await runCli(["build", repo.path, "--key", key(), "--out", out, "--json"]);
    expectFailure(result, 3, "IO_FAILED", out);
  });

  test.if(canMount())("a full out folder is exit 3 IO_FAILED naming it, not BUILD_FAILED, and leaves nothing signed", async () => {
    const out = await makeFull(join(work.path, "full-out"));
    const result = await runCli(["build", repo.path, "--key", key(), "--out", out, "--json"]);
    expectFailure(result, 3, "IO_FAILED", out);
    expect(signedLeftovers(await filesUnder(out))).toEqual([]);
  });

  test("--out naming an existing file is exit 2 NOT_A_DIRECTORY naming it, not an internal error", async () => {
    const file = join(work.path, "a-file");
    await writeFile(file, "not a folder\n");
    const result = await runCli(["build", repo.path, "--key", key(), "--out", file, "--json"]);
    expectFailure(result, 2, "NOT_A_DIRECTORY", file);
    expect(await Bun.file(file).text()).toBe("not a folder\n");
  });

  test("--out below a file is exit 2 NOT_A_DIRECTORY, not an internal error", async () => {
    const file = join(work.path, "another-file");
    await writeFile(file, "x");
    const result = await runCli(["build", repo.path, "--key", key(), "--out", join(file, "sub"), "--json"]);
    expectFailure(result, 2, "NOT_A_DIRECTORY", file);
  });

  test("a good build still writes the tar and its bundle", async () => {
    const out = join(work.path, "out-ok");
    const result = await runCli(["build", repo.path, "--key", key(), "--out", out, "--store", `sqlite:${join(work.path, "ok-store.db")}`, "--json"]);
    expect(result.exitCode).toBe(0);
    expect(signedLeftovers(await filesUnder(out)).sort()).toEqual([expect.stringMatching(/\.tar$/), expect.stringMatching(/\.tar\.sigstore\.json$/)]);
    // and the probe the preflight wrote is gone
    expect((await filesUnder(out)).length).toBe(2);
  });
});

describe("keygen --out", () => {
  test("naming a file is exit 2 NOT_A_DIRECTORY naming it, not an internal error", async () => {
    const file = join(work.path, "key-file");
    await writeFile(file, "x");
    const result = await runCli(["keygen", "--out", file, "--json"]);
    expectFailure(result, 2, "NOT_A_DIRECTORY", file);
  });

  test.if(canMount())("an unwritable folder is exit 3 IO_FAILED naming it", async () => {
    const dir = await makeReadOnly(join(work.path, "ro-keys"));
    const result = await runCli(["keygen", "--out", dir, "--json"]);
    expectFailure(result, 3, "IO_FAILED", dir);
  });
});
