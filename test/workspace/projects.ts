/**
 * Projects made here, from the npm registry, for the lockfile and workspace
 * tests: the lockfile is written by a real `bun install`, committed in a
 * fresh git repository, and the dependencies installed from it, as a user's
 * checkout would have them.
 */
import { join } from "node:path";
import { gitRepo, type GitRepo } from "../helpers/git.ts";
import { makeTempDir, writeTree, type FileTree } from "../helpers/testdir.ts";

const IGNORE = "node_modules\n.bunseal\n";

async function bun(cwd: string, args: string[]): Promise<void> {
  const proc = Bun.spawn([process.execPath, ...args], { cwd, stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
  const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`bun ${args.join(" ")} (in ${cwd}) exited ${code}: ${stderr.trim()}`);
}

/**
 * A repository whose lockfile Bun wrote for `files`: `bun.lockb` when
 * `binary` (Bun 1.4.5 writes it under `install.saveTextLockfile = false`;
 * it has no flag for it), else `bun.lock`. The bunfig stays in the commit, so a
 * later `bun install` keeps the binary form too, as it would in such a project.
 */
export async function lockedRepo(files: FileTree, options: { binary?: boolean } = {}): Promise<GitRepo> {
  const tree: FileTree = { ".gitignore": IGNORE, ...files, ...(options.binary ? { "bunfig.toml": "[install]\nsaveTextLockfile = false\n" } : {}) };
  await using scratch = await makeTempDir("bunseal-lock-");
  await writeTree(scratch.path, tree);
  await bun(scratch.path, ["install", "--lockfile-only", "--ignore-scripts", "--no-progress"]);
  const name = options.binary ? "bun.lockb" : "bun.lock";
  const lockfile = await Bun.file(join(scratch.path, name)).bytes();
  const repo = await gitRepo({ ...tree, [name]: lockfile });
  await bun(repo.path, ["install", "--frozen-lockfile", "--ignore-scripts", "--no-progress"]);
  return repo;
}

/** One service importing `ms` from the npm registry. */
export const MS_SERVICE: FileTree = {
  "package.json": JSON.stringify({ name: "ms-service", version: "1.0.0", dependencies: { ms: "2.1.3" } }, null, 2),
  "bunseal.json": JSON.stringify({ service: "ms-service", entrypoints: ["src/index.ts"] }),
  "src/index.ts": 'import ms from "ms";\nexport const minute = ms(60_000);\nconsole.log(minute);\n',
};

/**
 * A Bun workspace of three packages: `util` (no dependencies, no bunseal
 * config), `lib` (the npm package `ms`, and `util` through `workspace:*`) and
 * `app` (`lib` through `workspace:*`); lib and app have bunseal configs, so
 * `build --workspace` builds lib, then app.
 */
export const WORKSPACE: FileTree = {
  "package.json": JSON.stringify({ name: "ws-root", private: true, workspaces: ["packages/*"] }, null, 2),
  "packages/util/package.json": JSON.stringify({ name: "@ws/util", version: "1.0.0", module: "src/index.ts" }, null, 2),
  "packages/util/src/index.ts": 'export const greeting = "hello";\n',
  "packages/lib/package.json": JSON.stringify({ name: "@ws/lib", version: "1.0.0", module: "src/index.ts", dependencies: { ms: "2.1.3", "@ws/util": "workspace:*" }, bunseal: { service: "ws-lib", entrypoints: ["src/index.ts"] } }, null, 2),
  "packages/lib/src/index.ts": 'import ms from "ms";\nimport { greeting } from "@ws/util";\nexport const say = () => `${greeting} ${ms(60_000)}`;\n',
  "packages/app/package.json": JSON.stringify({ name: "@ws/app", version: "1.0.0", dependencies: { "@ws/lib": "workspace:*" } }, null, 2),
  "packages/app/bunseal.json": JSON.stringify({ service: "ws-app", entrypoints: ["src/index.ts"] }),
  "packages/app/src/index.ts": 'import { say } from "@ws/lib";\nconsole.log("app", say());\n',
};
