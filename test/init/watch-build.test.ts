/**
 * `bunseal init` on a project that builds with a script calling Bun.build: it
 * runs the script once, in the sandbox, with Bun.build observed, and writes the
 * config from what it saw. The proof is a differential one: `bunseal build`
 * with that config gives the bytes `bun build.ts` gives when run as the
 * project's authors run it, outside bunseal.
 */
import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { cp, readdir } from "node:fs/promises";
import { join } from "node:path";
import { readTarFiles } from "../../src/artifact/tar-read.ts";
import { pickBuildScript } from "../../src/init/pick-script.ts";
import { runCli } from "../helpers/cli.ts";
import { gitRepo } from "../helpers/git.ts";
import { makeTempDir } from "../helpers/testdir.ts";

const BUILD_TS = `import { copyFile, mkdir } from "node:fs/promises";
import stamp from "./plugins/stamp.ts";

// a folder made before the build, by a function imported by name
await mkdir("dist/client/static", { recursive: true });

// the server: two entrypoints for Bun, minified, with a project plugin
await Bun.build({
  entrypoints: ["./src/server.ts", "./src/worker.ts"],
  outdir: "./dist/server",
  target: "bun",
  minify: true,
  define: { BUILD_FLAVOR: '"release"' },
  plugins: [stamp],
  throw: true,
});

// the client: two browser entrypoints sharing a chunk, with maps
await Bun.build({
  entrypoints: ["./src/client.ts", "./src/page.ts"],
  outdir: "./dist/client",
  splitting: true,
  sourcemap: "linked",
  throw: true,
});

await Bun.write("dist/client/robots.txt", Bun.file("public/robots.txt"));
await copyFile("public/logo.svg", "dist/client/static/logo.svg");
// a copy through a string: no source named, the bytes are those of a committed file
await Bun.write("dist/server/VERSION", await Bun.file("VERSION").text());
`;

const PROJECT = {
  "package.json": JSON.stringify({ name: "watched", scripts: { build: "bun build.ts", "build:watch": "bun build --watch src/server.ts --outdir dist" } }),
  ".gitignore": "dist/\nnode_modules/\n.bunseal/\n",
  "build.ts": BUILD_TS,
  "plugins/stamp.ts": `import type { BunPlugin } from "bun";\nconst stamp: BunPlugin = {\n  name: "stamp",\n  setup(build) {\n    build.onLoad({ filter: /stamp\\.txt$/ }, async (args) => ({ contents: \`export default \${JSON.stringify((await Bun.file(args.path).text()).trim())};\`, loader: "js" }));\n  },\n};\nexport default stamp;\n`,
  "src/stamp.txt": "stamped by the plugin\n",
  "src/server.ts": `import { shared } from "./shared.ts";\nimport stamp from "./stamp.txt";\ndeclare const BUILD_FLAVOR: string;\nexport function handle(request: Request) { return new Response(shared(BUILD_FLAVOR) + stamp + typeof Bun + request.url); }\n`,
  "src/worker.ts": `import { shared } from "./shared.ts";\nexport const work = (n: number) => shared(String(n * 2));\n`,
  "src/client.ts": `import { shared } from "./shared.ts";\nexport const main = () => console.log(shared("client"), typeof window);\nexport const later = () => import("./lazy.ts");\n`,
  "src/page.ts": `import { shared } from "./shared.ts";\nexport const page = () => shared("page");\n`,
  "src/lazy.ts": `export const lazy = "loaded later";\n`,
  "src/shared.ts": `export const shared = (what: string) => \`[\${what}]\`;\n`,
  "public/robots.txt": "User-agent: *\nDisallow:\n",
  "public/logo.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>\n',
  VERSION: "1.4.0\n",
};

/** Every file under `dir`, by path relative to it. */
async function tree(dir: string): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  for (const name of (await readdir(dir, { recursive: true })).sort()) {
    const file = Bun.file(join(dir, name));
    if (await file.exists()) files.set(name, new Uint8Array(await file.arrayBuffer()));
  }
  return files;
}

