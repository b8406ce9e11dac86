/**
 * Artifacts signed before sourcemaps followed the outdir still rebuild. Until
 * issue #19 a map's `sources` were relative to the project (`src/a.ts`); now
 * they are what Bun.build with `outdir: "dist"` writes (`../src/a.ts`). A
 * statement of that time records no `mapSources`: its rebuild makes the maps
 * as they were made then, and reproduces the signed digest.
 *
 * The old statement is made as the old code made it: built with the maps
 * relative to the project (the layout the old worker wrote), its
 * `internalParameters.mapSources` removed (the old code wrote none), signed.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { readTarFiles } from "../../src/artifact/tar-read.ts";
import { defaultContext } from "../../src/context.ts";
import { buildArtifact } from "../../src/pipeline/build.ts";
import { recordedOptions } from "../../src/rebuild/recorded.ts";
import { loadPrivateKey } from "../../src/sign/keys.ts";
import { signStatement } from "../../src/sign/sign-statement.ts";
import { keySigner } from "../../src/sign/signer.ts";
import { canonicalJson } from "../../src/util/canonical-json.ts";
import { runCli } from "../helpers/cli.ts";
import { gitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(90_000);

let keys: TestDir;
beforeAll(async () => {
  keys = await makeTempDir("bunseal-old-maps-keys-");
  await runCli(["keygen", "--out", keys.path]);
});
afterAll(() => keys?.cleanup());

test("a statement from before maps followed the outdir (no mapSources) rebuilds its project-relative maps", async () => {
  await using project = await gitRepo({
    "src/a.ts": `import { s } from "./lib/s.ts";\nconsole.log("a", s);\n`,
    "src/lib/s.ts": `export const s = "shared";\n`,
    "bunseal.json": JSON.stringify({ service: "maps", entrypoints: ["src/a.ts"], build: { target: "bun", sourcemap: "external" } }),
    ".gitignore": ".bunseal/\n",
  });
  const ctx = defaultContext();
  const now = await buildArtifact({ projectDir: project.path, outDir: join(project.path, ".bunseal", "now") }, ctx);
  const external = now.statementValue.predicate.buildDefinition.externalParameters;
  const old = await buildArtifact({ projectDir: project.path, outDir: join(project.path, ".bunseal", "old"), recorded: { ...recordedOptions(external as never), mapSources: "project" } }, ctx);
  const mapOf = async (path: string) => JSON.parse(new TextDecoder().decode((await readTarFiles(path)).get("a.js.map")!)).sources;
  // not vacuous: the layouts differ, and so do the artifacts
  expect(await mapOf(now.artifact.path)).toEqual(["../src/lib/s.ts", "../src/a.ts"]);
  expect(await mapOf(old.artifact.path)).toEqual(["src/lib/s.ts", "src/a.ts"]);
  expect(now.artifact.digest).not.toBe(old.artifact.digest);
  expect(now.statementValue.predicate.buildDefinition.internalParameters?.mapSources).toBe("outdir");

  const statement = structuredClone(old.statementValue) as { predicate: { buildDefinition: { internalParameters: Record<string, unknown> } } };
  delete statement.predicate.buildDefinition.internalParameters.mapSources;
  const bundle = await signStatement(new TextEncoder().encode(canonicalJson(statement)), keySigner(await loadPrivateKey(join(keys.path, "bunseal.key"))));
  const bundlePath = join(keys.path, `old-${crypto.randomUUID()}.sigstore.json`);
  await Bun.write(bundlePath, JSON.stringify(bundle));

  const result = await runCli(["rebuild", bundlePath, "--key", join(keys.path, "bunseal.pub"), "--artifact", old.artifact.path, "--json"]);
  expect(result.stderr).not.toContain("NOT REPRODUCIBLE");
  expect(result.exitCode).toBe(0);
  expect(result.json()).toMatchObject({ reproducible: true, artifact: { rebuilt: old.artifact.digest } });
});
