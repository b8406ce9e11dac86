/**
 * What it costs to decide the dirty state by content (src/source/work-tree.ts)
 * rather than by asking `git status`, which trusts the index.
 *
 *   bun bench/work-tree.ts [--runs 9] [--files 50000]
 *
 * Two repositories: the 10,000-module project of bench/gen-large-project.ts
 * and a generated repository of --files files (1-4 KiB each, 100 to a folder).
 * On each, alternating so that machine load hits both alike, after one warm-up
 * round (page cache warm, as on a CI machine right after its checkout):
 *   content     changedPaths: every tracked file read and hashed as a git blob, untracked files listed against the commit
 *   git-status  the old path: git status --porcelain -z --untracked-files=all over a fresh index
 * and prints p50 and p90 wall ms of each.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { changedPaths } from "../src/source/work-tree.ts";
import { git, gitCommitAll } from "../test/helpers/git.ts";
import { percentile } from "./lib.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) || fallback : fallback);
const runs = option("--runs", 9);
const fileCount = option("--files", 50_000);
const scratch = mkdtempSync(join(tmpdir(), "bunseal-bench-work-tree-"));

/** Files of varied size and content, the same on every run. */
async function manyFiles(dir: string, count: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, ".gitignore"), "node_modules/\n.bunseal/\n");
  for (let i = 0; i < count; i++) {
    const folder = join(dir, "src", `group-${Math.floor(i / 100)}`);
    if (i % 100 === 0) mkdirSync(folder, { recursive: true });
    const line = `export const value${i} = ${JSON.stringify(`module ${i} `.repeat(8))};\n`;
    writeFileSync(join(folder, `file-${i}.ts`), line.repeat(1 + (i % 4) * 3));
  }
  await git(dir, ["init", "-q", "-b", "main"]);
  await gitCommitAll(dir, `${count} files`);
}

async function oldStatus(dir: string): Promise<void> {
  const proc = Bun.spawn(["git", "-c", "core.quotePath=false", "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", ".", ":(exclude,top).bunseal"], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/", LC_ALL: "C", GIT_PAGER: "cat", GIT_OPTIONAL_LOCKS: "0" },
    stdout: "pipe",
    stderr: "inherit",
  });
  const out = await new Response(proc.stdout).text();
  if ((await proc.exited) !== 0 || out !== "") throw new Error(`git status in ${dir}: expected a clean tree, got ${JSON.stringify(out.slice(0, 200))}`);
}

async function measure(name: string, dir: string): Promise<void> {
  const commit = await git(dir, ["rev-parse", "HEAD"]);
  const files = (await git(dir, ["ls-files"])).split("\n").length;
  const variants: Record<string, () => Promise<void>> = {
    content: async () => {
      const changed = await changedPaths(dir, commit, { ignore: [".bunseal"] });
      if (changed.length > 0) throw new Error(`${dir}: expected a clean tree, got ${changed.slice(0, 5).join(", ")}`);
    },
    "git-status": () => oldStatus(dir),
  };
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (const run of Object.values(variants)) await run();
  for (let i = 0; i < runs; i++) {
    for (const [variant, run] of Object.entries(variants)) {
      const start = performance.now();
      await run();
      samples[variant]!.push(performance.now() - start);
    }
  }
  console.log(`\n${name}: ${files.toLocaleString("en")} tracked files, ${runs} alternating runs`);
  console.log(`  ${"variant".padEnd(10)}  ${"p50 ms".padStart(8)}  ${"p90 ms".padStart(8)}`);
  for (const [variant, list] of Object.entries(samples)) {
    console.log(`  ${variant.padEnd(10)}  ${percentile(list, 50).toFixed(0).padStart(8)}  ${percentile(list, 90).toFixed(0).padStart(8)}`);
  }
}

try {
  console.log(`Bun ${Bun.version}, ${navigator.hardwareConcurrency} cores`);
  const large = join(scratch, "large-project");
  const gen = Bun.spawnSync([process.execPath, join(import.meta.dir, "gen-large-project.ts"), large, "--modules", "10000"], { stdout: "ignore", stderr: "inherit" });
  if (gen.exitCode !== 0) throw new Error("generating the large project failed");
  await measure("large-project (10,000 modules)", large);
  const many = join(scratch, "many-files");
  await manyFiles(many, fileCount);
  await measure(`generated repository (${fileCount.toLocaleString("en")} files)`, many);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
