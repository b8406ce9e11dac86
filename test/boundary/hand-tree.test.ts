/**
 * What a rebuild's sandboxed `bun install` may write (src/rebuild/install.ts):
 * as root the scratch checkout is handed to the sandbox's uid, every entry of
 * it but a `.git` (the record's source stays root's), and a link is changed
 * itself, never what it points to. Not as root: the build runs as the user
 * who owns the tree already, and nothing is changed.
 */
import { expect, test } from "bun:test";
import { lstatSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { handTreeToSandbox, switchesUser } from "../../src/sandbox/bwrap.ts";
import { SANDBOX_ID } from "../../src/sandbox/sandbox-etc.ts";
import { makeTempDir } from "../helpers/testdir.ts";

test("a tree handed to the sandbox: every entry but .git (at any depth) is the sandbox's, links changed and not followed", async () => {
  await using outside = await makeTempDir("bunseal-hand-outside-");
  await using tree = await makeTempDir("bunseal-hand-tree-");
  const target = join(outside.path, "secret.txt");
  writeFileSync(target, "not the sandbox's\n");
  mkdirSync(join(tree.path, "src", "deep"), { recursive: true });
  writeFileSync(join(tree.path, "src", "deep", "a b.ts"), "export {};\n");
  writeFileSync(join(tree.path, "package.json"), "{}\n");
  mkdirSync(join(tree.path, ".git", "objects"), { recursive: true });
  writeFileSync(join(tree.path, ".git", "HEAD"), "ref: refs/heads/main\n");
  mkdirSync(join(tree.path, "vendor", "sub"), { recursive: true });
  writeFileSync(join(tree.path, "vendor", "sub", ".git"), "gitdir: ../../.git/modules/sub\n");
  writeFileSync(join(tree.path, "vendor", "sub", "x.ts"), "export {};\n");
  symlinkSync(target, join(tree.path, "link"));
  const before = lstatSync(target).uid;

  handTreeToSandbox(tree.path);

  const owner = (...parts: string[]) => lstatSync(join(tree.path, ...parts)).uid;
  const handed = switchesUser() ? SANDBOX_ID : process.getuid!();
  for (const path of [[], ["src"], ["src", "deep"], ["src", "deep", "a b.ts"], ["package.json"], ["vendor", "sub", "x.ts"], ["link"]]) expect({ path, uid: owner(...path) }).toEqual({ path, uid: handed });
  for (const path of [[".git"], [".git", "HEAD"], [".git", "objects"], ["vendor", "sub", ".git"]]) expect({ path, uid: owner(...path) }).toEqual({ path, uid: process.getuid!() });
  expect(lstatSync(target).uid).toBe(before);
});
