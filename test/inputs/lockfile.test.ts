import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseLockfile, readLockfile, type LockedPackage, type Lockfile } from "../../src/inputs/lockfile.ts";
import { sha256Hex } from "../../src/util/digest.ts";
import { testdir } from "../helpers/testdir.ts";

const FIXTURES = join(import.meta.dir, "fixtures");
const fixture = (name: string): Lockfile => parseLockfile(readFileSync(join(FIXTURES, name, "bun.lock"), "utf8"));
const byKey = (lockfile: Lockfile, key: string): LockedPackage => {
  const found = lockfile.packages.find((p) => p.key === key);
  if (!found) throw new Error(`no package at key ${key}`);
  return found;
};
const pick = ({ source, name, version, resolved, lockfileResolved, installScripts, trusted }: LockedPackage) => ({ source, name, version, resolved, lockfileResolved, installScripts, trusted });

describe("install scripts and trust, from lockfiles Bun wrote", () => {
  test("with no trustedDependencies, every package with install scripts may run them (Bun's built-in allowlist decides)", () => {
    const lockfile = fixture("default-trust");
    expect(lockfile.lockfileVersion).toBe(2);
    expect(lockfile.trustedDependenciesRecorded).toBe(false);
    expect(lockfile.trustedDependencies).toEqual([]);
    expect(pick(byKey(lockfile, "esbuild"))).toMatchObject({ installScripts: true, trusted: true });
    expect(pick(byKey(lockfile, "bufferutil"))).toMatchObject({ installScripts: true, trusted: true });
    expect(pick(byKey(lockfile, "left-pad"))).toMatchObject({ installScripts: false, trusted: false });
    // esbuild's platform packages have no scripts of their own
    expect(lockfile.packages.filter((p) => p.installScripts).map((p) => p.name)).toEqual(["bufferutil", "esbuild"]);
  });

  test("an explicit trustedDependencies list is the only trust: a scoped package with an install script off the list is untrusted", () => {
    const lockfile = fixture("explicit-trust");
    expect(lockfile.trustedDependenciesRecorded).toBe(true);
    expect(lockfile.trustedDependencies).toEqual(["bufferutil"]);
    expect(pick(byKey(lockfile, "@parcel/watcher"))).toEqual({
      source: "npm",
      name: "@parcel/watcher",
      version: "2.6.0",
      resolved: "https://registry.npmjs.org/@parcel/watcher/-/watcher-2.6.0.tgz",
      lockfileResolved: "",
      installScripts: true,
      trusted: false,
    });
    expect(pick(byKey(lockfile, "bufferutil"))).toMatchObject({ installScripts: true, trusted: true });
  });

  test("an explicit empty list trusts nothing", () => {
    const lockfile = fixture("empty-trust");
    expect(lockfile.trustedDependenciesRecorded).toBe(true);
    expect(lockfile.trustedDependencies).toEqual([]);
    expect(byKey(lockfile, "bufferutil")).toMatchObject({ installScripts: true, trusted: false });
  });
});

