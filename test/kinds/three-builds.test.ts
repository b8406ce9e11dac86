/**
 * A project that builds three ways from one `Bun.build` script (issue #19,
 * Done when: "three builds × several entrypoints"): a server bundle for Bun
 * (two entrypoints, external maps, minified), a browser bundle (three
 * entrypoints sharing modules, split into chunks, linked maps, named
 * `[dir]/[name]-[hash]`) and a node CLI (cjs, a banner, an inline map), into
 * dist/server, dist/web and dist/cli. `bunseal init` watches the script and
 * writes three `builds`; `bunseal build` then makes every file the script
 * makes in a fresh clone, maps included, byte for byte; `rebuild` reproduces
 * it and `check` raises no false alarm.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { readTarFiles } from "../../src/artifact/tar-read.ts";
import { runCli } from "../helpers/cli.ts";
import { git, gitCommitAll, gitRepo, type GitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(240_000);

const BUILD_TS = `// the server: two entrypoints for Bun, minified, maps beside the bundles
await Bun.build({
  entrypoints: ["./src/server/main.ts", "./src/server/jobs.ts"],
  outdir: "./dist/server",
  target: "bun",
  sourcemap: "external",
  minify: true,
  throw: true,
});

// the site: three browser entrypoints sharing modules, split into chunks, in their folders
await Bun.build({
  entrypoints: ["./src/web/home.ts", "./src/web/admin/panel.ts", "./src/web/admin/users.ts"],
  outdir: "./dist/web",
  target: "browser",
  splitting: true,
  sourcemap: "linked",
  naming: "[dir]/[name]-[hash].[ext]",
  throw: true,
});

// the command line tool for node, as CommonJS with a shebang
await Bun.build({
  entrypoints: ["./src/cli/index.ts"],
  outdir: "./dist/cli",
  target: "node",
  format: "cjs",
  banner: "#!/usr/bin/env node",
  sourcemap: "inline",
  throw: true,
});
`;

const PROJECT = {
  "package.json": JSON.stringify({ name: "three-builds", private: true, scripts: { build: "bun build.ts" } }),
  ".gitignore": "node_modules/\ndist/\n",
  "build.ts": BUILD_TS,
  "src/shared/format.ts": "export const format = (what: string, n: number) => `${what}: ${n.toFixed(2)}`;\n",
  "src/shared/api.ts": 'import { format } from "./format.ts";\nexport interface User { id: number; name: string }\nexport const describe = (user: User) => format(user.name, user.id);\n',
  "src/server/main.ts": 'import { describe } from "../shared/api.ts";\nexport default { port: 3000, fetch: (request: Request) => new Response(describe({ id: 1, name: new URL(request.url).pathname })) };\n',
  "src/server/jobs.ts": 'import { format } from "../shared/format.ts";\nexport const nightly = () => console.log(format("nightly", Date.now()));\n',
  "src/web/home.ts": 'import { format } from "../shared/format.ts";\ndocument.title = format("home", 1);\nexport const openAdmin = () => import("./admin/panel.ts");\n',
  "src/web/admin/panel.ts": 'import { describe } from "../../shared/api.ts";\nimport { table } from "./table.ts";\nexport const panel = () => table([describe({ id: 2, name: "panel" })]);\n',
  "src/web/admin/users.ts": 'import { describe } from "../../shared/api.ts";\nimport { table } from "./table.ts";\nexport const users = (names: string[]) => table(names.map((name, id) => describe({ id, name })));\n',
  "src/web/admin/table.ts": 'export const table = (rows: string[]) => `<table>${rows.map((row) => `<tr><td>${row}</td></tr>`).join("")}</table>`;\n',
  "src/cli/index.ts": 'import { describe } from "../shared/api.ts";\nconst [name = "nobody"] = process.argv.slice(2);\nconsole.log(describe({ id: 3, name }));\n',
};

let repo: GitRepo;
let work: TestDir;

beforeAll(async () => {
  work = await makeTempDir("bunseal-three-builds-");
  expect((await runCli(["keygen", "--out", work.path])).exitCode).toBe(0);
  repo = await gitRepo(PROJECT);
});
afterAll(async () => {
  await Promise.all([repo?.cleanup(), work?.cleanup()]);
});

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

/** Every file under `dir` by its path relative to it, as sha256. */
function digests(dir: string): Map<string, string> {
  const entries = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
  return new Map(entries.map((entry) => [relative(dir, join(entry.parentPath, entry.name)), sha256(readFileSync(join(entry.parentPath, entry.name)))]));
}

