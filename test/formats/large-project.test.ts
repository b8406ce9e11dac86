/**
 * Formats at any size (issue #8): a project of 40,000 modules, whose signed
 * bundle is over 10 MB, builds, signs and verifies. Modules are kept tiny and
 * the repository lives on a memory file system when there is one, so the test
 * costs the build, not the disk.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { git, gitCommitAll } from "../helpers/git.ts";

setDefaultTimeout(300_000);

const MODULES = 40_000;
const PER_FOLDER = 500;
let dir: string;

/** Module i imports 2i+1 and 2i+2, so the bundler reaches all of them and none can be dropped. */
function moduleSource(i: number): string {
  const children = [2 * i + 1, 2 * i + 2].filter((c) => c < MODULES);
  const imports = children.map((c) => `import { v${c} } from "${relative(i, c)}";`).join("\n");
  const sum = children.map((c) => ` + v${c}`).join("");
  return `${imports}\nexport const v${i} = ${i}${sum};\n`;
}
// application-length paths: each input's path is in the statement twice over (name and digest line)
const folder = (i: number) => `feature-area-${Math.floor(i / PER_FOLDER)}`;
const file = (i: number) => `service-module-number-${i}.ts`;
const path = (i: number) => `src/${folder(i)}/${file(i)}`;
const relative = (from: number, to: number) => (folder(from) === folder(to) ? `./${file(to)}` : `../${folder(to)}/${file(to)}`);

beforeAll(async () => {
  const base = existsSync("/dev/shm") ? "/dev/shm" : undefined;
  dir = mkdtempSync(join(base ?? require("node:os").tmpdir(), "bunseal-large-"));
  for (let i = 0; i < MODULES; i += PER_FOLDER) mkdirSync(join(dir, "src", folder(i)), { recursive: true });
  for (let i = 0; i < MODULES; i++) writeFileSync(join(dir, path(i)), moduleSource(i));
  writeFileSync(join(dir, "src/index.ts"), `import { v0 } from "./${folder(0)}/${file(0)}";\nconsole.log(v0);\n`);
  writeFileSync(join(dir, "bunseal.json"), JSON.stringify({ service: "large", entrypoints: ["src/index.ts"], build: { minify: true } }));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "large", private: true }));
  writeFileSync(join(dir, ".gitignore"), ".bunseal/\n");
  await git(dir, ["init", "-q", "-b", "main"]);
  await gitCommitAll(dir, "40,000 modules");
  expect((await runCli(["keygen", "--out", join(dir, ".bunseal", "keys")])).exitCode).toBe(0);
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("a 40,000-module project builds, signs and verifies, its bundle over 10 MB", async () => {
  const built = await runCli(["build", dir, "--key", join(dir, ".bunseal", "keys", "bunseal.key"), "--json"]);
  if (built.exitCode !== 0) throw new Error(built.stderr);
  const result = built.json();
  expect(result.inputs).toBeGreaterThan(MODULES);
  expect(statSync(result.bundle.path).size).toBeGreaterThan(10_000_000);
  const verified = await runCli(["verify", result.artifact.path, "--key", join(dir, ".bunseal", "keys", "bunseal.pub"), "--json"]);
  expect(verified.exitCode).toBe(0);
  expect(verified.json().verified).toBe(true);
});
