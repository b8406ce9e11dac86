/**
 * `compile` for another platform (issue #9): the target's Bun comes from the
 * npm registry's `@oven/bun-<os>-<arch>` package, checked against its
 * integrity before the sandbox closes the network, is recorded as an input,
 * and the executable is the one `bun build --compile --target=…` makes around
 * that same base. Bun's own way, a download from GitHub during the build,
 * could not happen in the sandbox and would not be in the record.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { readTarFiles } from "../../src/artifact/tar-read.ts";
import { fetchBaseExecutable } from "../../src/runtime/fetch-base-executable.ts";
import { runCli } from "../helpers/cli.ts";
import { bunCacheDir } from "../helpers/fixture-repo.ts";
import { gitRepo, type GitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(180_000);

const TARGET = "bun-linux-arm64";
let keys: TestDir;
let repo: GitRepo;
let cache: string;

beforeAll(async () => {
  keys = await makeTempDir("bunseal-cross-keys-");
  cache = bunCacheDir(join(keys.path, "cache"));
  expect((await runCli(["keygen", "--out", keys.path])).exitCode).toBe(0);
  repo = await gitRepo({
    ".gitignore": ".bunseal/\n",
    "package.json": JSON.stringify({ name: "cross", private: true }),
    "bunseal.json": JSON.stringify({ service: "cross", entrypoints: ["src/cli.ts"], build: { compile: { target: TARGET, outfile: "cross" } } }),
    "src/cli.ts": "console.log('hello from arm64');\n",
  });
});
afterAll(async () => {
  await Promise.all([keys?.cleanup(), repo?.cleanup()]);
});

test("an executable for another platform is built around the registry's Bun for it, recorded, and equal to bun build's", async () => {
  const built = await runCli(["build", repo.path, "--key", join(keys.path, "bunseal.key"), "--json"], { env: { BUNSEAL_CACHE: cache } });
  if (built.exitCode !== 0) throw new Error(built.stderr);
  const result = built.json();
  const files = await readTarFiles(result.artifact.path);
  const exe = files.get("cross")!;
  // ELF, 64-bit, e_machine 0xB7: AArch64
  expect([...exe.subarray(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
  expect(exe[18]).toBe(0xb7);

  const statement = JSON.parse(Buffer.from(JSON.parse(await Bun.file(result.bundle.path).text()).dsseEnvelope.payload, "base64").toString());
  const base = await fetchBaseExecutable(Bun.version, TARGET, { cacheDir: cache });
  const recorded = statement.predicate.buildDefinition.resolvedDependencies.find((d: { annotations?: { role?: string } }) => d.annotations?.role === "compile-base");
  expect(recorded).toMatchObject({ name: `@oven/bun-linux-aarch64@${Bun.version}`, digest: { sha256: base.sha256 } });

  // the CLI, given the same base, makes the same bytes
  await using out = await makeTempDir("bunseal-cross-cli-");
  const cli = Bun.spawnSync([process.execPath, "build", "src/cli.ts", "--compile", `--target=${TARGET}`, `--compile-executable-path=${base.path}`, "--outfile", join(out.path, "cross")], { cwd: repo.path, env: { PATH: "/usr/local/bin:/usr/bin:/bin", TZ: "UTC", LC_ALL: "C", LANG: "C" } });
  expect(cli.exitCode).toBe(0);
  expect(Buffer.compare(Buffer.from(await Bun.file(join(out.path, "cross")).bytes()), Buffer.from(exe))).toBe(0);

  const rebuilt = await runCli(["rebuild", result.bundle.path, "--key", join(keys.path, "bunseal.pub"), "--json"], { env: { BUNSEAL_CACHE: cache } });
  expect(rebuilt.exitCode).toBe(0);
  expect(rebuilt.json().reproducible).toBe(true);
});

test("a target that is no Bun target is exit 2, naming the field", async () => {
  await using bad = await gitRepo({
    "package.json": JSON.stringify({ name: "bad", private: true }),
    "bunseal.json": JSON.stringify({ service: "bad", entrypoints: ["src/cli.ts"], build: { compile: "bun-plan9-mips" } }),
    "src/cli.ts": "console.log(1);\n",
  });
  const built = await runCli(["build", bad.path, "--no-sign", "--json"]);
  expect(built.exitCode).toBe(2);
  expect(built.json().error).toMatchObject({ code: "CONFIG_INVALID", field: "build.compile" });
});
