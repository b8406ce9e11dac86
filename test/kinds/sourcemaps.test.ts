/**
 * Sourcemaps are the project's own build's bytes (issue #19, items 3 and 4).
 * A project with three builds (nested entrypoints, naming with folders, split
 * chunks, CSS, external, linked and inline maps) is built by bunseal and by a
 * script that calls Bun.build with `outdir: "dist/<name>"`: every file is the
 * same, maps included. A compiled tool with a sourcemap and bytecode is built
 * by bunseal and by `bun build --compile --outfile`: the same bytes, and the
 * same from a clone at another path, so rebuild has nothing to find.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readdirSync, statSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join, posix, relative } from "node:path";
import { listTar, readTarFiles } from "../../src/artifact/tar-read.ts";
import { rewriteMapSources } from "../../src/build/map-sources.ts";
import { relativeToOutdir } from "../../src/build/outdir-layout.ts";
import { runCli } from "../helpers/cli.ts";
import { DEFAULT_COMMIT_TIME, git, gitRepo, type GitRepo } from "../helpers/git.ts";
import { rejection } from "../helpers/expect-error.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(300_000);

/** the environment `bunseal build` gives its worker, so the reference build sees the same */
const FIXED_ENV = { PATH: "/usr/local/bin:/usr/bin:/bin", TZ: "UTC", LC_ALL: "C", LANG: "C", SOURCE_DATE_EPOCH: String(DEFAULT_COMMIT_TIME) };

interface Files {
  files: Map<string, Uint8Array>;
  modes: Map<string, number>;
}

// Every option is written out, so what is compared is the layout of the maps, whatever bunseal's defaults are.
const BUILDS = {
  esm: {
    entrypoints: ["src/index.ts", "src/cli/main.ts"],
    target: "browser",
    format: "esm",
    sourcemap: "external",
    splitting: true,
    naming: { entry: "[dir]/[name].[ext]", chunk: "chunks/[name]-[hash].[ext]", asset: "assets/[name]-[hash].[ext]" },
  },
  web: {
    entrypoints: ["src/app.ts"],
    target: "browser",
    format: "esm",
    minify: true,
    sourcemap: "linked",
    naming: { entry: "js/[dir]/[name]-[hash].[ext]", chunk: "[name]-[hash].[ext]", asset: "[name]-[hash].[ext]" },
  },
  inline: {
    entrypoints: ["src/lib/naïve name.ts"],
    target: "node",
    format: "cjs",
    sourcemap: "inline",
    naming: { entry: "[dir]/[name].[ext]", chunk: "[name]-[hash].[ext]", asset: "[name]-[hash].[ext]" },
  },
};

const NESTED_PROJECT = {
  ".gitignore": ".bunseal/\ndist/\n",
  "package.json": JSON.stringify({ name: "maps", private: true }),
  "bunseal.json": JSON.stringify({ service: "maps", builds: BUILDS }),
  "src/index.ts": 'import { greet } from "./lib/greet.ts";\nconsole.log(greet("index"));\nexport const later = () => import("./lib/lazy.ts");\n',
  "src/cli/main.ts": 'import { greet } from "../lib/greet.ts";\nimport { naive } from "../lib/naïve name.ts";\nconsole.log(greet("cli"), naive);\n',
  "src/lib/greet.ts": "export const greet = (name: string): string => `hello ${name}`;\n",
  "src/lib/lazy.ts": "export const lazy = 42;\n",
  "src/lib/naïve name.ts": 'export const naive = "a module whose name JSON and paths must both carry";\nexport default naive;\n',
  "src/app.ts": 'import "./style/app.css";\nimport { greet } from "./lib/greet.ts";\ndocument.body.textContent = greet("web");\n',
  "src/style/app.css": "body { color: rebeccapurple; }\n.card { padding: 1rem; }\n",
};

