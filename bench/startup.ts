/**
 * Start-up: `bunseal --version`, `--help` and a usage error against `bun -e 0`,
 * run alternately (one of each per round) so that a busy moment slows them
 * alike; medians, and the ratio issue #12 sets a target for (≤ 2×).
 *
 *   bun bench/startup.ts [--rounds 60] [--cli PATH]
 *
 * The floor, `bun -e 0`, loads no package (test/bench/floors.test.ts). `--cli`
 * times another bunseal (the bundled dist/entry.js) in place of bin/bunseal.
 */
import { join } from "node:path";
import { against, cliUnderTest, header, median, option } from "./lib.ts";

const args = process.argv.slice(2);
const rounds = option(args, "--rounds", 60);
const cli = cliUnderTest(args);
const TARGET = 2;
const cases: [string, string[], number][] = [
  ["bun -e 0", [process.execPath, "-e", "0"], 0],
  ["bunseal --version", [...cli.argv, "--version"], 0],
  ["bunseal --help", [...cli.argv, "--help"], 0],
  ["bunseal frobnicate (usage error)", [...cli.argv, "frobnicate"], 2],
  // a command's own usage error goes through commander and the command's module
  ["bunseal verify (no artifact)", [...cli.argv, "verify"], 2],
  ["bunseal verify --frobnicate (unknown option)", [...cli.argv, "verify", "--frobnicate"], 2],
  // for attribution, not a target: the least of anything that goes through commander, Bun and the package loaded (no program built)
  ["floor: bun -e 'require(\"commander\")'", [process.execPath, "-e", 'require("commander")'], 0],
];

async function once(cmd: string[], expected: number): Promise<number> {
  const started = performance.now();
  const proc = Bun.spawn(cmd, { cwd: join(import.meta.dir, ".."), stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  const code = await proc.exited;
  const ms = performance.now() - started;
  if (code !== expected) throw new Error(`${cmd.join(" ")} exited ${code}, expected ${expected}`);
  return ms;
}

const samples = cases.map(() => [] as number[]);
for (let round = 0; round < rounds + 3; round++) {
  for (const [i, [, cmd, expected]] of cases.entries()) {
    const ms = await once(cmd, expected);
    if (round >= 3) samples[i]!.push(ms); // three warm-up rounds
  }
}
const floor = median(samples[0]!);
console.log(header(cli));
console.log(`start-up, ${rounds} alternating rounds, medians`);
for (const [i, [name]] of cases.entries()) {
  const m = median(samples[i]!);
  const ratio = i === 0 ? "(floor)" : name.startsWith("floor:") ? `${(m / floor).toFixed(2)}× bun -e 0 (attribution)` : against(m / floor, TARGET, "bun -e 0");
  console.log(`  ${name.padEnd(44)} ${m.toFixed(1).padStart(6)} ms  ${ratio}`);
}
