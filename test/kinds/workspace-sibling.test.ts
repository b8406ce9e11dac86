/**
 * A workspace member that bundles a sibling's build output (issue #19, Why 8):
 * `packages/app` imports `@ws/core`, whose package.json says `module:
 * dist/index.js`, and `dist` is git-ignored. Under `build --workspace` the app
 * sees core's outputs as built in this run, at `packages/core/dist`, never a
 * stale `dist` on the disk; each file is an input of role `sibling` with the
 * digest of core's artifact, and the record names the member that made them.
 * The app's bundle is the one the project's own build makes (`bun run build`
 * in core, then in the app), `rebuild` of it rebuilds core from the same
 * commit first and reproduces, and `check` of the app builds core once and
 * shows its outputs to every build it varies.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readTarFiles } from "../../src/artifact/tar-read.ts";
import { packTar } from "../../src/artifact/tar-pack.ts";
import { loadPrivateKey } from "../../src/sign/keys.ts";
import { signStatement } from "../../src/sign/sign-statement.ts";
import { keySigner } from "../../src/sign/signer.ts";
import { canonicalJson } from "../../src/util/canonical-json.ts";
import { siblingsToBuild } from "../../src/workspace/build-workspace.ts";
import { entryPaths, mountFolder, unpackSibling } from "../../src/workspace/sibling-outputs.ts";
import { runCli } from "../helpers/cli.ts";
import { git, gitCommitAll, gitRepo, type GitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(240_000);

let repo: GitRepo;
let work: TestDir;

beforeAll(async () => {
  work = await makeTempDir("bunseal-sibling-");
  await runCli(["keygen", "--out", work.path]);
  repo = await gitRepo({
    "package.json": JSON.stringify({ name: "ws", private: true, workspaces: ["packages/*"] }),
    ".gitignore": "node_modules/\ndist/\n.bunseal/\n",
    "packages/core/package.json": JSON.stringify({ name: "@ws/core", version: "1.0.0", module: "dist/index.js", type: "module", scripts: { build: "bun build src/index.ts --outdir dist --target bun --sourcemap=external" } }),
    "packages/core/bunseal.json": JSON.stringify({ service: "core", entrypoints: ["src/index.ts"], build: { target: "bun", sourcemap: "external" } }),
    "packages/core/src/index.ts": "export const greet = (name: string): string => `hello from core, ${name}`;\n",
    "packages/app/package.json": JSON.stringify({ name: "app", version: "1.0.0", dependencies: { "@ws/core": "workspace:*" }, scripts: { build: "bun build src/main.ts --outdir dist --target bun --sourcemap=external" } }),
    "packages/app/bunseal.json": JSON.stringify({ service: "app", entrypoints: ["src/main.ts"], build: { target: "bun", sourcemap: "external" } }),
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

test("what a member needs built first (rebuild, check): the members it depends on, through others too, configured ones, dependencies first; a cycle elsewhere is none of its concern", () => {
  const member = (dir: string, name: string, dependencies: string[], configured = true) => ({ dir, name, dependencies, configured });
  const plan = {
    rootDir: "/nowhere",
    members: [
      member("packages/app", "app", ["@ws/core", "react"]),
      member("packages/core", "@ws/core", ["@ws/util", "@ws/types"]),
      member("packages/util", "@ws/util", []),
      member("packages/types", "@ws/types", [], false),
      member("tools/a", "a", ["b"]),
      member("tools/b", "b", ["a"]),
    ],
  };
  expect(siblingsToBuild(plan, ["packages/app"])).toEqual(["packages/util", "packages/core"]);
  expect(siblingsToBuild(plan, ["packages/core"])).toEqual(["packages/util"]);
  expect(siblingsToBuild(plan, ["packages/util"])).toEqual([]);
  expect(() => siblingsToBuild(plan, ["tools/a"])).toThrow("got a cycle: tools/a → tools/b → tools/a");
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

/** What the project's own build writes: in a clone of the commit, `bun install`, then `bun run build` in core, then in the app, as a script would. */
async function builtByTheProject(): Promise<Record<"core" | "coreMap" | "app" | "appMap", string>> {
  await using clone = await makeTempDir("bunseal-sibling-clone-");
  await git(clone.path, ["clone", "--quiet", repo.path, "."]);
  for (const [cwd, args] of [[clone.path, ["install", "--frozen-lockfile"]], [join(clone.path, "packages/core"), ["run", "build"]], [join(clone.path, "packages/app"), ["run", "build"]]] as const) {
    const run = Bun.spawnSync([process.execPath, ...args], { cwd, stdout: "pipe", stderr: "pipe" });
    if (run.exitCode !== 0) throw new Error(`bun ${args.join(" ")} in ${cwd} failed: ${run.stderr}`);
  }
  const read = (path: string) => readFileSync(join(clone.path, path), "utf8");
  return { core: read("packages/core/dist/index.js"), coreMap: read("packages/core/dist/index.js.map"), app: read("packages/app/dist/main.js"), appMap: read("packages/app/dist/main.js.map") };
}

