/**
 * `bunseal verify`'s cost over the @sigstore/verify calls it makes, per process.
 *
 *   bun bench/verify.ts [--runs 21]
 *
 * Three bundles: bunseal's own key-signed one (test/fixtures/attestations), and
 * from the conformance corpus a keyless public-good DSSE bundle and a keyless
 * message signature (production root from the @sigstore/tuf seed). For each, runs in turn (alternating, so drift in
 * machine load hits both alike) one `bunseal verify` process and one process of
 * bench/verify-baseline.ts, which makes only the same library calls; prints the
 * median wall time of each and the ratio. Start-up is printed for attribution:
 * bare `bun -e 0` is in both numbers, and `bunseal --version` (commander and
 * the registration of every command, before verify's own code loads) is in
 * bunseal's. Target (issue #5): ratio ≤ 1.3×.
 */
import { join } from "node:path";
import { conformanceArgs, CONFORMANCE_CORPUS } from "../test/verify/conformance-cases.ts";
import { BUNSEAL, median } from "./lib.ts";

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf("--runs") + 1] ?? 21) || 21;
const root = join(import.meta.dir, "..");
const baseline = join(import.meta.dir, "verify-baseline.ts");
const key = join(root, "test", "fixtures", "attestations", "valid", "key-signed");
const dsse = "happy-path-intoto-in-dsse-v3";

const CASES = [
  {
    name: "key (bunseal's own bundle)",
    bunseal: ["verify", join(key, "artifact.tar"), "--bundle", join(key, "bundle.sigstore.json"), "--key", join(key, "key.pub")],
    baseline: ["key", join(key, "bundle.sigstore.json"), join(key, "key.pub"), join(key, "artifact.tar")],
  },
  {
    name: "keyless (public-good DSSE)",
    bunseal: conformanceArgs(dsse),
    baseline: ["keyless", join(CONFORMANCE_CORPUS, dsse, "bundle.sigstore.json"), join(CONFORMANCE_CORPUS, "a.txt")],
  },
  {
    name: "keyless (message signature)",
    bunseal: conformanceArgs("happy-path-v0.3"),
    baseline: ["keyless", join(CONFORMANCE_CORPUS, "happy-path-v0.3", "bundle.sigstore.json"), join(CONFORMANCE_CORPUS, "a.txt")],
  },
];

async function timeOnce(argv: string[]): Promise<number> {
  const started = performance.now();
  const proc = Bun.spawn(argv, { cwd: root, stdout: "pipe", stderr: "pipe" });
  const [code, stdout, stderr] = await Promise.all([proc.exited, new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`${argv.join(" ")} exited ${code}\n${stdout}\n${stderr}`);
  return ms;
}

const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

// start-up, for attribution: bare Bun, and bunseal's CLI before any command runs (commander, command registration)
const bare: number[] = [];
const cli: number[] = [];
for (let i = 0; i < runs; i++) {
  bare.push(await timeOnce([process.execPath, "-e", "0"]));
  cli.push(await timeOnce([...BUNSEAL, "--version"]));
}
console.log(`start-up: bun -e 0 ${fmt(median(bare))}, bunseal --version ${fmt(median(cli))}  (medians of ${runs} runs)`);

let worst = 0;
for (const c of CASES) {
  const ours: number[] = [];
  const floor: number[] = [];
  // one of each first, so neither pays for a cold file cache
  await timeOnce([...BUNSEAL, ...c.bunseal]);
  await timeOnce([process.execPath, baseline, ...c.baseline]);
  for (let i = 0; i < runs; i++) {
    ours.push(await timeOnce([...BUNSEAL, ...c.bunseal]));
    floor.push(await timeOnce([process.execPath, baseline, ...c.baseline]));
  }
  const ratio = median(ours) / median(floor);
  worst = Math.max(worst, ratio);
  console.log(`${c.name.padEnd(29)} bunseal verify ${fmt(median(ours)).padStart(9)}   @sigstore/verify alone ${fmt(median(floor)).padStart(9)}   ratio ${ratio.toFixed(2)}×`);
}
console.log(`worst ratio ${worst.toFixed(2)}× (target ≤ 1.30×)`);

// issue #12: key mode against the bare check (node:crypto's DSSE verify and the subject, nothing else)
{
  const c = CASES[0]!;
  const ours: number[] = [];
  const bareCheck: number[] = [];
  const bareArgs = [process.execPath, baseline, "bare", join(key, "bundle.sigstore.json"), join(key, "key.pub"), join(key, "artifact.tar")];
  await timeOnce(bareArgs);
  for (let i = 0; i < runs; i++) {
    ours.push(await timeOnce([...BUNSEAL, ...c.bunseal]));
    bareCheck.push(await timeOnce(bareArgs));
  }
  console.log(`key mode against the bare DSSE + subject check: bunseal verify ${fmt(median(ours))}, bare ${fmt(median(bareCheck))}, ratio ${(median(ours) / median(bareCheck)).toFixed(2)}× (target ≤ 2×)`);
}
