/**
 * A workspace member installed by Bun's hoisted linker (`linker = "hoisted"`):
 * its packages sit in the workspace root's node_modules (`../../node_modules/…`
 * from the member), and a version that could not be hoisted in the member's
 * own node_modules, at the lockfile key `<member name>/<name>`. Measured
 * before this: the member's SBOM listed one package, ms@2.1.3, which it does
 * not ship (its own ms is 2.0.0), and not hono, which it does.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ProvenanceV1 } from "../../src/attest/slsa-provenance.ts";
import type { Statement } from "../../src/attest/statement.ts";
import { packageInventory } from "../../src/inventory/shipped.ts";
import { runCli } from "../helpers/cli.ts";
import { gitRepo, type GitRepo } from "../helpers/git.ts";
import { makeTempDir, writeTree, type FileTree, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(120_000);

const FILES: FileTree = {
  ".gitignore": "node_modules\n.bunseal\n",
  // the root's own ms is the one at the root, so the member's stays in the member's node_modules
  "package.json": JSON.stringify({ name: "hoisted-root", private: true, workspaces: ["packages/*"], dependencies: { ms: "2.1.3" } }),
  "bunfig.toml": '[install]\nlinker = "hoisted"\n',
  "packages/api/package.json": JSON.stringify({ name: "@kinds/api", version: "1.0.0", dependencies: { hono: "4.6.0", ms: "2.0.0" } }),
  "packages/api/bunseal.json": JSON.stringify({ service: "api", entrypoints: ["src/index.ts"], build: { target: "bun", format: "esm" } }),
  "packages/api/src/index.ts": 'import { Hono } from "hono";\nimport ms from "ms";\nexport default new Hono().get("/", (c) => c.text(String(ms(1000))));\n',
};

let work: TestDir;
let repo: GitRepo;
let statement: Statement<ProvenanceV1>;

async function bunInstall(cwd: string, ...flags: string[]): Promise<void> {
  const proc = Bun.spawn([process.execPath, "install", "--linker", "hoisted", "--no-progress", ...flags], { cwd, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`bun install --linker hoisted ${flags.join(" ")} in ${cwd} exited ${code}:\n${out}${err}`);
}

beforeAll(async () => {
  work = await makeTempDir("bunseal-hoisted-");
  const resolve = join(work.path, "resolve");
  await writeTree(resolve, FILES);
  await bunInstall(resolve, "--lockfile-only");
  repo = await gitRepo({ ...FILES, "bun.lock": readFileSync(join(resolve, "bun.lock")) }, { message: "hoisted workspace" });
  await bunInstall(repo.path, "--frozen-lockfile");
  const out = await runCli(["build", join(repo.path, "packages", "api"), "--no-sign", "--out", join(work.path, "out"), "--json"]);
  expect(out.exitCode).toBe(0);
  statement = JSON.parse(readFileSync(out.json().statement.path, "utf8"));
});
afterAll(async () => {
  await Promise.all([repo?.cleanup(), work?.cleanup()]);
});

test("the install is hoisted: hono in the root's node_modules, the member's ms in its own", () => {
  expect(existsSync(join(repo.path, "node_modules", "hono", "package.json"))).toBe(true);
  expect(JSON.parse(readFileSync(join(repo.path, "node_modules", "ms", "package.json"), "utf8")).version).toBe("2.1.3");
  expect(JSON.parse(readFileSync(join(repo.path, "packages", "api", "node_modules", "ms", "package.json"), "utf8")).version).toBe("2.0.0");
});

test("a member ships the root's hoisted packages and the version in its own node_modules, matched to their keys", () => {
  const inventory = packageInventory(statement).map((p) => [p.name, p.version, p.installPath, p.shipped]);
  expect(inventory).toEqual([
    ["hono", "4.6.0", "hono", true],
    ["ms", "2.0.0", "@kinds/api/ms", true],
    ["ms", "2.1.3", "ms", false],
  ]);
});