/** Each build through Bun.build with `outdir: dist/<name>`, as a project's build script would write it. */
const NESTED_SCRIPT = `
const builds = ${JSON.stringify(BUILDS)};
for (const [name, { entrypoints, ...options }] of Object.entries(builds)) {
  const result = await Bun.build({ entrypoints: entrypoints.map((e) => "./" + e), ...options, outdir: "dist/" + name });
  if (!result.success) { console.error(result.logs); process.exit(1); }
}`;

/**
 * A member of a monorepo: one of its modules is a sibling package's (outside
 * the project folder), another a plugin's, in a namespace of its own; a file
 * whose name has a colon is still a file.
 */
const MEMBER_BUILD = {
  target: "browser",
  format: "esm",
  sourcemap: "external",
  naming: { entry: "[dir]/[name].[ext]", chunk: "[name]-[hash].[ext]", asset: "[name]-[hash].[ext]" },
  plugins: ["./plugin.ts"],
};
const MONOREPO = {
  ".gitignore": ".bunseal/\ndist/\n",
  "packages/shared/s.ts": 'export const shared = "from a sibling package";\n',
  "apps/web/package.json": JSON.stringify({ name: "web", private: true }),
  "apps/web/bunseal.json": JSON.stringify({ service: "web", entrypoints: ["src/index.ts"], build: MEMBER_BUILD }),
  "apps/web/plugin.ts":
    'export default { name: "virtual", setup(build) { build.onResolve({ filter: /^virtual:/ }, (a) => ({ path: a.path, namespace: "virtual" })); build.onLoad({ filter: /.*/, namespace: "virtual" }, () => ({ contents: "export default 42;", loader: "js" })); } };\n',
  "apps/web/src/index.ts": 'import { shared } from "../../../packages/shared/s.ts";\nimport answer from "virtual:answer";\nimport { at } from "./a:b.ts";\nconsole.log(shared, answer, at);\n',
  "apps/web/src/a:b.ts": 'export const at = "a file with a colon";\n',
};
const MEMBER_SCRIPT = `
const { plugins, ...options } = ${JSON.stringify(MEMBER_BUILD)};
const plugin = (await import(process.cwd() + "/plugin.ts")).default;
const result = await Bun.build({ entrypoints: ["./src/index.ts"], ...options, plugins: [plugin], outdir: "dist" });
if (!result.success) { console.error(result.logs); process.exit(1); }`;

const COMPILED_PROJECT = {
  ".gitignore": ".bunseal/\ndist/\n",
  "package.json": JSON.stringify({ name: "compiled-maps", private: true }),
  "bunseal.json": JSON.stringify({
    service: "compiled-maps",
    entrypoints: ["src/tool.ts"],
    build: { target: "bun", format: "cjs", minify: true, sourcemap: "external", bytecode: true, compile: true },
  }),
  "src/tool.ts": 'import { greet } from "./lib/greet.ts";\nconsole.log(greet(process.argv[2] ?? "tool"));\n',
  "src/lib/greet.ts": "export const greet = (name: string): string => `hello ${name}`;\n",
};

let keys: TestDir;
const key = () => join(keys.path, "bunseal.key");
const pub = () => join(keys.path, "bunseal.pub");

beforeAll(async () => {
  keys = await makeTempDir("bunseal-maps-keys-");
  const made = await runCli(["keygen", "--out", keys.path]);
  if (made.exitCode !== 0) throw new Error(`keygen failed: ${made.stderr}`);
});
afterAll(() => keys?.cleanup());

async function bunsealBuild(dir: string): Promise<{ artifact: { path: string; digest: string }; bundle: { path: string } }> {
  const out = await runCli(["build", dir, "--key", key(), "--json"]);
  if (out.exitCode !== 0) throw new Error(`bunseal build ${dir} exited ${out.exitCode}:\n${out.stderr}`);
  return out.json();
}

async function tarFiles(path: string): Promise<Files> {
  const entries = await listTar(path);
  return { files: await readTarFiles(path), modes: new Map(entries.map((e) => [e.path, e.mode])) };
}

