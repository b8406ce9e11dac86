/**
 * End to end, one real project per kind (fixtures/kinds, issue 9 item 8):
 * through the CLI, each is built and signed, verified, compared byte for byte
 * with what `bun build` makes, rebuilt from a fresh clone, and checked.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readdirSync, statSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join, relative } from "node:path";
import { listTar, readTarFiles } from "../../src/artifact/tar-read.ts";
import { comparable, type Built } from "../build-options/differential.ts";
import { runCli } from "../helpers/cli.ts";
import { readFixtureFiles } from "../helpers/example-service.ts";
import { install } from "../helpers/fixture-repo.ts";
import { DEFAULT_COMMIT_TIME, gitRepo, type GitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(180_000);

const KINDS_DIR = join(import.meta.dir, "..", "..", "fixtures", "kinds");
/** the environment `bunseal build` gives its worker, so the `bun build` it is compared with sees the same */
const FIXED_ENV = { PATH: "/usr/local/bin:/usr/bin:/bin", TZ: "UTC", LC_ALL: "C", LANG: "C" };
/** where the `bun build` CLI writes, inside the project as a user's dist/ is (sourcemap debugIds hash the output's place) */
const CLI_OUT = "cli-out";

interface Kind {
  name: string;
  /** what the build may see from the config's `env` list, given to build, rebuild and check alike */
  env?: Record<string, string>;
  /** the `bun build` arguments equivalent to the kind's bunseal.json (without --outdir) */
  cli?: string[];
  /** where the CLI has no flag (plugins): a script calling Bun.build with `outdir: process.env.OUTDIR` */
  script?: string;
  /**
   * `bunseal check --vary` when not every variation may run: the variations
   * this kind is held to, with the reason the others are left out
   */
  checkVary?: { variations: string[]; why: string };
  /** shows the kind's options took effect in bunseal's output, so an ignored option fails here */
  proof: (built: Built) => void;
}

const text = (built: Built, path: string) => {
  const data = built.files.get(path);
  if (!data) throw new Error(`no output ${path}; outputs: ${[...built.files.keys()].join(", ")}`);
  return new TextDecoder().decode(data);
};
const named = (built: Built, pattern: RegExp) => [...built.files.keys()].filter((p) => pattern.test(p));

const KINDS: Kind[] = [
  {
    name: "html-app",
    env: { BUN_PUBLIC_API_URL: "https://api.kinds.example" },
    // the config's chunk names are Bun.build's default, which the CLI must be told
    cli: ["./src/index.html", "--target=browser", "--minify", "--env=BUN_PUBLIC_*", "--chunk-naming=chunk-[hash].[ext]"],
    proof: (b) => {
      expect(b.files.has("index.html")).toBe(true);
      const [script] = named(b, /^chunk-[a-z0-9]+\.js$/);
      expect(text(b, script!)).toContain("https://api.kinds.example");
      expect(named(b, /^chunk-[a-z0-9]+\.css$/)).toHaveLength(1);
      expect(named(b, /^logo-[a-z0-9]+\.png$/)).toHaveLength(1);
    },
  },
  {
    name: "compiled",
    // the CLI refuses --compile with --outdir; the outfile keeps the name Bun.build gives
    cli: ["./src/tool.ts", "--target=bun", "--minify", "--compile", `--outfile=${CLI_OUT}/tool`],
    proof: (b) => {
      expect([...b.files.keys()]).toEqual(["tool"]);
      expect(b.modes.get("tool")).toBe(0o755);
      expect(b.files.get("tool")!.byteLength).toBeGreaterThan(1_000_000);
    },
  },
  {
    name: "library",
    cli: ["./src/index.ts", "--target=node", "--format=esm", "--sourcemap=external", "--packages=external"],
    proof: (b) => {
      expect(text(b, "index.js")).toContain(`from "ms"`);
      expect(b.files.has("index.js.map")).toBe(true);
    },
  },
  {
    name: "plugin",
    // bunseal gives Bun.build the CLI's chunk and asset names (src/build/bun-options.ts), so the script does too
    script: `const { default: plugin } = await import(process.cwd() + "/plugin.ts"); const r = await Bun.build({ entrypoints: ["./src/index.ts"], target: "bun", outdir: process.env.OUTDIR, naming: { chunk: "[name]-[hash].[ext]", asset: "[name]-[hash].[ext]" }, plugins: [plugin] }); if (!r.success) { console.error(r.logs); process.exit(1); }`,
    proof: (b) => expect(text(b, "index.js")).toContain("[txt] Message of the day: builds you can check."),
  },
];

