/**
 * An experiment changes only what it names, and puts it back exactly: a
 * folder's listing order and every file's modification time are read by
 * builds (an unsorted readdir, a statSync(...).mtimeMs), so an experiment
 * that left either changed would make every later one differ as well.
 */
import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { copyAttributes, relist, shiftTimes } from "../../src/rebuild/experiment-builds.ts";
import { scratchDir } from "../../src/util/scratch-dir.ts";

/** A checkout-like tree where the rebuild keeps its checkouts (a memory file system when there is one). */
function tree(): string {
  const dir = mkdtempSync(join(scratchDir(), "bunseal-experiment-builds-"));
  mkdirSync(join(dir, "src", "items"), { recursive: true });
  mkdirSync(join(dir, ".git"));
  writeFileSync(join(dir, ".git", "HEAD"), "ref: refs/heads/main\n");
  for (const name of ["delta", "alpha", "echo", "charlie", "bravo"]) writeFileSync(join(dir, "src", "items", name), name);
  writeFileSync(join(dir, "src", "data.txt"), "data\n");
  // a workspace member's installed packages, with the link bun makes there
  mkdirSync(join(dir, "src", "node_modules", "dep"), { recursive: true });
  writeFileSync(join(dir, "src", "node_modules", "dep", "index.js"), "export {};\n");
  symlinkSync("../items", join(dir, "src", "node_modules", "linked"));
  return dir;
}

const times = (dir: string) => {
  const out: Record<string, bigint> = {};
  const visit = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isSymbolicLink()) continue;
      out[path.slice(dir.length)] = statSync(path, { bigint: true }).mtimeNs;
      if (entry.isDirectory()) visit(path);
    }
  };
  visit(dir);
  return out;
};

describe("experiments put back what they change", () => {
  test("the file-order experiment lists each folder in reverse and then exactly as before, on this file system", () => {
    const dir = tree();
    try {
      const items = join(dir, "src", "items");
      const before = readdirSync(items);
      const undo = relist(dir, (names) => [...names].reverse());
      const during = readdirSync(items);
      undo();
      expect(readdirSync(items)).toEqual(before);
      // where the file system lists by creation (tmpfs), the experiment did re-list; where it lists by hash, nothing could change
      if (during.join() !== before.join()) expect(during).toEqual([...before].reverse());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the mtime experiment moves the time of every file of the checkout but .git's and node_modules', and puts each back to the nanosecond", () => {
    const dir = tree();
    try {
      const before = times(dir);
      const undo = shiftTimes(dir, 397 * 86_400_000);
      const during = times(dir);
      expect(during["/.git/HEAD"]).toBe(before["/.git/HEAD"]!);
      expect(during["/src/node_modules/dep/index.js"]).toBe(before["/src/node_modules/dep/index.js"]!);
      for (const path of ["/src/data.txt", "/src/items/alpha", "/src/items/echo"]) expect(during[path]! - before[path]!).toBeGreaterThan(396n * 86_400_000_000_000n);
      // folders keep theirs: nothing in them was made or renamed
      expect(during["/src/items"]).toBe(before["/src/items"]!);
      undo();
      expect(times(dir)).toEqual(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a copy gets the checkout's files' modification times and modes, not the time it was made", async () => {
    const dir = tree();
    const copy = mkdtempSync(join(scratchDir(), "bunseal-experiment-copy-"));
    try {
      await Bun.sleep(20);
      mkdirSync(join(copy, "src", "items"), { recursive: true });
      for (const name of readdirSync(join(dir, "src", "items"))) writeFileSync(join(copy, "src", "items", name), name);
      writeFileSync(join(copy, "src", "data.txt"), "data\n");
      copyAttributes(dir, copy);
      const [a, b] = [times(dir), times(copy)];
      for (const path of ["/src/data.txt", ...readdirSync(join(dir, "src", "items")).map((n) => `/src/items/${n}`)]) expect(b[path]).toBe(a[path]!);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