/** A signed workspace build, from a work tree with no dist on the disk. */
async function signedBuild(out: string): Promise<{ core: { artifact: { path: string; digest: string }; bundle: { path: string } }; app: { artifact: { path: string; digest: string }; bundle: { path: string } } }> {
  const built = await runCli(["build", repo.path, "--workspace", "--key", join(work.path, "bunseal.key"), "--out", join(work.path, out), "--json"]);
  expect(built.exitCode, built.stdout + built.stderr).toBe(0);
  const builds = built.json().builds as { package: string; artifact: { path: string; digest: string }; bundle: { path: string } }[];
  return { core: builds.find((b) => b.package === "packages/core")!, app: builds.find((b) => b.package === "packages/app")! };
}

test("the app's bundle is byte for byte what the project's own build makes (core's build, then the app's), maps included", async () => {
  const { core, app } = await signedBuild("out-own");
  const own = await builtByTheProject();
  const decode = async (path: string, name: string) => new TextDecoder().decode((await readTarFiles(path)).get(name)!);
  expect(await decode(core.artifact.path, "index.js")).toBe(own.core);
  expect(await decode(core.artifact.path, "index.js.map")).toBe(own.coreMap);
  expect(await decode(app.artifact.path, "main.js")).toBe(own.app);
  expect(await decode(app.artifact.path, "main.js.map")).toBe(own.appMap);
  // not vacuous: the app's map names core's output where the app's own build found it
  expect(JSON.parse(own.appMap).sources).toContain("../../core/dist/index.js");
});

test("rebuild of the app rebuilds core from the same commit first, shows its outputs as build --workspace did, and reproduces", async () => {
  const { app } = await signedBuild("out-rebuild");
  const rebuilt = await runCli(["rebuild", app.bundle.path, "--key", join(work.path, "bunseal.pub"), "--json"]);
  expect(rebuilt.stderr).not.toContain("Could not resolve");
  expect(rebuilt.exitCode, rebuilt.stdout + rebuilt.stderr).toBe(0);
  expect(rebuilt.json()).toMatchObject({ reproducible: true, artifact: { rebuilt: app.artifact.digest }, causes: [] });
});

test("a recorded sibling whose rebuild gives other bytes is input-drift naming it, NOT REPRODUCIBLE, exit 1, and the app is not built", async () => {
  const { app } = await signedBuild("out-drift");
  // the record of a run whose core was built otherwise (another bunseal's defaults, say): same commit, another core artifact
  const statement = JSON.parse(Buffer.from(JSON.parse(readFileSync(app.bundle.path, "utf8")).dsseEnvelope.payload, "base64").toString("utf8"));
  const recorded = statement.predicate.buildDefinition.internalParameters.siblings[0];
  const otherDigest = `sha256:${"e".repeat(64)}`;
  recorded.artifact.digest = otherDigest;
  const bundle = await signStatement(new TextEncoder().encode(canonicalJson(statement)), keySigner(await loadPrivateKey(join(work.path, "bunseal.key"))));
  const bundlePath = join(work.path, "drifted.sigstore.json");
  await Bun.write(bundlePath, JSON.stringify(bundle));

  const rebuilt = await runCli(["rebuild", bundlePath, "--key", join(work.path, "bunseal.pub"), "--artifact", app.artifact.path, "--json"]);
  expect(rebuilt.exitCode, rebuilt.stdout + rebuilt.stderr).toBe(1);
  const report = rebuilt.json();
  expect(report.reproducible).toBe(false);
  expect(report.artifact.rebuilt).toBeNull();
  expect(report.causes).toHaveLength(1);
  expect(report.causes[0].kind).toBe("input-drift");
  expect(report.causes[0].file).toBe("packages/core");
  expect(report.causes[0].evidence).toContain(`the workspace member packages/core (@ws/core) rebuilt from commit ${statement.predicate.buildDefinition.externalParameters.source.commit.slice(0, 12)} is sha256:`);
  expect(report.causes[0].evidence).toContain(`the record says ${otherDigest}`);

  const text = await runCli(["rebuild", bundlePath, "--key", join(work.path, "bunseal.pub"), "--artifact", app.artifact.path]);
  expect(text.exitCode).toBe(1);
  expect(text.stdout + text.stderr).toContain("NOT REPRODUCIBLE");
  expect(text.stdout + text.stderr).toContain("packages/core");
});

