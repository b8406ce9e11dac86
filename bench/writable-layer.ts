/**
 * What the build's writable layer costs (issue #19, What 8): making it (the
 * upper folder with a whiteout per hidden entry, as root the idmapped lower
 * layer and the overlay attached), reading back what was written, and taking
 * it down, for a project with `--hidden N` git-ignored entries.
 *
 *   bun bench/writable-layer.ts [--runs 21] [--hidden 50]
 *
 * Prints the median and the fastest of the runs, in ms. As root it measures the
 * idmapped overlay; as a user, the folders of the layer a user namespace mounts
 * (the mount itself is part of the sandbox's start, timed by bench/fixed-cost.ts).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sandboxIds, switchesUser } from "../src/sandbox/bwrap.ts";
import type { HiddenPath } from "../src/sandbox/hidden-paths.ts";
import { openLayer } from "../src/sandbox/writable-layer.ts";
import { median } from "./lib.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => Number(args[args.indexOf(`--${name}`) + 1] ?? fallback) || fallback;
const runs = option("runs", 21);
const hiddenCount = option("hidden", 50);

const root = mkdtempSync(join(tmpdir(), "bunseal-layer-bench-"));
const removed: HiddenPath[] = [];
for (let i = 0; i < hiddenCount; i++) {
  const dir = join(root, `pkg-${i % 10}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `ignored-${i}.log`), "x");
  removed.push({ path: join(dir, `ignored-${i}.log`), kind: "file" });
}
const times: number[] = [];
try {
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    const layer = openLayer({ root, lower: root, removed, runsAs: switchesUser() ? sandboxIds() : undefined });
    layer.written();
    layer.release();
    times.push(performance.now() - started);
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
console.log(`writable layer (${switchesUser() ? "root: idmapped overlay" : "user: folders only"}), ${hiddenCount} hidden entries, ${runs} runs: median ${median(times).toFixed(1)} ms, fastest ${Math.min(...times).toFixed(1)} ms`);