test("init watches three Bun.build calls, then build makes every file the script makes in a fresh clone, maps included; rebuild and check agree", async () => {
  const init = await runCli(["init", repo.path, "--json"]);
  expect(init.exitCode, init.stderr).toBe(0);
  const made = init.json();
  expect(made.watched.script).toBe("build");
  // every option of the three calls has a place in the config
  expect(made.untranslated).toEqual([]);
  // one build per call, named after its outdir under dist/, each with the call's options under Bun's names
  expect(Object.keys(made.config.builds).sort()).toEqual(["cli", "server", "web"]);
  expect(made.config.builds).toMatchObject({
    server: { entrypoints: ["src/server/main.ts", "src/server/jobs.ts"], target: "bun", sourcemap: "external", minify: true },
    web: { entrypoints: ["src/web/home.ts", "src/web/admin/panel.ts", "src/web/admin/users.ts"], target: "browser", splitting: true, sourcemap: "linked", naming: { entry: "[dir]/[name]-[hash].[ext]" } },
    cli: { entrypoints: ["src/cli/index.ts"], target: "node", format: "cjs", banner: "#!/usr/bin/env node", sourcemap: "inline" },
  });
  // init's own comparison, maps included: the cli's inline map named init's scratch folder until its sources were placed
  expect(made.watched.comparison.differ).toEqual([]);
  expect(made.watched.comparison.notCompared).toEqual([]);
  expect(made.watched.comparison.same).toEqual(expect.arrayContaining(["cli/index.js", "server/main.js.map", "server/jobs.js.map"]));
  expect(made.watched.comparison.same.filter((path: string) => path.startsWith("web/") && path.endsWith(".js.map")).length).toBe(5);
  await gitCommitAll(repo.path, "bunseal init");

  const built = await runCli(["build", repo.path, "--key", join(work.path, "bunseal.key"), "--out", join(work.path, "out"), "--json"]);
  expect(built.exitCode, built.stderr).toBe(0);
  const result = built.json();
  expect((await git(repo.path, ["status", "--porcelain"])).trim()).toBe("");

  // the project's own build, as its authors run it, in a fresh clone
  await using clone = await makeTempDir("bunseal-three-builds-clone-");
  await git(work.path, ["clone", "-q", repo.path, clone.path]);
  const { NODE_ENV: _test, ...shell } = process.env;
  const own = Bun.spawnSync([process.execPath, "run", "build"], { cwd: clone.path, env: shell, stdout: "pipe", stderr: "pipe" });
  expect(own.exitCode, own.stderr.toString()).toBe(0);
  const theirs = digests(join(clone.path, "dist"));
  const ours = new Map([...(await readTarFiles(result.artifact.path))].map(([path, data]) => [path, sha256(data)]));

  // the shape the three calls make: external maps, split chunks in their folders, one cjs file with its map inline
  const paths = [...theirs.keys()].sort();
  expect(paths.filter((path) => path.startsWith("server/") && path.endsWith(".js.map")).length).toBe(2);
  expect(paths.filter((path) => /^web\/admin\/(panel|users)-[a-z0-9]+\.js$/.test(path)).length).toBe(2);
  expect(paths.some((path) => /^web\/chunk-[a-z0-9]+\.js$/.test(path))).toBe(true);
  expect(paths.filter((path) => path.startsWith("cli/"))).toEqual(["cli/index.js"]);
  expect(readFileSync(join(clone.path, "dist", "cli", "index.js"), "utf8")).toStartWith("#!/usr/bin/env node");

  // every file both ways, by sha256
  expect([...ours.keys()].sort()).toEqual(paths);
  const differ = paths.filter((path) => ours.get(path) !== theirs.get(path));
  expect(differ).toEqual([]);

  const rebuilt = await runCli(["rebuild", result.bundle.path, "--key", join(work.path, "bunseal.pub"), "--json"]);
  expect(rebuilt.exitCode, rebuilt.stdout).toBe(0);
  expect(rebuilt.json().reproducible).toBe(true);
  const checked = await runCli(["check", repo.path, "--json"]);
  expect(checked.json().culprits, checked.stdout).toEqual([]);
  expect(checked.exitCode, checked.stdout).toBe(0);
});
