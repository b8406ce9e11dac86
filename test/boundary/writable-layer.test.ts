/**
 * The writable layer (issue #19, Why 9 and What 8): a macro that writes a log,
 * a tool that keeps its cache under node_modules/.cache, got `EROFS` and the
 * build failed. The build now sees the repository through an overlay: it may
 * write anywhere, nothing it writes survives or reaches the work tree, and a
 * file it wrote and read back is recorded with the role `generated` and the
 * digest of what it wrote. Run as root (fanotify, the idmapped layer) and, by
 * .ci/run, as an unprivileged user (strace, a layer in a user namespace).
 */
import { expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sha256Hex } from "../../src/util/digest.ts";
import { runCli } from "../helpers/cli.ts";
import { git } from "../helpers/git.ts";
import { makeTempDir } from "../helpers/testdir.ts";
import { hostileRepo, outputsOf } from "./hostile-repo.ts";
import { probed, probeMacro, PROBE_ENTRY } from "./probe.ts";

const inputsOf = (statement: any) =>
  new Map<string, { role: string; sha256: string }>(statement.predicate.buildDefinition.resolvedDependencies.filter((d: any) => d.name).map((d: any) => [d.name, { role: d.annotations.role, sha256: d.digest.sha256 }]));

test("a macro that writes a log, a cache under node_modules/.cache and a file it reads back builds; the work tree is untouched; the read-back file is `generated`", async () => {
  await using repo = await hostileRepo(
    {
      "src/macro.ts": probeMacro(
        [
          `  fs.appendFileSync("build.log", "built\\n");`,
          `  fs.mkdirSync("node_modules/.cache/tool", { recursive: true });`,
          `  fs.writeFileSync("node_modules/.cache/tool/cache.json", "{}");`,
          `  fs.writeFileSync("src/data.txt", "made-by-the-build");`,
          `  fs.writeFileSync("README.md", "overwritten by the build");`,
          `  found.data = fs.readFileSync("src/data.txt", "utf8");`,
          `  found.cache = fs.readFileSync("node_modules/.cache/tool/cache.json", "utf8");`,
        ].join("\n"),
      ),
      "src/index.ts": PROBE_ENTRY,
      "README.md": "the committed readme\n",
      "build.log": "a log from before\n",
    },
    { ignore: ["*.log"] },
  );
  // bunseal's scratch folders go to a temporary folder of this test's own, to be seen gone
  await using scratch = await makeTempDir("bunseal-layer-test-");
  chmodSync(scratch.path, 0o755);
  const built = await runCli(["build", ".", "--no-sign", "--json"], { cwd: repo.path, env: { TMPDIR: scratch.path } });
  expect(built.exitCode, built.stderr).toBe(0);
  const found = await probed(built.json().artifact.path);
  expect(found).toEqual({ data: "made-by-the-build", cache: "{}" });

  // nothing written reached the work tree
  expect(readFileSync(join(repo.path, "README.md"), "utf8")).toBe("the committed readme\n");
  expect(readFileSync(join(repo.path, "build.log"), "utf8")).toBe("a log from before\n");
  expect(existsSync(join(repo.path, "src/data.txt"))).toBe(false);
  expect(existsSync(join(repo.path, "node_modules"))).toBe(false);
  expect(await git(repo.path, ["status", "--porcelain", "--ignored", "--", ".", ":!.bunseal"])).toBe("!! build.log");
  // nor survives the build
  expect(readdirSync(scratch.path)).toEqual([]);

  const statement = JSON.parse(readFileSync(`${built.json().artifact.path}.intoto.json`, "utf8"));
  expect(statement.predicate.buildDefinition.internalParameters.sandbox.writes).toBe("layer");
  const inputs = inputsOf(statement);
  expect(inputs.get("src/data.txt")).toEqual({ role: "generated", sha256: sha256Hex(new TextEncoder().encode("made-by-the-build")) });
  expect(inputs.get("node_modules/.cache/tool/cache.json")).toEqual({ role: "generated", sha256: sha256Hex(new TextEncoder().encode("{}")) });
}, 60_000);

