/**
 * Issue #19, item 5: files in Bun's isolated store matched to their lockfile
 * entries. The folder names are those Bun 1.4.5 wrote on `bun install
 * --linker isolated` (npm, scoped, with peers, registry tarball, local
 * tarball, git, file: folder); test/kinds/isolated-linker.test.ts installs a
 * real workspace.
 */
import { describe, expect, test } from "bun:test";
import type { ProvenanceV1 } from "../../src/attest/slsa-provenance.ts";
import type { Statement } from "../../src/attest/statement.ts";
import { packageInventory, storedPackageOf, storeResolutionMatches } from "../../src/inventory/shipped.ts";

describe("a store file's package", () => {
  test("the name after the entry's node_modules, and the resolution after the name in the entry", () => {
    expect(storedPackageOf("node_modules/.bun/hono@4.6.0/node_modules/hono/dist/index.js")).toEqual({ name: "hono", resolution: "4.6.0" });
    expect(storedPackageOf("../../node_modules/.bun/@trpc+server@11.0.0+ff0372d108591aba/node_modules/@trpc/server/dist/index.mjs")).toEqual({ name: "@trpc/server", resolution: "11.0.0+ff0372d108591aba" });
    expect(storedPackageOf("node_modules/.bun/localdir@file+local/node_modules/localdir/i.js")).toEqual({ name: "localdir", resolution: "file+local" });
  });

  test("a path that is no installed store file is nobody's package", () => {
    // the project's own folder spelled like a store: not the node_modules Bun installs into
    expect(storedPackageOf("src/node_modules/.bun/hono@4.6.0/node_modules/hono/x.js")).toBeUndefined();
    // the store's public links, the package folder itself, an entry of another name
    expect(storedPackageOf("node_modules/.bun/node_modules/hono/dist/index.js")).toBeUndefined();
    expect(storedPackageOf("node_modules/.bun/hono@4.6.0/node_modules/hono")).toBeUndefined();
    expect(storedPackageOf("node_modules/.bun/@s+a@1.0.0/node_modules/@s")).toBeUndefined();
    expect(storedPackageOf("node_modules/.bun/zod@3.25.76/node_modules/hono/x.js")).toBeUndefined();
    expect(storedPackageOf("node_modules/hono/dist/index.js")).toBeUndefined();
  });

  test("an entry's resolution matches the lockfile's, with or without the hash Bun appends", () => {
    expect(storeResolutionMatches("4.6.0", "4.6.0")).toBe("exact");
    expect(storeResolutionMatches("0.13.8+8be17bfc89967209", "0.13.8")).toBe("hashed");
    expect(storeResolutionMatches("https+++registry.npmjs.org+is-number+-+is-number-7.0.0.tgz+e350a27e483a7bc4", "https://registry.npmjs.org/is-number/-/is-number-7.0.0.tgz")).toBe("hashed");
    expect(storeResolutionMatches(".+tgzpkg-0.0.3.tgz+ed79b5f0579ac3b8", "./tgzpkg-0.0.3.tgz")).toBe("hashed");
    expect(storeResolutionMatches("git+file++++tmp+gitdep+2d499e47ffd1c802df82f12a8031a3a4dd4e5dee", "git+file:///tmp/gitdep#2d499e47ffd1c802df82f12a8031a3a4dd4e5dee")).toBe("exact");
    expect(storeResolutionMatches("file+local", "file:local")).toBe("exact");
    expect(storeResolutionMatches("2.0.0", "2.1.3")).toBe(false);
    expect(storeResolutionMatches("2.0.0+build", "2.0.0")).toBe(false);
    expect(storeResolutionMatches("2.0.01", "2.0.0")).toBe(false);
  });
});

test("each version of a package gets its own entry's files; the same version locked at two keys ships at both", () => {
  const dep = (name: string, role: string, extra: Record<string, unknown> = {}) => ({ name, digest: { sha256: "00" }, annotations: { role, ...extra } });
  const synthetic = {
    predicate: {
      buildDefinition: {
        resolvedDependencies: [
          dep("ms", "package", { version: "2.1.3" }),
          dep("ms (@app/api/ms)", "package", { version: "2.0.0" }),
          dep("ms (debug/ms)", "package", { version: "2.0.0" }),
          dep("@s/peer", "package", { version: "1.0.0" }),
          dep("../../node_modules/.bun/ms@2.0.0/node_modules/ms/index.js", "module"),
          dep("../../node_modules/.bun/@s+peer@1.0.0+0123456789abcdef/node_modules/@s/peer/a.js", "module"),
          dep("../../node_modules/.bun/@s+peer@1.0.0+fedcba9876543210/node_modules/@s/peer/a.js", "module"),
          // a store entry no locked package has: ships none
          dep("../../node_modules/.bun/ms@9.9.9/node_modules/ms/index.js", "module"),
        ],
      },
    },
  } as unknown as Statement<ProvenanceV1>;
  const inventory = packageInventory(synthetic).map((p) => [p.name, p.version, p.installPath, p.shipped, p.files.length]);
  expect(inventory).toEqual([
    ["@s/peer", "1.0.0", "@s/peer", true, 2],
    ["ms", "2.0.0", "@app/api/ms", true, 1],
    ["ms", "2.0.0", "debug/ms", true, 1],
    ["ms", "2.1.3", "ms", false, 0],
  ]);
});