let keys: TestDir;
const key = () => join(keys.path, "bunseal.key");
const pub = () => join(keys.path, "bunseal.pub");

beforeAll(async () => {
  keys = await makeTempDir("bunseal-kinds-keys-");
  const made = await runCli(["keygen", "--out", keys.path]);
  if (made.exitCode !== 0) throw new Error(`keygen failed: ${made.stderr}`);
});
afterAll(() => keys?.cleanup());

async function kindRepo(name: string): Promise<GitRepo> {
  const repo = await gitRepo(await readFixtureFiles(join(KINDS_DIR, name)), { message: name });
  try {
    if (existsSync(join(repo.path, "bun.lock"))) await install(repo.path);
    return repo;
  } catch (error) {
    await repo.cleanup();
    throw error;
  }
}

/** `bun build` (or the kind's Bun.build script) in the project, as a user would run it. */
async function bunBuild(kind: Kind, dir: string): Promise<Built> {
  const out = join(dir, CLI_OUT);
  await rm(out, { recursive: true, force: true });
  const cli = kind.cli ?? [];
  const cmd = kind.script !== undefined ? [process.execPath, "-e", kind.script] : [process.execPath, "build", ...cli, ...(cli.some((f) => f.startsWith("--outfile")) ? [] : ["--outdir", out])];
  const proc = Bun.spawn(cmd, { cwd: dir, env: { ...FIXED_ENV, SOURCE_DATE_EPOCH: String(DEFAULT_COMMIT_TIME), OUTDIR: out, ...kind.env }, stdout: "pipe", stderr: "pipe" });
  const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`${cmd.join(" ")} exited ${code}:\n${stderr}`);
  const built: Built = { files: new Map(), modes: new Map() };
  for (const path of walk(out)) {
    const full = join(out, path);
    built.files.set(path, await Bun.file(full).bytes());
    built.modes.set(path, statSync(full).mode & 0o777);
  }
  // the project is checked after this, and a stray output folder would be a work-tree change
  await rm(out, { recursive: true, force: true });
  return built;
}

function walk(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(root, join(dir, e.name)) : [relative(root, join(dir, e.name))]))
    .sort();
}

for (const kind of KINDS) {
  describe(`kind: ${kind.name}`, () => {
    let repo: GitRepo;
    let built: { artifact: { path: string; digest: string }; bundle: { path: string } };
    beforeAll(async () => {
      repo = await kindRepo(kind.name);
    });
    afterAll(() => repo?.cleanup());

    test("bunseal build --key exits 0, and bunseal verify verifies the artifact against the commit", async () => {
      const out = await runCli(["build", repo.path, "--key", key(), "--json"], { env: kind.env ?? {} });
      expect(out.stderr).toBe("");
      expect(out.exitCode).toBe(0);
      built = out.json();
      const verified = await runCli(["verify", built.artifact.path, "--key", pub(), "--commit", repo.commit, "--service", kind.name, "--json"]);
      expect(verified.exitCode).toBe(0);
      expect(verified.json().verified).toBe(true);
    });

    test("the artifact's files are the bytes and modes bun build makes", async () => {
      const entries = await listTar(built.artifact.path);
      const bunseal: Built = { files: await readTarFiles(built.artifact.path), modes: new Map(entries.map((e) => [e.path, e.mode])) };
      kind.proof(bunseal);
      const cli = await bunBuild(kind, repo.path);
      expect(comparable(bunseal)).toEqual(comparable(cli));
      expect(Object.fromEntries(bunseal.modes)).toEqual(Object.fromEntries(cli.modes));
    });

    test("bunseal rebuild reproduces it from a fresh clone", async () => {
      const out = await runCli(["rebuild", built.bundle.path, "--key", pub(), "--json"], { env: kind.env ?? {} });
      const report = out.json();
      expect(report.differences).toEqual([]);
      expect(report.reproducible).toBe(true);
      expect(report.artifact.rebuilt).toBe(built.artifact.digest);
      expect(out.exitCode).toBe(0);
    });

    test(`bunseal check raises no false alarm${kind.checkVary ? ` (${kind.checkVary.why.split(":")[0]})` : ""}`, async () => {
      const vary = kind.checkVary ? ["--vary", kind.checkVary.variations.join(",")] : [];
      const out = await runCli(["check", repo.path, "--json", ...vary], { env: kind.env ?? {} });
      const report = out.json();
      expect(report.culprits).toEqual([]);
      expect(report.causes).toEqual([]);
      expect(report.reproducible).toBe(true);
      expect(out.exitCode).toBe(0);
    });
  });
}
