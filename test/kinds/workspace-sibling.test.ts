/**
 * A workspace member that bundles a sibling's build output (issue #19, Why 8):
 * `packages/app` imports `@ws/core`, whose package.json says `module:
 * dist/index.js`, and `dist` is git-ignored. Under `build --workspace` the app
 * sees core's outputs as built in this run, at `packages/core/dist`, never a
 * stale `dist` on the disk; each file is an input of role `sibling` with the
 * digest of core's artifact, and the record names the member that made them.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readTarFiles } from "../../src/artifact/tar-read.ts";
import { packTar } from "../../src/artifact/tar-pack.ts";
import { entryPaths, mountFolder, unpackSibling } from "../../src/workspace/sibling-outputs.ts";
import { runCli } from "../helpers/cli.ts";
import { git, gitCommitAll, gitRepo, type GitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(120_000);

let repo: GitRepo;
let work: TestDir;

beforeAll(async () => {
  work = await makeTempDir("bunseal-sibling-");
  repo = await gitRepo({
    "package.json": JSON.stringify({ name: "ws", private: true, workspaces: ["packages/*"] }),
    ".gitignore": "node_modules/\ndist/\n.bunseal/\n",
    "packages/core/package.json": JSON.stringify({ name: "@ws/core", version: "1.0.0", module: "dist/index.js", type: "module" }),
    "packages/core/bunseal.json": JSON.stringify({ service: "core", entrypoints: ["src/index.ts"], build: { target: "bun" } }),
    "packages/core/src/index.ts": "export const greet = (name: string): string => `hello from core, ${name}`;\n",
    "packages/app/package.json": JSON.stringify({ name: "app", version: "1.0.0", dependencies: { "@ws/core": "workspace:*" } }),
    "packages/app/bunseal.json": JSON.stringify({ service: "app", entrypoints: ["src/main.ts"], build: { target: "bun" } }),
    "packages/app/src/main.ts": 'import { greet } from "@ws/core";\nconsole.log(greet("app"));\n',
  });
  // the workspace links, as `bun install` makes them (no registry needed)
  const install = Bun.spawnSync([process.execPath, "install"], { cwd: repo.path, stderr: "pipe", stdout: "pipe" });
  if (install.exitCode !== 0) throw new Error(install.stderr.toString());
  await gitCommitAll(repo.path, "lockfile");
  // a stale dist of an old local build, ignored by git: the app must not bundle it
  mkdirSync(join(repo.path, "packages/core/dist"), { recursive: true });
  writeFileSync(join(repo.path, "packages/core/dist/index.js"), 'export const greet = () => "STALE LOCAL BUILD";\n');
});
afterAll(async () => {
  await Promise.all([repo?.cleanup(), work?.cleanup()]);
});

test("the app bundles core's outputs of this run, recorded as sibling inputs named by member and digest", async () => {
  const out = await runCli(["build", repo.path, "--workspace", "--no-sign", "--out", join(work.path, "out"), "--json"]);
  expect(out.stderr).not.toContain("Could not resolve");
  expect(out.exitCode).toBe(0);
  const { builds } = out.json() as { builds: { package: string; artifact: { path: string; digest: string }; statement: { path: string } }[] };
  const [core, app] = [builds.find((b) => b.package === "packages/core")!, builds.find((b) => b.package === "packages/app")!];
  const coreFiles = await readTarFiles(core.artifact.path);
  const appFiles = await readTarFiles(app.artifact.path);
  const bundled = new TextDecoder().decode(appFiles.get("main.js")!);
  expect(bundled).toContain("hello from core");
  expect(bundled).not.toContain("STALE LOCAL BUILD");
  const statement = JSON.parse(readFileSync(app.statement.path, "utf8"));
  const { internalParameters, resolvedDependencies } = statement.predicate.buildDefinition;
  expect(internalParameters.siblings).toEqual([{ member: "packages/core", package: "@ws/core", at: "packages/core/dist", artifact: { name: core.artifact.path.split("/").at(-1), digest: core.artifact.digest } }]);
  const sibling = (resolvedDependencies as { name?: string; uri?: string; digest: { sha256: string }; annotations?: { role?: string } }[]).find((d) => (d.name ?? d.uri ?? "").includes("core/dist/index.js"));
  expect(sibling).toBeDefined();
  expect(sibling!.annotations?.role).toBe("sibling");
  expect(sibling!.digest.sha256).toBe(new Bun.CryptoHasher("sha256").update(coreFiles.get("index.js")!).digest("hex"));
});

test("the work tree is left as it was: the stale dist is still there, and nothing else was written", async () => {
  expect(readFileSync(join(repo.path, "packages/core/dist/index.js"), "utf8")).toContain("STALE LOCAL BUILD");
  const status = await git(repo.path, ["status", "--porcelain", "--ignored=no"]);
  expect(status.trim()).toBe("");
});

test("on a fresh clone, with no dist on the disk at all, the app still builds, and no dist is left behind", async () => {
  rmSync(join(repo.path, "packages/core/dist"), { recursive: true, force: true });
  const out = await runCli(["build", repo.path, "--workspace", "--no-sign", "--out", join(work.path, "out-fresh"), "--json"]);
  expect(out.exitCode).toBe(0);
  const app = (out.json().builds as { package: string; artifact: { path: string } }[]).find((b) => b.package === "packages/app")!;
  expect(new TextDecoder().decode((await readTarFiles(app.artifact.path)).get("main.js")!)).toContain("hello from core");
  expect(existsSync(join(repo.path, "packages/core/dist"))).toBe(false);
});

test("where the folder is, is read from the package's entry and the artifact's files, not guessed", () => {
  expect(entryPaths({ module: "./dist/index.js", main: "dist/index.cjs", exports: { ".": { import: "./dist/index.js", types: "./dist/index.d.ts" } } })).toEqual(["dist/index.js", "dist/index.cjs", "dist/index.d.ts"]);
  expect(mountFolder(["dist/esm/index.js"], ["index.js", "index.js.map"])).toBe("dist/esm");
  expect(mountFolder(["dist/index.js"], ["esm/index.js", "index.js"])).toBe("dist");
  expect(mountFolder(["build/esm/index.js"], ["esm/index.js", "index.js"])).toBe("build");
  // a workspace that imports sources: nothing of the artifact is where the entry points
  expect(mountFolder(["src/index.ts"], ["index.js"])).toBeUndefined();
});

test("a link on the way to the folder (lib -> elsewhere) shows nothing there, and no folder is made where it points", async () => {
  await using dir = await makeTempDir("bunseal-sibling-link-");
  await using elsewhere = await makeTempDir("bunseal-sibling-elsewhere-");
  mkdirSync(join(dir.path, "packages/core"), { recursive: true });
  symlinkSync(elsewhere.path, join(dir.path, "packages/core/lib"));
  const artifactPath = join(dir.path, "core.tar");
  writeFileSync(artifactPath, await packTar([{ path: "index.js", data: new TextEncoder().encode("export {};\n") }], { mtime: 1_700_000_000 }));
  const shown = await unpackSibling({ rootDir: dir.path, member: "packages/core", pkg: { name: "@ws/core", module: "lib/dist/index.js" }, artifactPath, artifact: { name: "core.tar", digest: `sha256:${"0".repeat(64)}` }, files: [{ path: "index.js", digest: `sha256:${"0".repeat(64)}`, size: 11 }] });
  expect(shown).toBeUndefined();
  expect(existsSync(join(elsewhere.path, "dist"))).toBe(false);
});
