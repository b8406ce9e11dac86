/**
 * Issue #19, item 5: a workspace installed by Bun's isolated linker keeps each
 * package in `node_modules/.bun/<entry>/node_modules/<name>`, and Bun bundles
 * the files from there; `build --sbom` said "0 shipped packages" for such a
 * member. A real workspace, installed with `bun install --linker isolated`
 * from the npm registry: the member bundles hono, zod, a scoped package and a
 * scoped package installed with a peer (so its folder carries a peer hash),
 * and a `file:` folder; the other member locks another version of ms, which
 * the built member must not be said to ship.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { Spec, Validation } from "@cyclonedx/cyclonedx-library";
import type { ProvenanceV1 } from "../../src/attest/slsa-provenance.ts";
import type { Statement } from "../../src/attest/statement.ts";
import { readTarFiles } from "../../src/artifact/tar-read.ts";
import { packageInventory } from "../../src/inventory/shipped.ts";
import { runCli } from "../helpers/cli.ts";
import { DEFAULT_COMMIT_TIME, gitRepo, type GitRepo } from "../helpers/git.ts";
import { makeTempDir, writeTree, type FileTree, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(180_000);

const FILES: FileTree = {
  ".gitignore": "node_modules\n.bunseal\n",
  "package.json": JSON.stringify({ name: "isolated-root", private: true, workspaces: ["packages/*"] }),
  "bunfig.toml": '[install]\nlinker = "isolated"\n',
  "vendor/localdir/package.json": JSON.stringify({ name: "localdir", version: "0.0.1", main: "index.js" }),
  "vendor/localdir/index.js": "export const local = 'from a file: folder';\n",
  "packages/api/package.json": JSON.stringify({
    name: "@kinds/api",
    version: "1.0.0",
    dependencies: { hono: "4.6.0", zod: "3.25.76", "@t3-oss/env-core": "0.13.8", "@sindresorhus/is": "4.6.0", ms: "2.0.0", localdir: "file:../../vendor/localdir" },
  }),
  "packages/api/bunseal.json": JSON.stringify({ service: "api", entrypoints: ["src/index.ts"], build: { target: "bun", format: "esm" } }),
  "packages/api/src/index.ts": [
    'import { Hono } from "hono";',
    'import ms from "ms";',
    'import { z } from "zod";',
    'import is from "@sindresorhus/is";',
    'import { createEnv } from "@t3-oss/env-core";',
    'import { local } from "localdir";',
    'const env = createEnv({ server: { PORT: z.string().default("3000") }, runtimeEnv: {} });',
    "const app = new Hono();",
    'app.get("/", (c) => c.text(`${ms(1000)} ${env.PORT} ${is.string(local)}`));',
    "export default app;",
    "",
  ].join("\n"),
  "packages/tool/package.json": JSON.stringify({ name: "@kinds/tool", version: "1.0.0", dependencies: { ms: "2.1.3", "is-number": "7.0.0" } }),
};

let work: TestDir;
let repo: GitRepo;
let store: string;
let built: { artifact: { digest: string; path: string }; bundle: { path: string }; sbom: { path: string; packages: number } };
let statement: Statement<ProvenanceV1>;

async function bunInstall(cwd: string, ...flags: string[]): Promise<void> {
  const proc = Bun.spawn([process.execPath, "install", "--linker", "isolated", "--no-progress", ...flags], { cwd, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`bun install --linker isolated ${flags.join(" ")} in ${cwd} exited ${code}:\n${out}${err}`);
}

beforeAll(async () => {
  work = await makeTempDir("bunseal-isolated-");
  // the lockfile is made by Bun from the registry (every version is exact), then committed with the rest
  const resolve = join(work.path, "resolve");
  await writeTree(resolve, FILES);
  await bunInstall(resolve, "--lockfile-only");
  repo = await gitRepo({ ...FILES, "bun.lock": readFileSync(join(resolve, "bun.lock")) }, { message: "isolated workspace" });
  await bunInstall(repo.path, "--frozen-lockfile");
  store = `sqlite:${join(work.path, "store.db")}`;
  expect((await runCli(["keygen", "--out", work.path])).exitCode).toBe(0);
  const out = await runCli(["build", join(repo.path, "packages", "api"), "--key", join(work.path, "bunseal.key"), "--sbom", "--store", store, "--out", join(work.path, "out"), "--json"]);
  expect(out.exitCode).toBe(0);
  built = out.json();
  statement = JSON.parse(Buffer.from(JSON.parse(readFileSync(out.json().bundle.path, "utf8")).dsseEnvelope.payload, "base64").toString("utf8"));
});
afterAll(async () => {
  await Promise.all([repo?.cleanup(), work?.cleanup()]);
});

test("the install is the isolated linker's: packages in node_modules/.bun, a peer hash on the one with a peer", () => {
  const entries = readdirSync(join(repo.path, "node_modules", ".bun"));
  expect(entries).toEqual(expect.arrayContaining(["hono@4.6.0", "zod@3.25.76", "@sindresorhus+is@4.6.0", "ms@2.0.0", "ms@2.1.3", "localdir@file+vendor+localdir"]));
  expect(entries.filter((e) => /^@t3-oss\+env-core@0\.13\.8\+[0-9a-f]{16}$/.test(e))).toHaveLength(1);
  // and the build bundled them from there, through the member's links
  const modules = (statement.predicate.buildDefinition.resolvedDependencies ?? []).filter((d) => (d.annotations as { role?: string }).role === "module").map((d) => d.name!);
  expect(modules.some((m) => m.startsWith("../../node_modules/.bun/hono@4.6.0/node_modules/hono/"))).toBe(true);
});

test("every package the member bundles from the store is shipped, each matched to its own lockfile entry", () => {
  const inventory = packageInventory(statement);
  const shipped = inventory.filter((p) => p.shipped).map((p) => `${p.name}@${p.version}`);
  expect(shipped.sort()).toEqual(["@sindresorhus/is@4.6.0", "@t3-oss/env-core@0.13.8", "hono@4.6.0", "localdir@file:vendor/localdir", "ms@2.0.0", "zod@3.25.76"]);
  // the other member's ms and is-number are locked, not shipped
  expect(inventory.filter((p) => !p.shipped).map((p) => `${p.name}@${p.version}`).sort()).toEqual(["is-number@7.0.0", "ms@2.1.3"]);
  const envCore = inventory.find((p) => p.name === "@t3-oss/env-core")!;
  expect(envCore.files.length).toBeGreaterThan(0);
  expect(envCore.files.every((f) => /^\.\.\/\.\.\/node_modules\/\.bun\/@t3-oss\+env-core@0\.13\.8\+[0-9a-f]{16}\/node_modules\/@t3-oss\/env-core\//.test(f))).toBe(true);
  const ms = inventory.find((p) => p.name === "ms" && p.version === "2.0.0")!;
  expect(ms.files).toEqual(["../../node_modules/.bun/ms@2.0.0/node_modules/ms/index.js"]);
});

test("build --sbom lists the shipped packages, and the SBOM is valid CycloneDX 1.6", async () => {
  expect(built.sbom.packages).toBe(6);
  const sbom = JSON.parse(readFileSync(built.sbom.path, "utf8"));
  expect(await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(JSON.stringify(sbom))).toBeNull();
  const purls = (sbom.components as { purl?: string }[]).map((c) => c.purl).filter(Boolean).sort();
  expect(purls).toEqual(["pkg:npm/%40sindresorhus/is@4.6.0", "pkg:npm/%40t3-oss/env-core@0.13.8", "pkg:npm/hono@4.6.0", "pkg:npm/ms@2.0.0", "pkg:npm/zod@3.25.76"]);
});

test("trace --package tells the version the member shipped from the one it only locked", async () => {
  const trace = async (spec: string) => (await runCli(["trace", "--package", spec, "--store", store, "--json"])).json();
  expect((await trace("ms@2.0.0")).matches).toEqual([expect.objectContaining({ packageVersion: "2.0.0", shipped: true })]);
  expect((await trace("ms@2.1.3")).matches).toEqual([expect.objectContaining({ packageVersion: "2.1.3", shipped: false })]);
  expect((await trace("@t3-oss/env-core")).count).toEqual({ artifacts: 1, shipped: 1 });
  expect((await trace("hono@4.6.0")).count).toEqual({ artifacts: 1, shipped: 1 });
});

test("the artifact is the bytes `bun build` makes in the member, a rebuild from a fresh clone reproduces it, and check raises no false alarm", async () => {
  const member = join(repo.path, "packages", "api");
  const out = join(member, "cli-out");
  const proc = Bun.spawn([process.execPath, "build", "./src/index.ts", "--target=bun", "--format=esm", "--outdir", out], {
    cwd: member,
    env: { PATH: "/usr/local/bin:/usr/bin:/bin", TZ: "UTC", LC_ALL: "C", LANG: "C", SOURCE_DATE_EPOCH: String(DEFAULT_COMMIT_TIME) },
    stdout: "pipe",
    stderr: "pipe",
  });
  expect(await proc.exited).toBe(0);
  const cli = await Bun.file(join(out, "index.js")).bytes();
  // the project is checked after this, and a stray output folder would be a work-tree change
  await rm(out, { recursive: true, force: true });
  const files = await readTarFiles(built.artifact.path);
  expect([...files.keys()]).toEqual(["index.js"]);
  expect(Buffer.from(files.get("index.js")!).equals(Buffer.from(cli))).toBe(true);
  // Bun names each module's path in a comment: a rebuild that installed another layout would differ here
  expect(new TextDecoder().decode(cli)).toContain("// ../../node_modules/.bun/hono@4.6.0/node_modules/hono/dist/");

  const rebuilt = (await runCli(["rebuild", built.bundle.path, "--key", join(work.path, "bunseal.pub"), "--json"])).json();
  expect(rebuilt.differences).toEqual([]);
  expect(rebuilt.reproducible).toBe(true);
  expect(rebuilt.artifact.rebuilt).toBe(built.artifact.digest);

  const checked = (await runCli(["check", member, "--json"])).json();
  expect(checked.culprits).toEqual([]);
  expect(checked.causes).toEqual([]);
  expect(checked.reproducible).toBe(true);
});
