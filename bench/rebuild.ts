/**
 * bunseal rebuild and check, against what they cannot avoid doing.
 *
 *   bun bench/rebuild.ts [--runs 7] [--only fixture|large] [--modules 10000] [--private] [--cli PATH]
 *
 * rebuild: wall time of `bunseal rebuild BUNDLE --key PUB` (clone, frozen
 * install, build, compare) against the sum of a `git clone`, a frozen `bun
 * install` and a bare `bun build` with the same options in that fresh clone
 * (lib.ts `rebuildFloor`; nothing of bunseal's runs in it, test/bench/floors.test.ts).
 * Target (issues #12 and #23): ≤ 1.30× on the 10,000-module project (`--modules`
 * makes it smaller, to try the bench).
 * check: wall time of `bunseal check` with default settings against one
 * `bunseal build --no-sign` of the same project. Target: within 6 builds.
 * `--cli PATH` times another bunseal (the bundled dist/entry.js) as rebuild,
 * build and check; the bundle it rebuilds is made by this checkout's bin/bunseal.
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exampleServiceRepo } from "../test/helpers/example-service.ts";
import { scratchDir } from "../src/util/scratch-dir.ts";
import { against, BUNSEAL, cliUnderTest, header, median, option, rebuildFloor, timed as timedSample } from "./lib.ts";

const timed = async (cmd: string[], cwd: string) => (await timedSample(cmd, cwd)).wallMs;

const args = process.argv.slice(2);
const runs = option(args, "--runs", 7);
const modules = option(args, "--modules", 10_000);
const cli = cliUnderTest(args);
const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined;
const root = join(import.meta.dir, "..");
// the same kind of place rebuild checks out into, so the baseline's install and build write to it too
const scratch = mkdtempSync(join(scratchDir(), "bunseal-bench-rebuild-"));

function slug(name: string): string {
  return name.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "");
}

/** `note`: said beside the rebuild target, when the project is not the one the target is set for. */
async function measure(name: string, repo: string, key: string, pub: string, note: string): Promise<void> {
  const config = await Bun.file(join(repo, "bunseal.json")).json();
  const built = Bun.spawnSync([...BUNSEAL, "build", repo, "--key", key, "--json"], { cwd: repo });
  if (built.exitCode !== 0) throw new Error(`build failed: ${built.stderr}`);
  const bundle = JSON.parse(built.stdout.toString()).bundle.path;
  const rebuild: number[] = [];
  const baseline: number[] = [];
  const check: number[] = [];
  const single: number[] = [];
  for (let i = 0; i <= runs; i++) {
    // a fresh clone each time, as rebuild makes one
    const clone = join(scratch, `clone-${slug(name)}-${i}`);
    let floor = 0;
    for (const step of rebuildFloor(repo, clone, config)) floor += await timed(step.cmd, step.cwd);
    const re = await timed([...cli.argv, "rebuild", bundle, "--key", pub, "--json"], repo);
    const one = await timed([...cli.argv, "build", repo, "--no-sign", "--out", join(scratch, "single")], repo);
    const all = await timed([...cli.argv, "check", repo, "--json"], repo);
    rmSync(clone, { recursive: true, force: true });
    if (i === 0) continue; // warm-up: caches and page cache, for all alike
    baseline.push(floor);
    rebuild.push(re);
    single.push(one);
    check.push(all);
  }
  const base = median(baseline);
  console.log(`\n${name}: median of ${runs} runs`);
  console.log(`  clone + frozen install + bare build  ${base.toFixed(0).padStart(6)} ms   (the floor)`);
  console.log(`  bunseal rebuild              ${median(rebuild).toFixed(0).padStart(6)} ms   ${against(median(rebuild) / base, 1.3, "the floor")}${note}`);
  console.log(`  bunseal build --no-sign      ${median(single).toFixed(0).padStart(6)} ms`);
  console.log(`  bunseal check (default)      ${median(check).toFixed(0).padStart(6)} ms   ${(median(check) / median(single)).toFixed(1)} builds' time`);
}

try {
  const keys = join(scratch, "keys");
  Bun.spawnSync([...BUNSEAL, "keygen", "--out", keys]);
  console.log(header(cli));
  if (only !== "large") {
    const repo = await exampleServiceRepo();
    try {
      await measure("example-service (fixtures/)", repo.path, join(keys, "bunseal.key"), join(keys, "bunseal.pub"), " (the target is for the 10,000-module project)");
    } finally {
      await repo.cleanup();
    }
  }
  if (only !== "fixture") {
    // generated on disk, like a real project; its clones go to the scratch folder
    // in a folder other users can reach, as a CI runner's workspace is; in a private (0700) one, check's
    // filesystem variation copies the project beside it for the user variation (README gives both figures)
    const parent = mkdtempSync(join(tmpdir(), "bunseal-bench-"));
    if (!args.includes("--private")) chmodSync(parent, 0o755);
    try {
      const large = join(parent, "large-project");
      const gen = Bun.spawnSync([process.execPath, join(import.meta.dir, "gen-large-project.ts"), large, "--modules", String(modules)], { stdout: "ignore", stderr: "inherit" });
      if (gen.exitCode !== 0) throw new Error("generating the large project failed");
      await measure(`large-project (${modules.toLocaleString("en")} modules)`, large, join(keys, "bunseal.key"), join(keys, "bunseal.pub"), modules === 10_000 ? "" : " (the target is for 10,000 modules)");
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