test("when the app itself does not reproduce, the experiments that look for why are shown core's outputs too", async () => {
  const { app } = await signedBuild("out-experiments");
  // the record of an app that came out otherwise (its main.js, so the tar too); core's outputs as recorded
  const statement = JSON.parse(Buffer.from(JSON.parse(readFileSync(app.bundle.path, "utf8")).dsseEnvelope.payload, "base64").toString("utf8"));
  statement.subject[0].digest.sha256 = "a".repeat(64);
  statement.subject.find((s: { name: string }) => s.name === "main.js").digest.sha256 = "b".repeat(64);
  const bundle = await signStatement(new TextEncoder().encode(canonicalJson(statement)), keySigner(await loadPrivateKey(join(work.path, "bunseal.key"))));
  // no tar beside it: only the digests are compared
  const bundlePath = join(work.path, "other-app.sigstore.json");
  await Bun.write(bundlePath, JSON.stringify(bundle));

  const rebuilt = await runCli(["rebuild", bundlePath, "--key", join(work.path, "bunseal.pub"), "--max-experiments", "2", "--json"]);
  expect(rebuilt.exitCode, rebuilt.stdout + rebuilt.stderr).toBe(1);
  const report = rebuilt.json();
  expect(report.siblings).toEqual([{ member: "packages/core", package: "@ws/core", recorded: statement.predicate.buildDefinition.internalParameters.siblings[0].artifact.digest, rebuilt: statement.predicate.buildDefinition.internalParameters.siblings[0].artifact.digest }]);
  expect(report.artifact.rebuilt).toBe(app.artifact.digest);
  expect(report.differences.map((d: { path: string }) => d.path)).toEqual(["main.js"]);
  expect(report.experiments.length).toBeGreaterThan(0);
  for (const experiment of report.experiments) expect(experiment.showed).not.toContain("the build failed");
});

test("check of the app member builds core once, shows its outputs to every build, and raises no false alarm", async () => {
  const dist = join(repo.path, "packages/core/dist/index.js");
  const before = existsSync(dist) ? readFileSync(dist, "utf8") : null;
  const checked = await runCli(["check", join(repo.path, "packages/app"), "--json"]);
  expect(checked.stderr).not.toContain("Could not resolve");
  expect(checked.exitCode, checked.stdout + checked.stderr).toBe(0);
  const report = checked.json();
  expect(report.reproducible).toBe(true);
  expect(report.causes).toEqual([]);
  expect(report.siblings).toEqual([{ member: "packages/core", package: "@ws/core", at: "packages/core/dist", artifact: { name: expect.stringMatching(/^core-[0-9a-f]{12}(-dirty)?\.tar$/), digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) } }]);
  // every build of the check was shown core's outputs; variations of the app's build ran
  expect(report.trials.length).toBeGreaterThanOrEqual(3);
  expect(report.trials.every((t: { failed: boolean; digest: string }) => !t.failed && t.digest === report.baseline.digest)).toBe(true);
  // and what it built is what build --workspace builds
  const { core, app } = await signedBuild("out-check");
  expect(report.baseline.digest).toBe(app.artifact.digest);
  expect(report.siblings[0].artifact.digest).toBe(core.artifact.digest);
  // the work tree is left as it was (a stale dist, or none)
  expect(existsSync(dist) ? readFileSync(dist, "utf8") : null).toBe(before);
  expect(await git(repo.path, ["status", "--porcelain", "--ignored=no"])).toBe("");
});