/** Runs `cmd` in the project and returns what it wrote under dist/, which it then removes (it would be a work-tree change). */
async function referenceBuild(dir: string, cmd: string[]): Promise<Files> {
  const out = join(dir, "dist");
  await rm(out, { recursive: true, force: true });
  const proc = Bun.spawn(cmd, { cwd: dir, env: FIXED_ENV, stdout: "pipe", stderr: "pipe" });
  const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`${cmd.join(" ")} exited ${code}:\n${stderr}`);
  const built: Files = { files: new Map(), modes: new Map() };
  for (const path of walk(out)) {
    const full = join(out, path);
    built.files.set(path, await Bun.file(full).bytes());
    built.modes.set(path, statSync(full).mode & 0o777);
  }
  await rm(out, { recursive: true, force: true });
  return built;
}

function walk(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(root, join(dir, e.name)) : [relative(root, join(dir, e.name))]))
    .sort();
}

const sha256 = (data: Uint8Array) => new Bun.CryptoHasher("sha256").update(data).digest("hex");
/** Maps as text, so a difference shows the paths; every other file by digest. */
function comparable(built: Files): Record<string, string> {
  return Object.fromEntries([...built.files].map(([path, data]) => [path, path.endsWith(".map") ? new TextDecoder().decode(data) : sha256(data)]));
}

/** The same commit at a longer path: nothing of where a project lives may reach its artifact. */
async function cloneDeeper(repo: GitRepo): Promise<TestDir & { clone: string }> {
  const dir = await makeTempDir("bunseal-maps-clone-");
  const clone = join(dir.path, "a", "much", "longer", "path", "to", "the", "same", "commit");
  await git(dir.path, ["clone", "-q", repo.path, clone]);
  return { ...dir, clone };
}

describe("nested outputs with external, linked and inline maps", () => {
  let repo: GitRepo;
  let built: Awaited<ReturnType<typeof bunsealBuild>>;
  beforeAll(async () => {
    repo = await gitRepo(NESTED_PROJECT, { message: "maps" });
    built = await bunsealBuild(repo.path);
  });
  afterAll(() => repo?.cleanup());

  test("every file, maps included, is the bytes Bun.build writes with outdir dist/<build>", async () => {
    const bunseal = await tarFiles(built.artifact.path);
    const reference = await referenceBuild(repo.path, [process.execPath, "-e", NESTED_SCRIPT]);
    const paths = [...bunseal.files.keys()];
    // the layout under test is there: nested entries, split chunks, CSS, all three kinds of map
    expect(paths).toEqual(expect.arrayContaining(["esm/index.js.map", "esm/cli/main.js.map", "inline/naïve name.js"]));
    expect(paths.some((p) => /^esm\/chunks\/.+\.js\.map$/.test(p))).toBe(true);
    expect(paths.some((p) => /^web\/js\/app-[a-z0-9]+\.js\.map$/.test(p))).toBe(true);
    expect(paths.some((p) => /^web\/.+\.css$/.test(p))).toBe(true);
    expect(new TextDecoder().decode(bunseal.files.get("inline/naïve name.js"))).toContain("sourceMappingURL=data:application/json;base64,");
    expect(JSON.parse(new TextDecoder().decode(bunseal.files.get("esm/cli/main.js.map"))).sources).toContain("../../src/cli/main.ts");
    expect(comparable(bunseal)).toEqual(comparable(reference));
    expect(Object.fromEntries(bunseal.modes)).toEqual(Object.fromEntries(reference.modes));
  });

  test("the same commit cloned to a longer path builds the same tar", async () => {
    await using other = await cloneDeeper(repo);
    expect((await bunsealBuild(other.clone)).artifact.digest).toBe(built.artifact.digest);
  });
});