test("a git-ignored file on the disk is not what the build reads: it finds nothing there, makes it anew, and its own file is the input", async () => {
  await using repo = await hostileRepo(
    {
      // a generator that runs in the build's process before the bundle (a bunfig preload)
      "bunfig.toml": `preload = ["./scripts/generate.ts"]\n`,
      "scripts/generate.ts": `import { writeFileSync } from "node:fs";\nwriteFileSync("src/generated.ts", 'export const value = "fresh";\\n');\n`,
      "src/index.ts": `import { value } from "./generated.ts";\nconsole.log(value);\n`,
    },
    { ignore: ["src/generated.ts"] },
  );
  // a stale copy a developer generated long ago: hidden from the build, and left alone
  writeFileSync(join(repo.path, "src/generated.ts"), 'export const value = "stale";\n');
  const built = await runCli(["build", ".", "--no-sign", "--json"], { cwd: repo.path });
  expect(built.exitCode, built.stderr).toBe(0);
  const index = (await outputsOf(built.json().artifact.path)).get("index.js");
  expect(index).toContain("fresh");
  expect(index).not.toContain("stale");
  expect(readFileSync(join(repo.path, "src/generated.ts"), "utf8")).toBe('export const value = "stale";\n');
  const inputs = inputsOf(JSON.parse(readFileSync(`${built.json().artifact.path}.intoto.json`, "utf8")));
  expect(inputs.get("src/generated.ts")).toEqual({ role: "generated", sha256: sha256Hex(new TextEncoder().encode('export const value = "fresh";\n')) });
}, 60_000);

test("a secret the layer removes stays unreadable: the build finds no git-ignored .env, nor the .git folder", async () => {
  await using repo = await hostileRepo(
    {
      "src/macro.ts": probeMacro(`  found.env = fs.existsSync(".env");\n  found.git = fs.existsSync(".git");\n  found.secret = fs.existsSync("secrets/token.txt");`),
      "src/index.ts": PROBE_ENTRY,
    },
    { ignore: [".env", "secrets/"] },
  );
  writeFileSync(join(repo.path, ".env"), "TOKEN=layer-secret-5d1c\n");
  mkdirSync(join(repo.path, "secrets"));
  writeFileSync(join(repo.path, "secrets/token.txt"), "layer-secret-5d1c\n");
  const built = await runCli(["build", ".", "--no-sign", "--json"], { cwd: repo.path });
  expect(built.exitCode, built.stderr).toBe(0);
  expect(await probed(built.json().artifact.path)).toEqual({ env: false, git: false, secret: false });
}, 60_000);

test("a link the build makes in its layer is not recorded as a file of its own: the record names what was read through it", async () => {
  await using repo = await hostileRepo({
    "bunfig.toml": `preload = ["./scripts/link.ts"]\n`,
    // the generator points src/gen.ts at another file of the tree, in the layer
    "scripts/link.ts": `import { symlinkSync } from "node:fs";\nsymlinkSync("other.ts", "src/gen.ts");\n`,
    "src/other.ts": `export const v = "from-other";\n`,
    "src/index.ts": `import { v } from "./gen.ts";\nconsole.log(v);\n`,
  });
  const built = await runCli(["build", ".", "--no-sign", "--json"], { cwd: repo.path });
  expect(built.exitCode, built.stderr).toBe(0);
  const inputs = inputsOf(JSON.parse(readFileSync(`${built.json().artifact.path}.intoto.json`, "utf8")));
  expect(inputs.has("src/gen.ts")).toBe(false);
  expect(inputs.get("src/other.ts")).toEqual({ role: "module", sha256: sha256Hex(new TextEncoder().encode(`export const v = "from-other";\n`)) });
  expect(existsSync(join(repo.path, "src/gen.ts"))).toBe(false);
}, 60_000);
