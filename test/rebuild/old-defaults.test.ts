/**
 * Artifacts signed before bunseal's defaults became Bun.build's still rebuild:
 * the rebuild builds with the options the statement recorded, not with what
 * the checkout's bunseal.json means to the bunseal that rebuilds.
 *
 * The old statement is written as the old code wrote it: bunseal before the
 * change resolved a config without target to target "bun", format "esm", and
 * recorded no naming (it passed the CLI's chunk and asset names,
 * "[name]-[hash].[ext]", on its own). Its artifact is built here from a twin
 * repository whose config says those values outright, so the bytes are the old
 * code's; the statement then names the project's commit, the recorded build
 * options in the old shape and the old config digest, and is signed with a
 * test key.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { loadPrivateKey } from "../../src/sign/keys.ts";
import { signStatement } from "../../src/sign/sign-statement.ts";
import { keySigner } from "../../src/sign/signer.ts";
import { canonicalJson } from "../../src/util/canonical-json.ts";
import { sha256Hex } from "../../src/util/digest.ts";
import { runCli } from "../helpers/cli.ts";
import { gitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(90_000);

let keys: TestDir;
beforeAll(async () => {
  keys = await makeTempDir("bunseal-old-defaults-keys-");
  await runCli(["keygen", "--out", keys.path]);
});
afterAll(() => keys?.cleanup());

// split entries share a chunk (its name is the chunk template's), and node:path bundles differently for bun and browser
const FILES = {
  "src/a.ts": `import { s } from "./shared.ts";\nimport { join } from "node:path";\nconsole.log("a", s, join("x", "y"));\n`,
  "src/b.ts": `import { s } from "./shared.ts";\nconsole.log("b", s);\n`,
  "src/shared.ts": `export const s = "shared";\n`,
};
const CONFIG = { service: "old", entrypoints: ["src/a.ts", "src/b.ts"], build: { splitting: true } };
/** What bunseal before the change resolved CONFIG's build to, and recorded. */
const OLD_BUILD = { target: "bun", format: "esm", minify: false, sourcemap: "none", splitting: true, external: [], define: {} };
const OLD_NAMING = { chunk: "[name]-[hash].[ext]", asset: "[name]-[hash].[ext]" };

async function buildUnsigned(dir: string) {
  const out = await runCli(["build", dir, "--no-sign", "--json"]);
  if (out.exitCode !== 0) throw new Error(`build failed: ${out.stderr}`);
  const result = out.json() as { artifact: { path: string; digest: string }; statement: { path: string } };
  return { ...result, value: JSON.parse(await Bun.file(result.statement.path).text()) };
}

test("a statement recorded under the old defaults (target bun, the CLI's chunk names) rebuilds with them", async () => {
  await using project = await gitRepo({ ...FILES, "bunseal.json": JSON.stringify(CONFIG) });
  // the old code's bytes: the same files, the old values said outright
  await using twin = await gitRepo({ ...FILES, "bunseal.json": JSON.stringify({ ...CONFIG, build: { ...OLD_BUILD, naming: OLD_NAMING } }) });
  const [now, old] = await Promise.all([buildUnsigned(project.path), buildUnsigned(twin.path)]);
  // not vacuous: the project built today is another artifact than the one signed under the old defaults
  expect(now.artifact.digest).not.toBe(old.artifact.digest);
  expect(now.value.predicate.buildDefinition.externalParameters.build).toMatchObject({ target: "browser", naming: { chunk: "chunk-[hash].[ext]" } });

  const statement = old.value;
  const external = statement.predicate.buildDefinition.externalParameters;
  external.source = now.value.predicate.buildDefinition.externalParameters.source;
  external.build = OLD_BUILD;
  external.config.digest = `sha256:${sha256Hex(canonicalJson({ ...CONFIG, build: OLD_BUILD, featureFlags: {}, env: [], secrets: [], budgets: {}, outDir: ".bunseal/out" }))}`;
  const bundle = await signStatement(new TextEncoder().encode(canonicalJson(statement)), keySigner(await loadPrivateKey(join(keys.path, "bunseal.key"))));
  const bundlePath = join(keys.path, `old-${crypto.randomUUID()}.sigstore.json`);
  await Bun.write(bundlePath, JSON.stringify(bundle));

  const result = await runCli(["rebuild", bundlePath, "--key", join(keys.path, "bunseal.pub"), "--json"]);
  expect(result.stderr).not.toContain("NOT REPRODUCIBLE");
  expect(result.exitCode).toBe(0);
  const report = result.json() as { reproducible: boolean; artifact: { rebuilt: string } };
  expect(report.reproducible).toBe(true);
  expect(report.artifact.rebuilt).toBe(old.artifact.digest);
});