/** The project's own build, as its authors run it, in a copy outside bunseal. */
async function scriptOutputs(repo: string): Promise<Map<string, Uint8Array>> {
  await using copy = await makeTempDir("bunseal-own-build-");
  await cp(repo, copy.path, { recursive: true, filter: (source) => !source.includes("/.git") && !source.endsWith("bunseal.json") });
  const proc = Bun.spawn([process.execPath, "--no-env-file", "build.ts"], { cwd: copy.path, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/nonexistent" }, stdout: "pipe", stderr: "pipe" });
  const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`bun build.ts: exit ${code}\n${stderr}`);
  // awaited here, before the copy is removed on return
  return await tree(join(copy.path, "dist"));
}

async function artifactFiles(outDir: string): Promise<Map<string, Uint8Array>> {
  const tar = (await readdir(outDir)).find((name) => name.endsWith(".tar"));
  if (!tar) throw new Error(`no artifact in ${outDir}: ${(await readdir(outDir)).join(", ")}`);
  return readTarFiles(join(outDir, tar));
}

const nonMaps = (files: Map<string, Uint8Array>) => new Map([...files].filter(([path]) => !path.endsWith(".map")));

describe("bunseal init watches a build written in code", () => {
  test("two Bun.build calls and a Bun.write: init writes builds and copy, and bunseal build gives the script's bytes", async () => {
    await using repo = await gitRepo(PROJECT);
    const init = await runCli(["init", repo.path, "--json"]);
    expect(init.exitCode, init.stderr).toBe(0);
    const out = init.json();
    // the release script, never build:watch beside it
    expect(out.watched.script).toBe("build");
    const written = JSON.parse(await Bun.file(join(repo.path, "bunseal.json")).text());
    expect(written).toMatchObject({
      service: "watched",
      builds: {
        server: { entrypoints: ["src/server.ts", "src/worker.ts"], target: "bun", minify: true, define: { BUILD_FLAVOR: '"release"' }, plugins: ["./plugins/stamp.ts"] },
        client: { entrypoints: ["src/client.ts", "src/page.ts"], target: "browser", splitting: true, sourcemap: "linked" },
      },
      copy: [
        { from: "public/robots.txt", to: "client/robots.txt" },
        { from: "public/logo.svg", to: "client/static/logo.svg" },
        { from: "VERSION", to: "server/VERSION" },
      ],
    });
    // init compared its own build with the script's, file by file, before writing
    expect(out.watched.comparison.differ).toEqual([]);
    expect(out.watched.comparison.same).toEqual(expect.arrayContaining(["client/robots.txt", "client/static/logo.svg", "server/VERSION"]));
    expect(out.watched.comparison.same).toContain("server/server.js");

    const build = await runCli(["build", repo.path, "--no-sign", "--allow-dirty", "--json"]);
    expect(build.exitCode, build.stderr).toBe(0);
    const artifact = await artifactFiles(join(repo.path, ".bunseal", "out"));
    const own = await scriptOutputs(repo.path);
    expect([...own.keys()].some((path) => path.endsWith(".map"))).toBe(true);
    // maps are compared by the sourcemap work of issue #19 (item 3), not here: every file else, byte for byte
    expect([...artifact.keys()].sort()).toEqual([...own.keys()].sort());
    expect(nonMaps(artifact)).toEqual(nonMaps(own));

    // the copied file is an input of the record, with its role
    const statement = JSON.parse(await Bun.file(join(repo.path, ".bunseal", "out", (await readdir(join(repo.path, ".bunseal", "out"))).find((n) => n.endsWith(".intoto.json"))!)).text());
    const inputs = statement.predicate.buildDefinition.resolvedDependencies as { name?: string; uri?: string; annotations?: { role?: string } }[];
    expect(inputs.find((d) => (d.name ?? d.uri ?? "").endsWith("public/robots.txt"))?.annotations?.role).toBe("copy");
  }, 120_000);

  test("a plugin built inline in the script is named by file:line, as what the config cannot hold", async () => {
    await using repo = await gitRepo({
      "package.json": JSON.stringify({ name: "inline", scripts: { build: "bun run scripts/build.ts" } }),
      "src/index.ts": "export const x = 1;\n",
      "scripts/build.ts": `await Bun.build({\n  entrypoints: ["./src/index.ts"],\n  outdir: "dist",\n  plugins: [{ name: "inline-noop", setup() {} }],\n});\n`,
    });
    const init = await runCli(["init", repo.path, "--json"]);
    expect(init.exitCode, init.stderr).toBe(0);
    const out = init.json();
    expect(out.config.build.plugins).toBeUndefined();
    expect(out.untranslated).toContainEqual({ script: "build", token: "scripts/build.ts:4", reason: expect.stringContaining('plugin "inline-noop" is built in the script') });
  }, 60_000);

  test("a build.ts that no script runs (run by hand, `bun build.ts`) is run and watched the same way", async () => {
    await using repo = await gitRepo({
      "package.json": JSON.stringify({ name: "by-hand", scripts: { start: "bun out/index.js" } }),
      "src/index.ts": "export const x = 1;\nconsole.log(x);\n",
      "build.ts": `await Bun.build({ entrypoints: ["./src/index.ts"], outdir: "out", target: "bun", sourcemap: "linked" });\n`,
    });
    const init = await runCli(["init", repo.path, "--json"]);
    expect(init.exitCode, init.stderr).toBe(0);
    const out = init.json();
    expect(out.watched.script).toBe("build.ts");
    // a watched build's later artifacts go under .bunseal too: ignored, as for a translated command
    expect(out.gitignored).toBe(join(repo.path, ".gitignore"));
    expect(await Bun.file(join(repo.path, ".gitignore")).text()).toContain(".bunseal/\n");
    expect(out.config).toMatchObject({ entrypoints: ["src/index.ts"], build: { target: "bun", sourcemap: "linked" } });
    expect(out.watched.comparison.differ).toEqual([]);
    expect(out.watched.comparison.same).toContain("index.js");
  }, 60_000);

  test("a plugin that writes into the outdir as it is set up (bun-plugin-dts) finds the redirected outdir made", async () => {
    await using repo = await gitRepo({
      "package.json": JSON.stringify({ name: "dts", scripts: { build: "bun build.ts" } }),
      "src/index.ts": "export const x = 1;\n",
      "build.ts": `import { writeFileSync } from "node:fs";\nconst dts = { name: "dts", setup(build) { writeFileSync(build.config.outdir + "/index.d.ts", "export declare const x: number;\\n"); } };\nawait Bun.build({ entrypoints: ["./src/index.ts"], outdir: "dist", plugins: [dts] });\n`,
    });
    const init = await runCli(["init", repo.path, "--json"]);
    expect(init.stderr).not.toContain("ENOENT");
    expect(init.exitCode, init.stderr).toBe(0);
    expect(init.json().config).toMatchObject({ entrypoints: ["src/index.ts"] });
  }, 60_000);

  test("a step after the bundle that writes into the project (tsc's declarations) runs in the writable layer: nothing of it reaches the work tree, the bundle is configured and compared", async () => {
    await using repo = await gitRepo({
      "package.json": JSON.stringify({ name: "declarations", scripts: { build: "bun build.ts && touch index.d.ts" } }),
      "src/index.ts": "export const x = 1;\n",
      "build.ts": `await Bun.build({ entrypoints: ["./src/index.ts"], outdir: "dist", target: "node" });\n`,
    });
    const init = await runCli(["init", repo.path, "--json"]);
    expect(init.exitCode, init.stderr).toBe(0);
    const out = init.json();
    expect(out.untranslated.filter((u: { token: string }) => u.token.startsWith("exit"))).toEqual([]);
    expect(existsSync(join(repo.path, "index.d.ts"))).toBe(false);
    expect(out.config).toMatchObject({ entrypoints: ["src/index.ts"], build: { target: "node" } });
    expect(out.watched.comparison).toEqual({ same: ["index.js"], differ: [], notCompared: [] });
  }, 60_000);

  test("rejects a link to a host file that the script leaves in init's scratch folder, and prints none of it", async () => {
    await using secret = await makeTempDir("bunseal-host-secret-");
    await Bun.write(join(secret.path, "secret.txt"), "TOP-SECRET-HOST-FILE\n");
    await using repo = await gitRepo({
      "package.json": JSON.stringify({ name: "linker", scripts: { build: "bun build.ts" } }),
      "src/index.ts": "export const x = 1;\n",
      // the scratch folder is the one place the script may write: it knows where it is, and plants a link there
      // in place of a bundle, so a comparison that followed it would print its first bytes
      "build.ts": `import { symlinkSync, unlinkSync } from "node:fs";\nawait Bun.build({ entrypoints: ["./src/index.ts"], outdir: "dist" });\nconst bundle = process.env.BUNSEAL_INIT_SCRATCH + "/out/dist/index.js";\nunlinkSync(bundle);\nsymlinkSync(${JSON.stringify(join(secret.path, "secret.txt"))}, bundle);\n`,
    });
    const init = await runCli(["init", repo.path, "--json"]);
    expect(init.exitCode).toBe(1);
    expect(init.json().error).toMatchObject({ code: "BUILD_FAILED", message: expect.stringContaining("the build script left dist/index.js in init's scratch folder, which is not a plain file") });
    expect(init.stdout + init.stderr).not.toContain("TOP-SECRET");
    expect(await Bun.file(join(repo.path, "bunseal.json")).exists()).toBe(false);
  }, 60_000);
});

describe("which script init takes", () => {
  test("never a watch or dev script when a release script exists", () => {
    const watch = { name: "a", scripts: { build: "bun build.ts", "build:watch": "bun build src/index.ts --watch --outdir dist", dev: "bun build src/index.ts --outdir dist --watch" } };
    expect(pickBuildScript(watch)).toEqual({ kind: "code", script: "build", command: "bun build.ts" });
    const command = { name: "a", scripts: { dev: "bun build --watch src/index.ts --outdir dist", build: "bun build src/index.ts --outdir dist" } };
    expect(pickBuildScript(command)).toEqual({ kind: "command" });
    // with no release script, the one there is still is translated (and its --watch named as untranslated)
    expect(pickBuildScript({ name: "a", scripts: { dev: "bun build --watch src/index.ts --outdir dist" } })).toEqual({ kind: "command" });
  });
});