test("a monorepo member's map names a sibling package's module, a plugin's and a file with a colon as Bun.build does", async () => {
  await using repo = await gitRepo(MONOREPO, { message: "monorepo" });
  const member = join(repo.path, "apps", "web");
  const bunseal = await tarFiles((await bunsealBuild(member)).artifact.path);
  const reference = await referenceBuild(member, [process.execPath, "-e", MEMBER_SCRIPT]);
  expect(JSON.parse(new TextDecoder().decode(bunseal.files.get("index.js.map"))).sources).toEqual(["../../../packages/shared/s.ts", "virtual:virtual:answer", "../src/a:b.ts", "../src/index.ts"]);
  expect(comparable(bunseal)).toEqual(comparable(reference));
});

describe("compile with sourcemap and bytecode", () => {
  let repo: GitRepo;
  let built: Awaited<ReturnType<typeof bunsealBuild>>;
  beforeAll(async () => {
    repo = await gitRepo(COMPILED_PROJECT, { message: "compiled maps" });
    built = await bunsealBuild(repo.path);
  });
  afterAll(() => repo?.cleanup());

  test("the executable and its map are the bytes `bun build --compile --outfile` makes, with no scratch path", async () => {
    const bunseal = await tarFiles(built.artifact.path);
    expect([...bunseal.files.keys()].sort()).toEqual(["tool", "tool.map"]);
    const map = new TextDecoder().decode(bunseal.files.get("tool.map"));
    expect(JSON.parse(map).sources).toEqual(["src/lib/greet.ts", "src/tool.ts"]);
    expect(map).not.toContain("bunseal-compile-");
    expect(map).not.toContain("/tmp");
    const cli = [process.execPath, "build", "./src/tool.ts", "--target=bun", "--format=cjs", "--minify", "--sourcemap=external", "--bytecode", "--compile", "--outfile=dist/tool"];
    const reference = await referenceBuild(repo.path, cli);
    expect(comparable(bunseal)).toEqual(comparable(reference));
    expect(Object.fromEntries(bunseal.modes)).toEqual(Object.fromEntries(reference.modes));
  });

  test("the same commit cloned to a longer path builds the same tar", async () => {
    await using other = await cloneDeeper(repo);
    expect((await bunsealBuild(other.clone)).artifact.digest).toBe(built.artifact.digest);
  });

  test("bunseal check raises no false alarm (its builds run at other paths)", async () => {
    const out = await runCli(["check", repo.path, "--json"]);
    const report = out.json();
    expect(report.culprits).toEqual([]);
    expect(report.causes).toEqual([]);
    expect(report.reproducible).toBe(true);
    expect(out.exitCode).toBe(0);
  });

  test("bunseal rebuild reproduces it from a fresh clone (exit 0)", async () => {
    const out = await runCli(["rebuild", built.bundle.path, "--key", pub(), "--json"]);
    const report = out.json();
    expect(report.differences).toEqual([]);
    expect(report.reproducible).toBe(true);
    expect(report.artifact.rebuilt).toBe(built.artifact.digest);
    expect(out.exitCode).toBe(0);
  });
});

test("a source made relative to the outdir is path.relative's, for sources inside, beside and outside it", () => {
  const sources = ["src/index.ts", "../../packages/s.ts", "dist/x.ts", "dist/esm/x.ts", "dist-src/x.ts", "distx/y.ts", "esm.ts", "dist/esm.ts"];
  for (const outdir of ["dist", "dist/esm"]) {
    for (const source of sources) {
      const { up, drop } = relativeToOutdir(source, outdir);
      expect(`${"../".repeat(up)}${source.slice(drop)}`).toBe(posix.relative(outdir, source));
    }
  }
});

test("a map not shaped as Bun writes it fails the build, naming the file, rather than shipping a guess", async () => {
  const bytes = new TextEncoder().encode('{\n  "version": 3,\n  "sources": [null],\n  "mappings": ""\n}');
  const error = await rejection((async () => rewriteMapSources(bytes, (raw) => raw, "index.js.map"))());
  expect(error.code).toBe("BUILD_FAILED");
  expect(error.message).toStartWith("index.js.map: expected a sourcemap as Bun writes it, got no JSON string at offset 32; its sources cannot be placed");
});
