/**
 * bun.lockb, Bun's binary lockfile: read through Bun's own conversion, its
 * digest and packages recorded, and a rebuild installed from it. A lockfile
 * bunseal cannot read stops the build (exit 2) instead of recording "no
 * dependencies", which a rebuild would later report as "not reproducible".
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { readLockfile } from "../../src/inputs/lockfile.ts";
import { runCli } from "../helpers/cli.ts";
import { git, gitCommitAll } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";
import { lockedRepo, MS_SERVICE } from "../workspace/projects.ts";

setDefaultTimeout(60_000);

let keys: TestDir;
beforeAll(async () => {
  keys = await makeTempDir("bunseal-lockb-keys-");
  await runCli(["keygen", "--out", keys.path]);
});
afterAll(() => keys?.cleanup());

const sha256 = async (path: string) => `sha256:${createHash("sha256").update(await Bun.file(path).bytes()).digest("hex")}`;

describe("bun.lockb", () => {
  test("a build records the binary lockfile's digest and every package with its integrity, and the rebuild installs from it and reproduces", async () => {
    await using repo = await lockedRepo(MS_SERVICE, { binary: true });
    const out = await runCli(["build", repo.path, "--key", join(keys.path, "bunseal.key"), "--json"]);
    expect(out.stderr).not.toContain("bunseal:");
    expect(out.exitCode).toBe(0);
    const built = out.json();
    expect(built.dependencies).toBeGreaterThan(0);
    const bundle = JSON.parse(await Bun.file(built.bundle.path).text());
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, "base64").toString("utf8"));
    const definition = statement.predicate.buildDefinition;
    expect(definition.internalParameters.lockfileDigest).toBe(await sha256(join(repo.path, "bun.lockb")));
    const ms = definition.resolvedDependencies.find((d: { uri?: string }) => d.uri === "pkg:npm/ms@2.1.3");
    expect(ms.digest.sha512).toMatch(/^[0-9a-f]{128}$/);

    const rebuilt = await runCli(["rebuild", built.bundle.path, "--key", join(keys.path, "bunseal.pub"), "--json"]);
    expect(rebuilt.stderr).not.toContain("Could not resolve");
    expect(rebuilt.exitCode).toBe(0);
    expect(rebuilt.json().install).toEqual({ lockfileDigest: definition.internalParameters.lockfileDigest, lockfileMatches: true, scripts: "none", sandbox: "bubblewrap" });
  });

  test("reads the same packages from bun.lockb as from the bun.lock Bun writes for the same install, and leaves the user's tree untouched", async () => {
    await using binary = await lockedRepo(MS_SERVICE, { binary: true });
    await using text = await lockedRepo(MS_SERVICE);
    const fromBinary = await readLockfile(binary.path);
    const fromText = await readLockfile(text.path);
    expect(fromBinary?.name).toBe("bun.lockb");
    expect(fromBinary?.path).toBe("bun.lockb");
    expect(fromBinary?.lockfile.packages).toEqual(fromText!.lockfile.packages);
    expect(fromBinary?.lockfile.packages.find((p) => p.name === "ms")?.integrity).toMatch(/^sha512-/);
    // Bun deletes bun.lockb when it writes bun.lock; that happened in a temporary copy only
    expect(await git(binary.path, ["status", "--porcelain"])).toBe("");
  });

  test("with both bun.lock and bun.lockb, records bun.lock, as Bun installs from it", async () => {
    await using repo = await lockedRepo(MS_SERVICE);
    await using binary = await lockedRepo(MS_SERVICE, { binary: true });
    await Bun.write(join(repo.path, "bun.lockb"), Bun.file(join(binary.path, "bun.lockb")));
    const read = await readLockfile(repo.path);
    expect(read?.name).toBe("bun.lock");
    expect(`sha256:${read?.sha256}`).toBe(await sha256(join(repo.path, "bun.lock")));
  });

  test("a damaged bun.lockb stops the build with exit 2, naming the file and the fix, never 0 dependencies", async () => {
    await using repo = await lockedRepo(MS_SERVICE, { binary: true });
    await Bun.write(join(repo.path, "bun.lockb"), "#!/usr/bin/env bun\nbun-lockfile-format-v0\nnot really");
    await gitCommitAll(repo.path, "damage the lockfile");
    const out = await runCli(["build", repo.path, "--no-sign", "--json"]);
    expect(out.exitCode).toBe(2);
    const { error } = out.json();
    expect(error.code).toBe("LOCKFILE_INVALID");
    expect(error.file).toBe("bun.lockb");
    expect(error.message).toContain("Bun cannot parse it");
    expect(error.message).toContain("bun install --save-text-lockfile");
  });

  test("a bun.lockb that no longer matches package.json stops the build with exit 2 and says so", async () => {
    await using repo = await lockedRepo(MS_SERVICE, { binary: true });
    const pkg = JSON.parse(await Bun.file(join(repo.path, "package.json")).text());
    pkg.dependencies["left-pad"] = "1.3.0";
    await Bun.write(join(repo.path, "package.json"), JSON.stringify(pkg));
    await gitCommitAll(repo.path, "a dependency without a lockfile entry");
    const out = await runCli(["build", repo.path, "--no-sign"]);
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toContain("bunseal: LOCKFILE_INVALID: bun.lockb:");
    expect(out.stderr).toContain("does not match package.json");
  });
});
