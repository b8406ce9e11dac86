/**
 * Where a project pins its Bun (src/runtime/project-bun.ts): each of the three
 * ways, nearest package.json first, and what is not a pin.
 */
import { expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LockedPackage } from "../../src/inputs/lockfile.ts";
import { chooseBuildBun, projectBunPin } from "../../src/runtime/project-bun.ts";
import { BunsealError } from "../../src/errors.ts";
import { makeTempDir } from "../helpers/testdir.ts";

const write = (dir: string, manifest: object) => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify(manifest));
};
const lockedBun = (version: string) => [{ name: "bun", version, source: "npm" } as LockedPackage];

test("packageManager pins, corepack's integrity suffix aside", async () => {
  await using dir = await makeTempDir("bunseal-pin-");
  write(dir.path, { packageManager: "bun@1.3.9+sha512.abcdef" });
  expect(projectBunPin(dir.path, dir.path)).toEqual({ version: "1.3.9", from: "package.json packageManager" });
});

test("an exact engines.bun pins; a range does not", async () => {
  await using dir = await makeTempDir("bunseal-pin-");
  write(dir.path, { engines: { bun: "=1.3.14" } });
  expect(projectBunPin(dir.path, dir.path)).toEqual({ version: "1.3.14", from: "package.json engines.bun" });
  write(dir.path, { engines: { bun: ">=1.3.0" } });
  expect(projectBunPin(dir.path, dir.path)).toBeUndefined();
});

test("a bun dependency pins, at the version the lockfile resolved, when a script runs bun", async () => {
  await using dir = await makeTempDir("bunseal-pin-");
  write(dir.path, { devDependencies: { bun: "^1.3.0" }, scripts: { build: "tsc && bun build.ts" } });
  expect(projectBunPin(dir.path, dir.path, lockedBun("1.3.14"))).toEqual({ version: "1.3.14", from: 'package.json dependency "bun" (bun.lock)' });
  // no script runs it: it is a library the project uses, not its build's Bun
  write(dir.path, { devDependencies: { bun: "^1.3.0" }, scripts: { build: "node build.mjs", test: "bunyan-cli" } });
  expect(projectBunPin(dir.path, dir.path, lockedBun("1.3.14"))).toBeUndefined();
});

test("a workspace member takes its workspace root's pin, and its own first", async () => {
  await using dir = await makeTempDir("bunseal-pin-");
  write(dir.path, { packageManager: "bun@1.3.9", workspaces: ["packages/*"] });
  write(join(dir.path, "packages", "app"), { name: "app" });
  expect(projectBunPin(join(dir.path, "packages", "app"), dir.path)).toEqual({ version: "1.3.9", from: "../../package.json packageManager" });
  write(join(dir.path, "packages", "app"), { name: "app", engines: { bun: "1.4.4" } });
  expect(projectBunPin(join(dir.path, "packages", "app"), dir.path)?.version).toBe("1.4.4");
  // never above the repository
  expect(projectBunPin(join(dir.path, "packages", "app"), join(dir.path, "packages", "app"))?.version).toBe("1.4.4");
});

test("a pin that is no version is CONFIG_INVALID naming the file and field", async () => {
  await using dir = await makeTempDir("bunseal-pin-");
  write(dir.path, { packageManager: "bun@../../evil" });
  let error: unknown;
  try {
    projectBunPin(dir.path, dir.path);
  } catch (caught) {
    error = caught;
  }
  if (!(error instanceof BunsealError)) throw new Error("expected a BunsealError");
  expect(error.code).toBe("CONFIG_INVALID");
  expect(error.message).toBe('package.json packageManager: expected an exact Bun version like 1.3.9, got "../../evil"');
});

test("a bun package another one installed at the top of node_modules is the Bun the scripts run: an implicit pin", async () => {
  await using dir = await makeTempDir("bunseal-pin-");
  write(dir.path, { devDependencies: { "bun-plugin-tailwind": "^0.1.2" }, scripts: { build: "bun run build.ts" } });
  const hoisted = [{ name: "bun", version: "1.3.9", source: "npm", key: "bun" } as LockedPackage];
  expect(projectBunPin(dir.path, dir.path, hoisted)).toEqual({ version: "1.3.9", from: "node_modules/.bin/bun (bun.lock \"bun\", installed for another package), which package.json's scripts run", implicit: true });
  // nested under another package, it is no node_modules/.bin/bun of the project's
  expect(projectBunPin(dir.path, dir.path, [{ ...hoisted[0]!, key: "bun-plugin-tailwind/bun" }])).toBeUndefined();
});

test("an implicit pin older than bunseal can build with is warned of, and the running Bun builds; a written one is refused", async () => {
  const implicit = await chooseBuildBun({ version: "1.3.1", from: "node_modules/.bin/bun", implicit: true }, undefined);
  expect(implicit.bun.version).toBe(Bun.version);
  expect(implicit.warning).toStartWith(`the project's scripts run Bun 1.3.1 (node_modules/.bin/bun), older than 1.3.6, the oldest Bun bunseal builds with: building with Bun ${Bun.version}`);
  let error: unknown;
  try {
    await chooseBuildBun({ version: "1.3.1", from: "package.json packageManager" }, undefined);
  } catch (caught) {
    error = caught;
  }
  expect((error as BunsealError).code).toBe("BUN_UNSUPPORTED");
});
