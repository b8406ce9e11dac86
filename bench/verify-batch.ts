/**
 * Batch verify (issue #11): what each additional artifact costs when a release
 * gate verifies many in one process.
 *
 *   bun bench/verify-batch.ts [--runs 9] [--artifacts 20]
 *
 * Builds the example service once, then times `bunseal verify A --key PUB`
 * and `bunseal verify A A … (N+1 times) --key PUB`, alternating, and prints the
 * median cost per additional artifact. Target: ≤ 5 ms.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exampleServiceRepo } from "../test/helpers/example-service.ts";
import { BUNSEAL, median, timed } from "./lib.ts";

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf("--runs") + 1] ?? 9) || 9;
const extra = Number(args[args.indexOf("--artifacts") + 1] ?? 20) || 20;
const scratch = mkdtempSync(join(tmpdir(), "bunseal-bench-batch-"));
const repo = await exampleServiceRepo();
try {
  const keys = join(scratch, "keys");
  Bun.spawnSync([...BUNSEAL, "keygen", "--out", keys]);
  const built = JSON.parse(Bun.spawnSync([...BUNSEAL, "build", repo.path, "--key", join(keys, "bunseal.key"), "--json"]).stdout.toString());
  const artifact: string = built.artifact.path;
  const one = [...BUNSEAL, "verify", artifact, "--key", join(keys, "bunseal.pub"), "--json"];
  const many = [...BUNSEAL, "verify", ...Array.from({ length: extra + 1 }, () => artifact), "--key", join(keys, "bunseal.pub"), "--json"];
  await timed(one, scratch);
  await timed(many, scratch);
  const single: number[] = [];
  const batch: number[] = [];
  for (let i = 0; i < runs; i++) {
    single.push((await timed(one, scratch)).wallMs);
    batch.push((await timed(many, scratch)).wallMs);
  }
  const per = (median(batch) - median(single)) / extra;
  console.log(`Bun ${Bun.version}; the example service's artifact (${(built.artifact.size / 1024).toFixed(0)} KiB); median of ${runs} alternating runs`);
  console.log(`  verify 1 artifact            ${median(single).toFixed(0).padStart(6)} ms`);
  console.log(`  verify ${extra + 1} artifacts           ${median(batch).toFixed(0).padStart(6)} ms`);
  console.log(`  per additional artifact      ${per.toFixed(1).padStart(6)} ms   (target ≤ 5 ms)`);
} finally {
  await repo.cleanup();
  rmSync(scratch, { recursive: true, force: true });
}
