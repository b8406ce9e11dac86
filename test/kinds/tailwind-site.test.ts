/**
 * A site built by a `Bun.build` script (issue #19, Done when): an HTML entry,
 * bun-plugin-tailwind from the npm registry, and a static file the script
 * copies with `Bun.write`. `bunseal init` watches the script and writes the
 * config (the plugin by its package, the copy as `copy`); `bunseal build`
 * then makes every file the script makes, byte for byte; `rebuild`
 * reproduces it and `check` raises no false alarm.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { readTarFiles } from "../../src/artifact/tar-read.ts";
import { runCli } from "../helpers/cli.ts";
import { git, gitCommitAll, gitRepo, type GitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(240_000);

let repo: GitRepo;
let work: TestDir;

beforeAll(async () => {
  work = await makeTempDir("bunseal-tailwind-");
  await runCli(["keygen", "--out", work.path]);
  repo = await gitRepo({
    "package.json": JSON.stringify({ name: "tw-site", private: true, scripts: { build: "bun build.ts" }, devDependencies: { "bun-plugin-tailwind": "0.1.2", tailwindcss: "4.1.17" } }),
    // the plugin's peer is Bun itself: not installed, so the scripts' `bun` is the one running them
    "bunfig.toml": "[install]\npeer = false\n",
    ".gitignore": "node_modules/\ndist/\n",
    "index.html": '<!doctype html>\n<html><head><link rel="stylesheet" href="./src/style.css"><link rel="manifest" href="./manifest.json"></head>\n<body class="bg-slate-900 p-4 text-white"><h1 class="text-3xl font-bold">site</h1><script type="module" src="./src/app.ts"></script></body></html>\n',
    "src/style.css": '@import "tailwindcss";\n',
    "src/app.ts": 'const heading = document.querySelector("h1");\nif (heading) heading.classList.add("underline");\nexport {};\n',
    "manifest.json": '{ "name": "site" }\n',
    "public/robots.txt": "User-agent: *\n",
    "build.ts": 'import tailwind from "bun-plugin-tailwind";\nawait Bun.build({ entrypoints: ["./index.html"], outdir: "./dist", minify: true, plugins: [tailwind] });\nawait Bun.write("./dist/robots.txt", Bun.file("./public/robots.txt"));\n',
  });
  const install = Bun.spawnSync([process.execPath, "install", "--no-progress"], { cwd: repo.path, stdout: "pipe", stderr: "pipe" });
  if (install.exitCode !== 0) throw new Error(`bun install failed: ${install.stderr}`);
  await gitCommitAll(repo.path, "lockfile");
});
afterAll(async () => {
  await Promise.all([repo?.cleanup(), work?.cleanup()]);
});

test("init watches the script, then build makes every file the script makes, maps and copies included; rebuild and check agree", async () => {
  const init = await runCli(["init", repo.path, "--json"]);
  expect(init.exitCode, init.stderr).toBe(0);
  const made = init.json();
  expect(made.config.build.plugins).toEqual(["bun-plugin-tailwind"]);
  expect(made.config.copy).toEqual([{ from: "public/robots.txt", to: "robots.txt" }]);
  expect(made.watched.comparison.differ).toEqual([]);
  await gitCommitAll(repo.path, "bunseal init");

  const built = await runCli(["build", repo.path, "--key", join(work.path, "bunseal.key"), "--out", join(work.path, "out"), "--json"]);
  expect(built.exitCode, built.stderr).toBe(0);
  const result = built.json();

  // the project's own build, as its authors run it
  // as a shell runs it: bun test's NODE_ENV=test would make tailwind's CSS another one
  const { NODE_ENV: _test, ...shell } = process.env;
  const own = Bun.spawnSync([process.execPath, "run", "build"], { cwd: repo.path, env: shell, stdout: "pipe", stderr: "pipe" });
  expect(own.exitCode, own.stderr.toString()).toBe(0);
  const dist = join(repo.path, "dist");
  const theirs = new Map(readdirSync(dist, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => [relative(dist, join(e.parentPath, e.name)), readFileSync(join(e.parentPath, e.name))]));
  const ours = await readTarFiles(result.artifact.path);
  expect([...ours.keys()].sort()).toEqual([...theirs.keys()].sort());
  expect([...theirs.keys()].some((path) => path.endsWith(".css"))).toBe(true);
  for (const [path, data] of ours) expect(Buffer.from(data).equals(theirs.get(path)!), path).toBe(true);
  // the copied file is an input of role copy
  const statement = JSON.parse(Buffer.from(JSON.parse(readFileSync(result.bundle.path, "utf8")).dsseEnvelope.payload, "base64").toString("utf8"));
  expect(statement.predicate.buildDefinition.resolvedDependencies).toContainEqual(expect.objectContaining({ name: "public/robots.txt", annotations: expect.objectContaining({ role: "copy" }) }));
  expect((await git(repo.path, ["status", "--porcelain"])).trim()).toBe("");

  const rebuilt = await runCli(["rebuild", result.bundle.path, "--key", join(work.path, "bunseal.pub"), "--json"]);
  expect(rebuilt.exitCode, rebuilt.stdout).toBe(0);
  expect(rebuilt.json().reproducible).toBe(true);
  const checked = await runCli(["check", repo.path, "--json"]);
  expect(checked.exitCode, checked.stdout).toBe(0);
});
