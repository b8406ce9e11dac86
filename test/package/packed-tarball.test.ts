/**
 * bunseal as users get it (issue #20, item 13): the tarball `bun pm pack` makes
 * ships what runs and nothing else, and installed into a fresh project with
 * `bun add -d <tarball>` (its production dependencies only, from the npm
 * registry), `bunx bunseal build` signs in the sandbox and `bunx bunseal verify`
 * accepts it. The worker then runs from node_modules/bunseal/src, the one place
 * an installed bunseal has its code.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { REPO_ROOT } from "../helpers/cli.ts";
import { git, gitCommitAll, gitRepo, type GitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(180_000);

let packed: TestDir;
let tarball: string;
let shipped: string[];

async function run(cmd: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  // `bunx` and the `bun` of bunseal's shebang are the Bun running the tests
  const path = `${dirname(process.execPath)}:${process.env.PATH ?? ""}`;
  const proc = Bun.spawn(cmd, { cwd, env: { ...process.env, PATH: path, NO_COLOR: "1", ...env }, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, out, err };
}

async function ok(cmd: string[], cwd: string): Promise<string> {
  const result = await run(cmd, cwd);
  if (result.code !== 0) throw new Error(`${cmd.join(" ")} exited ${result.code}\n--- stdout\n${result.out}\n--- stderr\n${result.err}`);
  return result.out;
}

beforeAll(async () => {
  packed = await makeTempDir("bunseal-pack-");
  await ok([process.execPath, "pm", "pack", "--destination", packed.path, "--quiet"], REPO_ROOT);
  const name = readdirSync(packed.path).find((f) => f.endsWith(".tgz"));
  if (!name) throw new Error(`bun pm pack wrote no .tgz into ${packed.path}`);
  tarball = join(packed.path, name);
  shipped = (await ok(["tar", "-tzf", tarball], packed.path)).trim().split("\n").map((line) => line.replace(/^package\//, ""));
});
afterAll(async () => {
  await packed?.cleanup();
});

test("the packed tarball ships what runs (bin, src, schemas, the sandbox probe, the GitLab job, README, LICENSE) and no tests, fixtures, benches or docs", async () => {
  // what runs, as git tracks it: the tarball holds exactly these files, so a new module ships and a new test folder does not
  // (safe.directory: the checkout may belong to another user than the one running the tests)
  const runs = ["bin/", "src/", "schemas/", ".ci/sandbox-ready", ".ci/bwrap.apparmor", "ci/gitlab/", "tsconfig.json", "README.md", "LICENSE", "package.json"];
  const tracked = (await git(REPO_ROOT, ["-c", "safe.directory=*", "ls-files", "-z", "--", ...runs])).split("\0").filter(Boolean);
  expect(tracked).toContain("LICENSE");
  expect(shipped.toSorted()).toEqual(tracked.toSorted());
  expect(shipped.filter((path) => /^(test|fixtures|bench|docs)\//.test(path) || /\.test\.ts$/.test(path))).toEqual([]);
});

test("bun add -d <tarball> in a fresh project installs production dependencies only; bunx bunseal build signs in the sandbox and bunx bunseal verify accepts it", async () => {
  await using repo: GitRepo = await gitRepo({
    ".gitignore": "node_modules/\n.bunseal/\n.keys/\n",
    "package.json": JSON.stringify({ name: "fresh-service", private: true }),
    "bunseal.json": JSON.stringify({ service: "fresh-service", entrypoints: ["src/index.ts"] }),
    "src/index.ts": "export const greeting = (name: string): string => `hello ${name}`;\nconsole.log(greeting('world'));\n",
  });
  // the npm registry for bunseal's dependencies; no lockfile of bunseal's comes with it
  await ok([process.execPath, "add", "-d", tarball], repo.path);
  const own = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  for (const name of Object.keys(own.dependencies)) expect(existsSync(join(repo.path, "node_modules", name, "package.json"))).toBe(true);
  expect(Object.keys(own.devDependencies).filter((name) => existsSync(join(repo.path, "node_modules", name)))).toEqual([]);
  expect(existsSync(join(repo.path, "node_modules", "bunseal", "test"))).toBe(false);
  const commit = await gitCommitAll(repo.path, "add bunseal");

  await ok(["bunx", "bunseal", "keygen", "--out", ".keys"], repo.path);
  const built = JSON.parse(await ok(["bunx", "bunseal", "build", "--key", ".keys/bunseal.key", "--json"], repo.path));
  expect(built.artifact.path).toBe(join(repo.path, ".bunseal", "out", `fresh-service-${commit.slice(0, 12)}.tar`));
  const bundle = JSON.parse(readFileSync(`${built.artifact.path}.sigstore.json`, "utf8"));
  const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, "base64").toString("utf8"));
  // the worker ran from node_modules/bunseal/src inside bubblewrap, not unsandboxed
  expect(statement.predicate.buildDefinition.internalParameters.sandbox.kind).toBe("bubblewrap");

  const verified = await run(["bunx", "bunseal", "verify", built.artifact.path, "--key", ".keys/bunseal.pub", "--commit", commit, "--service", "fresh-service"], repo.path);
  expect(verified.err).toBe("");
  expect(verified.code).toBe(0);
  expect(verified.out).toStartWith(`OK: ${built.artifact.path} verifies\n`);

  // the library, as `import … from "bunseal"` in the project finds it
  const library = await ok([process.execPath, "-e", `import { verifyBundle, loadPublicKey } from "bunseal"; const r = await verifyBundle({ artifact: ${JSON.stringify(built.artifact.path)}, bundlePath: ${JSON.stringify(`${built.artifact.path}.sigstore.json`)}, keys: [await loadPublicKey(".keys/bunseal.pub")], expectations: {} }); console.log(r.verified);`], repo.path);
  expect(library).toBe("true\n");
});

test("bunseal installed in a folder of its own, outside the project (as the GitLab template installs it), builds in the sandbox: its hoisted dependencies are shown to the worker", async () => {
  await using home = await makeTempDir("bunseal-home-");
  await using repo: GitRepo = await gitRepo({
    ".gitignore": ".bunseal/\n",
    "package.json": JSON.stringify({ name: "elsewhere-service", private: true }),
    "bunseal.json": JSON.stringify({ service: "elsewhere-service", entrypoints: ["src/index.ts"] }),
    "src/index.ts": "console.log('built by a bunseal installed elsewhere');\n",
  });
  await Bun.write(join(home.path, "package.json"), JSON.stringify({ private: true }));
  await ok([process.execPath, "add", tarball], home.path);
  // bun hoists bunseal's dependencies beside it, out of node_modules/bunseal
  expect(existsSync(join(home.path, "node_modules", "tar-stream", "package.json"))).toBe(true);
  expect(existsSync(join(home.path, "node_modules", "bunseal", "node_modules"))).toBe(false);
  const bunseal = join(home.path, "node_modules", ".bin", "bunseal");
  const built = await run([bunseal, "build", repo.path, "--no-sign", "--json"], repo.path);
  if (built.code !== 0) throw new Error(`bunseal build exited ${built.code}\n${built.err}`);
  const result = JSON.parse(built.out);
  const statement = JSON.parse(readFileSync(result.statement.path, "utf8"));
  expect(statement.predicate.buildDefinition.internalParameters.sandbox.kind).toBe("bubblewrap");
});
