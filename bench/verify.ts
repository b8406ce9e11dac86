/**
 * `bunseal verify` against the least its work needs, per process.
 *
 *   bun bench/verify.ts [--runs 21] [--cli PATH]
 *
 * Key mode (bunseal's own key-signed bundle, test/fixtures/attestations) is held
 * to bench/floors/verify-bare.ts: the bundle parsed, the DSSE PAE, one signature
 * check with node:crypto, the artifact's sha256 among the subjects, no package
 * loaded (issue #23's target: ≤ 2.0×). bench/floors/verify-key.ts, the same
 * check through @sigstore/verify, is printed beside it for attribution.
 * Keyless (from the conformance corpus: a public-good DSSE bundle and a message
 * signature, production root) is held to bench/floors/verify-keyless.ts,
 * @sigstore/verify alone with the same identity policy (target: ≤ 1.3×).
 * test/bench/floors.test.ts holds each floor to loading only what its work
 * needs and to rejecting a tampered artifact or signature.
 * Each round runs every command once, in an order that alternates (A B, B A),
 * so drift in machine load and one command's after-effects hit all alike;
 * medians. Start-up is printed for attribution: `bun -e 0` is in every figure,
 * `bunseal --version` in bunseal's.
 */
import { join } from "node:path";
import { conformanceArgs, CONFORMANCE_CORPUS } from "../test/verify/conformance-cases.ts";
import { against, cliUnderTest, header, median, option } from "./lib.ts";

const args = process.argv.slice(2);
const runs = option(args, "--runs", 21);
const cli = cliUnderTest(args);
const root = join(import.meta.dir, "..");
const floor = (name: string) => [process.execPath, join(import.meta.dir, "floors", `verify-${name}.ts`)];
const key = join(root, "test", "fixtures", "attestations", "valid", "key-signed");
const keyArgs = [join(key, "bundle.sigstore.json"), join(key, "key.pub"), join(key, "artifact.tar")];

/** bunseal's arguments for a conformance case, and the keyless floor's: the same bundle, artifact, identity and issuer. */
function keyless(name: string): { bunseal: string[]; floor: string[] } {
  const bunseal = conformanceArgs(name);
  const value = (flag: string) => bunseal[bunseal.indexOf(flag) + 1]!;
  return { bunseal, floor: [...floor("keyless"), join(CONFORMANCE_CORPUS, name, "bundle.sigstore.json"), bunseal.at(-1)!, value("--certificate-identity"), value("--certificate-oidc-issuer")] };
}

interface Case {
  name: string;
  bunseal: string[];
  /** the floor the target holds bunseal to */
  floor: { label: string; argv: string[]; target: number };
  /** other floors, printed for attribution */
  beside?: { label: string; argv: string[] }[];
}

const dsse = keyless("happy-path-intoto-in-dsse-v3");
const message = keyless("happy-path-v0.3");
const CASES: Case[] = [
  {
    name: "key (bunseal's own bundle)",
    bunseal: ["verify", join(key, "artifact.tar"), "--bundle", join(key, "bundle.sigstore.json"), "--key", join(key, "key.pub")],
    floor: { label: "bare floor (node:crypto)", argv: [...floor("bare"), ...keyArgs], target: 2.0 },
    beside: [{ label: "@sigstore/verify with the key", argv: [...floor("key"), ...keyArgs] }],
  },
  { name: "keyless (public-good DSSE)", bunseal: dsse.bunseal, floor: { label: "@sigstore/verify alone", argv: dsse.floor, target: 1.3 } },
  { name: "keyless (message signature)", bunseal: message.bunseal, floor: { label: "@sigstore/verify alone", argv: message.floor, target: 1.3 } },
];

async function timeOnce(argv: string[]): Promise<number> {
  const started = performance.now();
  const proc = Bun.spawn(argv, { cwd: root, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [code, stdout, stderr] = await Promise.all([proc.exited, new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`${argv.join(" ")} exited ${code}\n${stdout}\n${stderr}`);
  return ms;
}

/** Medians of `runs` rounds of every command, the order reversed every other round; one untimed round first for the file cache. */
async function rounds(commands: string[][]): Promise<number[]> {
  const samples = commands.map(() => [] as number[]);
  for (const argv of commands) await timeOnce(argv);
  for (let i = 0; i < runs; i++) {
    const order = commands.map((_, k) => k);
    if (i % 2) order.reverse();
    for (const k of order) samples[k]!.push(await timeOnce(commands[k]!));
  }
  return samples.map(median);
}

const fmt = (ms: number) => `${ms.toFixed(1)} ms`.padStart(9);

console.log(header(cli));
const [bare, version] = await rounds([[process.execPath, "-e", "0"], [...cli.argv, "--version"]]);
console.log(`start-up: bun -e 0 ${fmt(bare!)}, bunseal --version ${fmt(version!)}  (medians of ${runs} rounds)`);

let met = true;
for (const c of CASES) {
  const [ours, held, ...others] = await rounds([[...cli.argv, ...c.bunseal], c.floor.argv, ...(c.beside ?? []).map((b) => b.argv)]);
  met &&= ours! / held! <= c.floor.target;
  console.log(`${c.name.padEnd(29)} bunseal verify ${fmt(ours!)}   ${c.floor.label} ${fmt(held!)}   ${against(ours! / held!, c.floor.target)}`);
  for (const [k, b] of (c.beside ?? []).entries()) console.log(`${"".padEnd(29)} ${b.label} ${fmt(others[k]!)}   bunseal ${(ours! / others[k]!).toFixed(2)}× it (attribution)`);
}
console.log(met ? "every verify target met" : "a verify target is NOT met");
