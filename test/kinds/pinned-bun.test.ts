/**
 * A project pinned to an older Bun (issue #19, Why 6): `build` builds with the
 * project's Bun, fetched and checked as rebuild's are, says so, and records
 * the pin; `--bun` chooses another, with the pin named in a warning; the
 * artifact is what the pinned Bun's own `bun build` makes, and it rebuilds.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { listTar } from "../../src/artifact/tar-read.ts";
import { fetchBun } from "../../src/runtime/fetch-bun.ts";
import { runCli } from "../helpers/cli.ts";
import { bunCacheDir } from "../helpers/fixture-repo.ts";
import { gitRepo, type GitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(180_000);
const PINNED = "1.4.4";

let work: TestDir;
let repo: GitRepo;
let cache: string;
let pinnedBunPath: string;

beforeAll(async () => {
  work = await makeTempDir("bunseal-pinned-bun-");
  cache = bunCacheDir(join(work.path, "bun-cache"));
  pinnedBunPath = (await fetchBun(PINNED, { cacheDir: cache })).path;
  await runCli(["keygen", "--out", join(work.path, "keys")]);
  repo = await gitRepo({
    "package.json": JSON.stringify({ name: "pinned", packageManager: `bun@${PINNED}`, scripts: { build: "bun build src/index.ts --target bun --outdir dist" } }),
    "bunseal.json": JSON.stringify({ service: "pinned", entrypoints: ["src/index.ts"], build: { target: "bun" } }),
    ".gitignore": ".bunseal/\ndist/\n",
    "src/index.ts": "export const runtime = typeof Bun !== 'undefined' ? 'bun' : 'other';\nconsole.log(runtime, [1, 2, 3].map((n) => n * 2));\n",
  });
});
afterAll(async () => {
  await Promise.all([repo?.cleanup(), work?.cleanup()]);
});

test(`the pinned Bun ${PINNED} builds, the warning names both Buns, and the record names the pin`, async () => {
  const out = await runCli(["build", repo.path, "--key", join(work.path, "keys", "bunseal.key"), "--out", join(work.path, "out"), "--json"], { env: { BUNSEAL_CACHE: cache } });
  expect(out.exitCode).toBe(0);
  const result = out.json();
  expect(result.bun).toBe(PINNED);
  expect(result.warnings.join("\n")).toContain(`this is Bun ${Bun.version}; the project pins Bun ${PINNED} (package.json packageManager), so the build uses Bun ${PINNED}`);
  const bundle = JSON.parse(readFileSync(result.bundle.path, "utf8"));
  const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, "base64").toString("utf8"));
  expect(statement.predicate.buildDefinition.internalParameters.bun).toMatchObject({ version: PINNED, pin: { version: PINNED, from: "package.json packageManager" } });
  // the bytes are the pinned Bun's own `bun build`'s
  const own = join(work.path, "own");
  const bare = Bun.spawnSync([pinnedBunPath, "build", "src/index.ts", "--target", "bun", "--outdir", own], { cwd: repo.path, stderr: "pipe" });
  expect(bare.exitCode).toBe(0);
  const [file] = await listTar(result.artifact.path);
  expect(file!.sha256).toBe(new Bun.CryptoHasher("sha256").update(readFileSync(join(own, "index.js"))).digest("hex"));
  // and rebuild, which builds with the recorded Bun, reproduces it
  const rebuilt = await runCli(["rebuild", result.bundle.path, "--key", join(work.path, "keys", "bunseal.pub"), "--json"], { env: { BUNSEAL_CACHE: cache } });
  expect(rebuilt.exitCode).toBe(0);
  expect(rebuilt.json()).toMatchObject({ reproducible: true, bun: { recorded: PINNED, used: PINNED } });
});

test("--bun chooses another Bun; the pin it differs from is named, and still recorded", async () => {
  const out = await runCli(["build", repo.path, "--no-sign", "--out", join(work.path, "out-current"), "--bun", process.execPath], { env: { BUNSEAL_CACHE: cache } });
  expect(out.exitCode).toBe(0);
  expect(out.stdout).toContain(`Bun ${Bun.version}`);
  // said on stderr as the build starts, not only in the JSON
  expect(out.stderr).toContain(`warning: the project pins Bun ${PINNED} (package.json packageManager); building with Bun ${Bun.version}, as --bun says`);
  const statement = JSON.parse(readFileSync(join(work.path, "out-current", readdirSync(join(work.path, "out-current")).find((f) => f.endsWith(".intoto.json"))!), "utf8"));
  expect(statement.predicate.buildDefinition.internalParameters.bun.pin).toEqual({ version: PINNED, from: "package.json packageManager" });
});

test("check builds with the pinned Bun too, as build does, and its report says which", async () => {
  const out = await runCli(["check", repo.path, "--vary", "env", "--json"], { env: { BUNSEAL_CACHE: cache } });
  expect(out.exitCode, out.stdout).toBe(0);
  expect(out.json().bun).toEqual({ version: PINNED, pin: { version: PINNED, from: "package.json packageManager" } });
});

test("--bun that is neither a path nor a version is a usage error, exit 2", async () => {
  const out = await runCli(["build", repo.path, "--no-sign", "--bun", "latest", "--json"]);
  expect(out.exitCode).toBe(2);
  expect(out.json().error.code).toBe("USAGE");
  expect(out.json().error.message).toContain("expected a path to a Bun binary or a version like 1.3.9");
});

test("a pin older than the oldest Bun bunseal builds with is BUN_UNSUPPORTED, exit 2, before anything is fetched", async () => {
  await using old = await gitRepo({
    "package.json": JSON.stringify({ name: "old", packageManager: "bun@1.1.31" }),
    "bunseal.json": JSON.stringify({ service: "old", entrypoints: ["index.ts"], build: { target: "bun" } }),
    ".gitignore": ".bunseal/\n",
    "index.ts": "console.log(1);\n",
  });
  // an empty cache: a fetch of 1.1.31 would be made, and its worker fail (BUN_FAILED, exit 3)
  const out = await runCli(["build", old.path, "--no-sign", "--json"], { env: { BUNSEAL_CACHE: join(work.path, "empty-cache") } });
  expect(out.exitCode).toBe(2);
  expect(out.json().error.code).toBe("BUN_UNSUPPORTED");
  expect(out.json().error.message).toStartWith("package.json packageManager: Bun 1.1.31 is older than 1.3.6, the oldest Bun bunseal builds with");
  const flag = await runCli(["build", old.path, "--no-sign", "--bun", "1.2.0", "--json"], { env: { BUNSEAL_CACHE: join(work.path, "empty-cache") } });
  expect(flag.exitCode).toBe(2);
  expect(flag.json().error.message).toStartWith("--bun: Bun 1.2.0 is older than 1.3.6");
});
