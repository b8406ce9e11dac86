/**
 * What the build's boundary costs (issue #8): the same build through the
 * library, alternating, on the 10,000-module project:
 *
 *   bun bench/boundary.ts [--runs 9]
 *
 *   bare       bun build with the project's options
 *   no-box     bunseal's build with the sandbox turned off (the record says so)
 *   sandbox    in the bubblewrap sandbox, reads not traced
 *   fanotify   in the sandbox, reads traced by fanotify (the default as root)
 *   strace     in the sandbox, reads traced by strace (the default without root)
 *
 * Each bunseal variant is a fresh process running buildArtifact (no CLI, no
 * signing), so the differences are the boundary's. Prints medians and ratios.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bareBuildCommand, median, timed } from "./lib.ts";

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf("--runs") + 1] ?? 9) || 9;
const root = join(import.meta.dir, "..");
const scratch = mkdtempSync(join(tmpdir(), "bunseal-bench-boundary-"));

const library = (options: string) => [
  process.execPath,
  "--no-env-file",
  "-e",
  `import { buildArtifact } from ${JSON.stringify(join(root, "src/pipeline/build.ts"))}; import { defaultContext } from ${JSON.stringify(join(root, "src/context.ts"))};
   await buildArtifact({ projectDir: process.cwd(), outDir: ${JSON.stringify(join(scratch, "out"))}, ${options} }, defaultContext());`,
];

try {
  const project = join(scratch, "large");
  const gen = Bun.spawnSync([process.execPath, join(import.meta.dir, "gen-large-project.ts"), project, "--modules", "10000"], { stdout: "ignore", stderr: "inherit" });
  if (gen.exitCode !== 0) throw new Error("could not generate the project");
  const config = await Bun.file(join(project, "bunseal.json")).json();
  const variants: Record<string, string[]> = {
    bare: bareBuildCommand(config, join(scratch, "bare")),
    "no-box": library("sandbox: false"),
    sandbox: library(`tracer: "untraced"`),
    fanotify: library(`tracer: "fanotify"`),
    strace: library(`tracer: "strace"`),
  };
  const walls: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (const cmd of Object.values(variants)) await timed(cmd, project);
  for (let i = 0; i < runs; i++) for (const [name, cmd] of Object.entries(variants)) walls[name]!.push((await timed(cmd, project)).wallMs);
  const bare = median(walls.bare!);
  const noBox = median(walls["no-box"]!);
  console.log(`Bun ${Bun.version}, ${navigator.hardwareConcurrency} cores; 10,000 modules; median of ${runs} alternating runs`);
  console.log(`  ${"variant".padEnd(9)} ${"wall ms".padStart(8)}  ${"× bare".padStart(7)}  ${"× no-box".padStart(8)}`);
  for (const [name, list] of Object.entries(walls)) {
    const wall = median(list);
    console.log(`  ${name.padEnd(9)} ${wall.toFixed(0).padStart(8)}  ${(wall / bare).toFixed(2).padStart(6)}×  ${(wall / noBox).toFixed(3).padStart(7)}×`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
