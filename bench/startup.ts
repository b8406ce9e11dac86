/**
 * Start-up: `bunseal --version`, `--help` and a usage error against `bun -e 0`,
 * run alternately (one of each per round) so that a busy moment slows them
 * alike; medians, and the ratio issue #12 sets a target for (≤ 2×).
 *
 *   bun bench/startup.ts [--rounds N]
 */
import { join } from "node:path";
import { BUNSEAL, median } from "./lib.ts";

const rounds = Number(process.argv[process.argv.indexOf("--rounds") + 1]) || 60;
const cases: [string, string[], number][] = [
  ["bun -e 0", [process.execPath, "-e", "0"], 0],
  ["bunseal --version", [...BUNSEAL, "--version"], 0],
  ["bunseal --help", [...BUNSEAL, "--help"], 0],
  ["bunseal frobnicate (usage error)", [...BUNSEAL, "frobnicate"], 2],
  // a command's own usage error goes through commander and the command's module
  ["bunseal verify (no artifact)", [...BUNSEAL, "verify"], 2],
  ["bunseal verify --frobnicate (unknown option)", [...BUNSEAL, "verify", "--frobnicate"], 2],
  // the floor of everything that goes through commander: Bun, and the package loaded (no program built)
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
console.log(`start-up, ${rounds} alternating rounds, medians (Bun ${Bun.version})`);
for (const [i, [name]] of cases.entries()) {
  const m = median(samples[i]!);
  console.log(`  ${name.padEnd(34)} ${m.toFixed(1).padStart(6)} ms  ${i === 0 ? "(floor)" : `${(m / floor).toFixed(2)}× bun -e 0`}`);
}
