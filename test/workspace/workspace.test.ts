/**
 * Bun workspaces: a package built from its folder records the workspace
 * root's lockfile; rebuild and check work on the whole workspace and build
 * that package; `build --workspace` builds every configured package,
 * dependencies first. The fixture is made here (projects.ts): three packages,
 * one importing another through `workspace:*`, one with an npm dependency.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { buildOrder } from "../../src/workspace/build-order.ts";
import { runCli } from "../helpers/cli.ts";
import { gitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";
import { lockedRepo, WORKSPACE } from "./projects.ts";

setDefaultTimeout(120_000);

let keys: TestDir;
const key = () => join(keys.path, "bunseal.key");
const pub = () => join(keys.path, "bunseal.pub");
beforeAll(async () => {
  keys = await makeTempDir("bunseal-ws-keys-");
  await runCli(["keygen", "--out", keys.path]);
});
afterAll(() => keys?.cleanup());

const statementOf = async (bundlePath: string) => JSON.parse(Buffer.from(JSON.parse(await Bun.file(bundlePath).text()).dsseEnvelope.payload, "base64").toString("utf8"));

describe("a package built from its folder in a workspace", () => {
  test("records the workspace root's lockfile and its subdir, and rebuild --source . from that folder reproduces it", async () => {
    await using repo = await lockedRepo(WORKSPACE);
    const app = join(repo.path, "packages", "app");
    const out = await runCli(["build", ".", "--key", key(), "--json"], { cwd: app });
    expect(out.stderr).not.toContain("bunseal:");
    expect(out.exitCode).toBe(0);
    const built = out.json();
    expect(built.dependencies).toBeGreaterThan(0);
    const statement = await statementOf(built.bundle.path);
    const definition = statement.predicate.buildDefinition;
    const rootLock = createHash("sha256").update(await Bun.file(join(repo.path, "bun.lock")).bytes()).digest("hex");
    expect(definition.internalParameters.lockfileDigest).toBe(`sha256:${rootLock}`);
    expect(definition.externalParameters.source.subdir).toBe("packages/app");
    expect(definition.resolvedDependencies.some((d: { uri?: string }) => d.uri === "pkg:npm/ms@2.1.3")).toBe(true);

    // --source is resolved against where the user stands, and may be any folder of the repository
    const rebuilt = await runCli(["rebuild", built.bundle.path, "--key", pub(), "--source", ".", "--json"], { cwd: app });
    expect(rebuilt.stderr).not.toContain("bunseal:");
    expect(rebuilt.exitCode).toBe(0);
    const report = rebuilt.json();
    expect(report.reproducible).toBe(true);
    expect(report.source.clonedFrom).toBe(repo.path);
    expect(report.install.lockfileMatches).toBe(true);
  });

  test("rebuild --source naming a folder outside any repository is exit 2, naming it", async () => {
    await using repo = await lockedRepo(WORKSPACE);
    await using elsewhere = await makeTempDir("bunseal-not-a-repo-");
    const built = (await runCli(["build", join(repo.path, "packages", "lib"), "--key", key(), "--json"])).json();
    const out = await runCli(["rebuild", built.bundle.path, "--key", pub(), "--source", elsewhere.path]);
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toContain(`bunseal: SOURCE_UNAVAILABLE: --source ${elsewhere.path}: expected a git repository or a folder inside one, got a folder outside any git repository`);
  });

  test("check copies the whole workspace, so the package's workspace imports resolve, and finds it reproducible", async () => {
    await using repo = await lockedRepo(WORKSPACE);
    const out = await runCli(["check", join(repo.path, "packages", "app"), "--runs", "2", "--vary", "build-path,file-order", "--json"]);
    expect(out.stderr).not.toContain("bunseal:");
    const report = out.json();
    expect(report.trials.filter((t: { failed: boolean }) => t.failed)).toEqual([]);
    expect(report.reproducible).toBe(true);
    expect(out.exitCode).toBe(0);
  });

  test("a package with workspace: dependencies that no workspace root lists is exit 2, naming the dependency", async () => {
    await using repo = await gitRepo({
      "package.json": JSON.stringify({ name: "orphan", version: "1.0.0", dependencies: { "@ws/lib": "workspace:*" } }),
      "src/index.ts": "console.log(1);\n",
    });
    const out = await runCli(["build", repo.path, "--no-sign", "--json"]);
    expect(out.exitCode).toBe(2);
    const { error } = out.json();
    expect(error.code).toBe("WORKSPACE_ROOT_NOT_FOUND");
    expect(error.file).toBe("package.json");
    expect(error.field).toBe("dependencies.@ws/lib");
  });
});

describe("build --workspace", () => {
  test("builds every package with a bunseal config, dependencies first, each as its own build would", async () => {
    await using repo = await lockedRepo(WORKSPACE);
    const out = await runCli(["build", repo.path, "--workspace", "--key", key(), "--json"]);
    expect(out.stderr).not.toContain("bunseal:");
    expect(out.exitCode).toBe(0);
    const { builds } = out.json();
    expect(builds.map((b: { package: string; service: string }) => [b.package, b.service])).toEqual([
      ["packages/lib", "ws-lib"],
      ["packages/app", "ws-app"],
    ]);
    for (const b of builds) expect(b.dependencies).toBeGreaterThan(0);
    // the same artifact as a build from the package's own folder
    const alone = (await runCli(["build", join(repo.path, "packages", "app"), "--key", key(), "--out", join(repo.path, ".bunseal", "alone"), "--json"])).json();
    expect(alone.artifact.digest).toBe(builds[1].artifact.digest);
    expect((await statementOf(builds[1].bundle.path)).predicate.buildDefinition.externalParameters.source.subdir).toBe("packages/app");

    const human = await runCli(["build", repo.path, "--workspace", "--no-sign"]);
    expect(human.exitCode).toBe(0);
    expect(human.stdout).toContain("2 package(s) built, dependencies first");
  });

  test("outside a workspace root it is exit 2, naming package.json", async () => {
    await using repo = await lockedRepo(WORKSPACE);
    const out = await runCli(["build", join(repo.path, "packages", "lib"), "--workspace", "--no-sign", "--json"]);
    expect(out.exitCode).toBe(2);
    const { error } = out.json();
    expect(error.code).toBe("WORKSPACE_ROOT_NOT_FOUND");
    expect(error.file).toBe("package.json");
    expect(error.message).toContain('expected a workspace root (a package.json with "workspaces")');
  });
});

describe("build order", () => {
  test("a package comes after the workspace packages it depends on; ties by folder", () => {
    const order = buildOrder([
      { dir: "packages/app", name: "@ws/app", dependencies: ["@ws/lib", "react"] },
      { dir: "packages/lib", name: "@ws/lib", dependencies: ["@ws/util", "ms"] },
      { dir: "packages/util", name: "@ws/util", dependencies: [] },
      { dir: "packages/alone", dependencies: [] },
    ]);
    expect(order).toEqual(["packages/alone", "packages/util", "packages/lib", "packages/app"]);
  });

  test("a dependency cycle is refused, naming it", () => {
    expect(() =>
      buildOrder([
        { dir: "a", name: "a", dependencies: ["b"] },
        { dir: "b", name: "b", dependencies: ["a"] },
      ]),
    ).toThrow("got a cycle: a → b → a");
  });
});
