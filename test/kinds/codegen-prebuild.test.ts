/**
 * A project that generates code before its bundle (issue #19, item 6):
 * `bun run generate` writes a git-ignored `src/generated.ts` from a committed
 * data file, and `src/index.ts` imports it. The config says
 * `"prebuild": ["bun run generate"]`: the build runs it in the sandbox, the
 * statement records the generated file (role `generated`, its digest), the
 * work tree is left as it was, and `rebuild` and `check`, which run it too,
 * agree. Needs the sandbox's writable layer (item 8): without it the
 * generator's write into the project fails with EROFS.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readTarFiles } from "../../src/artifact/tar-read.ts";
import { runCli } from "../helpers/cli.ts";
import { git, gitRepo, type GitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(240_000);

let repo: GitRepo;
let work: TestDir;

const GENERATOR = `const prices = await Bun.file("data/prices.json").json();
const lines = Object.keys(prices).sort().map((name) => \`  \${JSON.stringify(name)}: \${prices[name]},\`);
await Bun.write("src/generated.ts", \`// generated from data/prices.json by scripts/generate.ts\\nexport const prices = {\\n\${lines.join("\\n")}\\n} as const;\\n\`);
`;

beforeAll(async () => {
  work = await makeTempDir("bunseal-codegen-");
  await runCli(["keygen", "--out", work.path]);
  repo = await gitRepo({
    "package.json": JSON.stringify({ name: "codegen", private: true, scripts: { generate: "bun scripts/generate.ts" } }),
    ".gitignore": "src/generated.ts\n",
    "data/prices.json": JSON.stringify({ pear: 3, apple: 2, quince: 17 }),
    "scripts/generate.ts": GENERATOR,
    "src/index.ts": 'import { prices } from "./generated.ts";\nconsole.log(`quince costs ${prices.quince}`);\n',
    "bunseal.json": JSON.stringify({ service: "codegen", entrypoints: ["src/index.ts"], build: { target: "bun" }, prebuild: ["bun run generate"] }),
  });
});
afterAll(async () => {
  await Promise.all([repo?.cleanup(), work?.cleanup()]);
});

/** What the project's own generator writes, run in a clone of the commit (not in the work tree under test). */
async function generatedByTheProject(): Promise<string> {
  await using clone = await makeTempDir("bunseal-codegen-clone-");
  await git(clone.path, ["clone", "--quiet", repo.path, "."]);
  const run = Bun.spawnSync([process.execPath, "run", "generate"], { cwd: clone.path, stdout: "pipe", stderr: "pipe" });
  if (run.exitCode !== 0) throw new Error(`bun run generate failed: ${run.stderr}`);
  return readFileSync(join(clone.path, "src/generated.ts"), "utf8");
}

test("prebuild generates a git-ignored module the bundle imports: recorded as generated with its digest, the work tree untouched, rebuild reproduces, check is quiet", async () => {
  const built = await runCli(["build", repo.path, "--key", join(work.path, "bunseal.key"), "--out", join(work.path, "out"), "--json"]);
  expect(built.exitCode, built.stdout + built.stderr).toBe(0);
  const result = built.json();

  // the bundle holds what the generator made from the data file
  const files = await readTarFiles(result.artifact.path);
  expect(new TextDecoder().decode(files.get("index.js")!)).toContain("17");

  const verified = await runCli(["verify", result.artifact.path, "--key", join(work.path, "bunseal.pub"), "--json"]);
  expect(verified.exitCode, verified.stdout).toBe(0);

  const statement = JSON.parse(Buffer.from(JSON.parse(readFileSync(result.bundle.path, "utf8")).dsseEnvelope.payload, "base64").toString("utf8"));
  expect(statement.predicate.buildDefinition.externalParameters.prebuild).toEqual(["bun run generate"]);
  const generated = await generatedByTheProject();
  const sha256 = new Bun.CryptoHasher("sha256").update(generated).digest("hex");
  expect(statement.predicate.buildDefinition.resolvedDependencies).toContainEqual(expect.objectContaining({ name: "src/generated.ts", digest: { sha256 }, annotations: expect.objectContaining({ role: "generated" }) }));

  // nothing the build wrote reached the work tree
  expect(existsSync(join(repo.path, "src/generated.ts"))).toBe(false);
  expect(await git(repo.path, ["status", "--porcelain", "--ignored"])).toBe("");

  const rebuilt = await runCli(["rebuild", result.bundle.path, "--key", join(work.path, "bunseal.pub"), "--json"]);
  expect(rebuilt.exitCode, rebuilt.stdout).toBe(0);
  expect(rebuilt.json().reproducible).toBe(true);

  const checked = await runCli(["check", repo.path, "--json"]);
  expect(checked.exitCode, checked.stdout).toBe(0);
});
