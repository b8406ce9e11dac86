/**
 * The planted corpus through rebuild's and check's experiments (issue #10):
 *
 *   bun bench/diagnosis.ts [--runs 5]
 *
 * For each source in fixtures/nondeterminism that a later build or a changed
 * condition provokes: the original is built (provoked as the tests do), then
 * rebuilt `--runs` times, and checked once. Prints a markdown table: the
 * cause rebuild names confirmed (and in how many runs), the extra builds its
 * experiments used, and check's culprit and confirmed cause.
 */
import { chmod, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { defaultContext } from "../src/context.ts";
import { buildArtifact } from "../src/pipeline/build.ts";
import { loadPrivateKey } from "../src/sign/keys.ts";
import { keySigner } from "../src/sign/signer.ts";
import { plantedRepo } from "../test/helpers/fixture-repo.ts";
import { makeTempDir } from "../test/helpers/testdir.ts";
import { BUNSEAL } from "./lib.ts";

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf("--runs") + 1] ?? 5) || 5;
const faketime = Bun.which("faketime") ?? "faketime";

type Provocation = { env?: Record<string, string>; wrapper?: string[] };
const SOURCES: [string, Provocation | undefined, Record<string, string>?][] = [
  ["random", undefined],
  ["random-length", undefined],
  ["uuid", undefined],
  ["timestamp", undefined],
  ["date-now", undefined],
  ["date-only", { wrapper: [faketime, "-f", "-400d"], env: { FAKETIME_DONT_FAKE_MONOTONIC: "1" } }],
  ["locale", { env: { LC_ALL: "de_DE.UTF-8", LANG: "de_DE.UTF-8" } }],
  ["timezone", { env: { TZ: "Asia/Kolkata" } }],
  ["file-mode", { wrapper: ["sh", "-c", 'umask 077 && exec "$@"', "sh"] }],
  ["hostname", { wrapper: ["unshare", "--uts", "--", "sh", "-c", 'hostname original-build-host && exec "$@"', "sh"] }],
  ["env-var", undefined, { PUBLIC_BUILD_LABEL: "ci-run-1717" }],
  ["user", { wrapper: [] }],
  ["map-order", undefined],
  ["control", undefined],
];

const keys = await makeTempDir("bunseal-bench-diagnosis-");
const run = (cmd: string[], env: Record<string, string> = {}) => {
  const out = Bun.spawnSync(cmd, { env: { ...process.env, ...env } });
  return JSON.parse(out.stdout.toString());
};
try {
  Bun.spawnSync([...BUNSEAL, "keygen", "--out", keys.path]);
  const signer = keySigner(await loadPrivateKey(join(keys.path, "bunseal.key")));
  console.log(`| source | rebuild: confirmed cause | confirmed in | extra builds | check: culprit | check: confirmed cause |`);
  console.log(`| --- | --- | --- | --- | --- | --- |`);
  for (const [name, provocation, env] of SOURCES) {
    await using repo = await plantedRepo(name);
    let variation = provocation;
    if (name === "user") {
      // built as nobody: its folder reachable, its out folder handed over, as check's user variation does
      const out = join(repo.path, ".bunseal", "out");
      await chmod(repo.path, 0o755);
      await mkdir(out, { recursive: true });
      variation = { wrapper: ["sh", "-c", 'chown -R "$0" "$1" && shift && exec "$@"', "65534:65534", out, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"] };
    }
    const original = await buildArtifact({ projectDir: repo.path, signer, variation }, defaultContext({ env: { ...process.env, ...env } }));
    const named = new Map<string, number>();
    const builds: number[] = [];
    for (let i = 0; i < runs; i++) {
      // env-var: the rebuild sees another value of the allowed variable
      const report = run([...BUNSEAL, "rebuild", original.bundle!.path, "--key", join(keys.path, "bunseal.pub"), "--json"], name === "env-var" ? { PUBLIC_BUILD_LABEL: "ci-run-1718" } : {});
      for (const kind of new Set<string>(report.causes.filter((c: { confirmed: boolean }) => c.confirmed).map((c: { kind: string }) => c.kind))) named.set(kind, (named.get(kind) ?? 0) + 1);
      // each experiment says how many builds it took (the frozen pairs two); a report from before `builds` counted the pair as one entry
      builds.push(report.experiments.reduce((n: number, e: { name: string; builds?: number }) => n + (e.builds ?? (e.name === "frozen-clock" ? 2 : 1)), 0));
    }
    const check = run([...BUNSEAL, "check", repo.path, "--json"], env ?? {});
    const confirmedCheck = [...new Set(check.causes.filter((c: { confirmed: boolean }) => c.confirmed).map((c: { kind: string }) => c.kind))].join(", ");
    const kinds = [...named].map(([kind, n]) => `${kind}`).join(", ") || "— (reproducible)";
    const counts = [...named].map(([, n]) => `${n}/${runs}`).join(", ") || `${runs}/${runs} reproducible`;
    const culprit = check.failure === "same-environment" ? "(same environment)" : check.culprits.join(", ") || "— (reproducible)";
    console.log(`| \`${name}\` | ${kinds} | ${counts} | ${Math.min(...builds)}–${Math.max(...builds)} | ${culprit} | ${confirmedCheck || "—"} |`);
  }
} finally {
  await keys.cleanup();
}