describe("every resolution kind Bun writes", () => {
  const lockfile = fixture("kinds");
  const GIT_COMMIT = "a19d1e659187708186db151ba3932362c2136d64";
  test.each([
    ["ms", { source: "npm", name: "ms", version: "2.1.3", resolved: "https://registry.npmjs.org/ms/-/ms-2.1.3.tgz", lockfileResolved: "", installScripts: false, trusted: false }],
    ["@kinds/lib/ms", { source: "npm", name: "ms", version: "2.0.0", resolved: "https://registry.npmjs.org/ms/-/ms-2.0.0.tgz", lockfileResolved: "", installScripts: false, trusted: false }],
    ["pad", { source: "npm", name: "left-pad", version: "1.3.0", resolved: "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz", lockfileResolved: "", installScripts: false, trusted: false }],
    ["@types/semver", { source: "npm", name: "@types/semver", version: "7.5.8", resolved: "https://registry.yarnpkg.com/@types/semver/-/semver-7.5.8.tgz", lockfileResolved: "https://registry.yarnpkg.com/@types/semver/-/semver-7.5.8.tgz", installScripts: false, trusted: false }],
    ["gitdep", { source: "git", name: "gitdep", version: `git+file:///tmp/bunseal-lockfile-fixtures/deps/gitdep#${GIT_COMMIT}`, resolved: `git+file:///tmp/bunseal-lockfile-fixtures/deps/gitdep#${GIT_COMMIT}`, lockfileResolved: `git+file:///tmp/bunseal-lockfile-fixtures/deps/gitdep#${GIT_COMMIT}`, installScripts: true, trusted: true }],
    ["ghdep", { source: "github", name: "ghdep", version: "github:fakeowner/ghdep#1a2b3c4", resolved: "github:fakeowner/ghdep#1a2b3c4", lockfileResolved: "github:fakeowner/ghdep#1a2b3c4", installScripts: true, trusted: false }],
    ["is-number", { source: "tarball", name: "is-number", version: "https://registry.npmjs.org/is-number/-/is-number-7.0.0.tgz", resolved: "https://registry.npmjs.org/is-number/-/is-number-7.0.0.tgz", lockfileResolved: "https://registry.npmjs.org/is-number/-/is-number-7.0.0.tgz", installScripts: false, trusted: false }],
    ["tbpkg", { source: "local-tarball", name: "tbpkg", version: "../deps/tb/tbpkg-0.3.0.tgz", resolved: "../deps/tb/tbpkg-0.3.0.tgz", lockfileResolved: "../deps/tb/tbpkg-0.3.0.tgz", installScripts: false, trusted: false }],
    ["localdir", { source: "folder", name: "localdir", version: "file:../deps/localdir", resolved: "file:../deps/localdir", lockfileResolved: "file:../deps/localdir", installScripts: true, trusted: false }],
    ["linkme", { source: "link", name: "linkme", version: "link:../deps/linkme", resolved: "link:../deps/linkme", lockfileResolved: "link:../deps/linkme", installScripts: false, trusted: false }],
    ["@kinds/lib", { source: "workspace", name: "@kinds/lib", version: "workspace:packages/lib", resolved: "workspace:packages/lib", lockfileResolved: "workspace:packages/lib", installScripts: false, trusted: true }],
    ["kinds", { source: "root", name: "kinds", version: "root:", resolved: "root:", lockfileResolved: "root:", installScripts: false, trusted: true }],
  ] as const)("%s", (key, expected) => {
    expect(pick(byKey(lockfile, key))).toEqual(expected);
  });

  test("integrity is kept where the lockfile has one and absent where it has none", () => {
    expect(byKey(lockfile, "ghdep").integrity).toStartWith("sha512-");
    expect(byKey(lockfile, "tbpkg").integrity).toStartWith("sha512-");
    expect(byKey(lockfile, "gitdep").integrity).toBeUndefined();
    expect(byKey(lockfile, "localdir").integrity).toBeUndefined();
  });

  test("packages are sorted by name, then version, then key", () => {
    expect(lockfile.packages.map((p) => `${p.name} ${p.key}`)).toEqual([
      "@kinds/lib @kinds/lib",
      "@types/semver @types/semver",
      "ghdep ghdep",
      "gitdep gitdep",
      "is-number is-number",
      "kinds kinds",
      "left-pad pad",
      "linkme linkme",
      "localdir kinds/localdir",
      "localdir localdir",
      "ms @kinds/lib/ms",
      "ms ms",
      "tbpkg tbpkg",
    ]);
  });
});

test("a patched dependency names its patch file", () => {
  expect(fixture("patched").packages).toMatchObject([{ name: "left-pad", version: "1.3.0", patch: "patches/left-pad@1.3.0.patch" }]);
});

test("the display name is used in errors", () => {
  expect(() => parseLockfile("{", "apps/web/bun.lock")).toThrow(/^apps\/web\/bun\.lock: expected JSONC, got a syntax error/);
});

describe("readLockfile", () => {
  test("returns undefined when the project has no bun.lock", async () => {
    await using dir = await testdir({ "package.json": "{}" });
    expect(await readLockfile(dir.path)).toBeUndefined();
  });

  test("returns the parsed lockfile with the bytes and digest of exactly what was parsed", async () => {
    const bytes = readFileSync(join(FIXTURES, "explicit-trust", "bun.lock"));
    await using dir = await testdir({ "bun.lock": bytes });
    const read = (await readLockfile(dir.path))!;
    expect(Buffer.from(read.bytes).equals(bytes)).toBe(true);
    expect(read.sha256).toBe(sha256Hex(bytes));
    expect(read.lockfile).toEqual(fixture("explicit-trust"));
  });

  test("reads what this machine's Bun writes today (offline: local dependencies only)", async () => {
    await using dir = await testdir({
      "package.json": JSON.stringify({ name: "today", workspaces: ["w"], trustedDependencies: ["dep"], dependencies: { dep: "file:./dep" } }),
      "dep/package.json": JSON.stringify({ name: "dep", version: "1.0.0", scripts: { postinstall: "exit 1" } }),
      "w/package.json": JSON.stringify({ name: "w", version: "2.0.0" }),
    });
    const proc = Bun.spawn([process.execPath, "install", "--ignore-scripts"], { cwd: dir.path, stdout: "pipe", stderr: "pipe" });
    expect(await proc.exited).toBe(0);
    const { lockfile } = (await readLockfile(dir.path))!;
    expect(lockfile.packages.map(pick)).toEqual([
      { source: "folder", name: "dep", version: "file:dep", resolved: "file:dep", lockfileResolved: "file:dep", installScripts: true, trusted: true },
      { source: "workspace", name: "w", version: "workspace:w", resolved: "workspace:w", lockfileResolved: "workspace:w", installScripts: false, trusted: true },
    ]);
  });
});
