/**
 * Issue #21's unseen sources through `bunseal rebuild`: each original built
 * as test/helpers/corpus.ts provokes it, rebuilt once, and the confirmed
 * kinds must be exactly the expected ones (none, and reproduced, where the
 * sandbox fixes what the source reads). A wrong confirmed cause fails as
 * surely as a missing one. bench/diagnosis.ts runs the same sources N times,
 * and check too.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { loadPrivateKey } from "../../src/sign/keys.ts";
import { keySigner, type Signer } from "../../src/sign/signer.ts";
import { runCli } from "../helpers/cli.ts";
import { buildOriginal, CORPUS, corpusRepo } from "../helpers/corpus.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(20_000);

let keys: TestDir;
let signer: Signer;
beforeAll(async () => {
  keys = await makeTempDir("bunseal-corpus-keys-");
  await runCli(["keygen", "--out", keys.path]);
  signer = keySigner(await loadPrivateKey(join(keys.path, "bunseal.key")));
});
afterAll(() => keys?.cleanup());

describe("rebuild confirms exactly what each unseen source depends on", () => {
  for (const source of CORPUS.filter((s) => s.added)) {
    const expected = source.rebuild.length === 0 ? "reproduces" : `confirms ${source.rebuild.join(", ")} and nothing else`;
    test(`${source.name}: ${expected} (${source.provoked})`, async () => {
      await using repo = await corpusRepo(source);
      const original = await buildOriginal(source, repo, signer);
      const out = await runCli(["rebuild", original.bundle!.path, "--key", join(keys.path, "bunseal.pub"), "--json"], { env: source.rebuildEnv ?? source.env ?? {} });
      if (out.exitCode > 1) throw new Error(`rebuild exited ${out.exitCode}: ${out.stderr}`);
      const report = out.json();
      const confirmed = [...new Set((report.causes as { kind: string; confirmed?: boolean }[]).filter((c) => c.confirmed === true).map((c) => c.kind))].sort();
      // the whole answer in one value, so a failure shows what was said and what the experiments saw
      const said = { reproducible: report.reproducible, confirmed, experiments: (report.experiments as { name: string; showed: string }[]).map((e) => `${e.name}: ${e.showed}`) };
      expect({ reproducible: said.reproducible, confirmed: said.confirmed }, JSON.stringify(said, null, 2)).toEqual({ reproducible: source.rebuild.length === 0, confirmed: [...source.rebuild].sort() });
      expect(out.exitCode).toBe(source.rebuild.length === 0 ? 0 : 1);
    });
  }
});
