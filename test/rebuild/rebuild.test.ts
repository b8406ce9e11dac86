/**
 * bunseal rebuild end to end: a real build from a git repository, then a
 * rebuild in a fresh clone; controls must reproduce, every planted source of
 * nondeterminism must be named.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseBundle } from "../../src/verify/read-bundle.ts";
import { runCli } from "../helpers/cli.ts";
import { exampleServiceRepo, readFixtureFiles } from "../helpers/example-service.ts";
import { PLANTED_DIR, plantedRepo } from "../helpers/fixture-repo.ts";
import { git, gitCommitAll } from "../helpers/git.ts";
import { makeTempDir, writeTree, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(60_000);

let keys: TestDir;
const key = () => join(keys.path, "builder", "bunseal.key");
const pub = () => join(keys.path, "builder", "bunseal.pub");
const rebuilderKey = () => join(keys.path, "rebuilder", "bunseal.key");

beforeAll(async () => {
  keys = await makeTempDir("bunseal-rebuild-keys-");
  await runCli(["keygen", "--out", join(keys.path, "builder")]);
  await runCli(["keygen", "--out", join(keys.path, "rebuilder")]);
});
afterAll(() => keys?.cleanup());

async function build(dir: string, env: Record<string, string> = {}, extra: string[] = []) {
  const out = await runCli(["build", dir, "--key", key(), "--json", ...extra], { env });
  if (out.exitCode !== 0) throw new Error(`build failed: ${out.stderr}`);
  return out.json() as { artifact: { path: string; digest: string }; bundle: { path: string } };
}

async function rebuild(bundle: string, args: string[] = [], env: Record<string, string> = {}) {
  const out = await runCli(["rebuild", bundle, "--key", pub(), "--json", ...args], { env });
  return { exitCode: out.exitCode, stderr: out.stderr, report: out.exitCode <= 1 ? out.json() : undefined, json: () => out.json() };
}

const kinds = (report: { causes: { kind: string }[] }) => [...new Set(report.causes.map((c) => c.kind))];

describe("rebuild reproduces what is deterministic", () => {
  test("the control reproduces, three times over, and a private --key signs a rebuild attestation", async () => {
    await using repo = await plantedRepo("control");
    const built = await build(repo.path);
    for (let i = 0; i < 3; i++) {
      const result = await rebuild(built.bundle.path, i === 0 ? ["--key", rebuilderKey()] : []);
      expect(result.stderr).not.toContain("NOT REPRODUCIBLE");
      expect(result.exitCode).toBe(0);
      expect(result.report.reproducible).toBe(true);
      expect(result.report.causes).toEqual([]);
      expect(result.report.artifact.rebuilt).toBe(built.artifact.digest);
    }
    const attestationPath = built.bundle.path.replace(/\.sigstore\.json$/, ".rebuild.sigstore.json");
    const { bundle } = await parseBundle(await Bun.file(attestationPath).bytes(), attestationPath);
    if (bundle.content.$case !== "dsseEnvelope") throw new Error("expected a DSSE bundle");
    const statement = JSON.parse(new TextDecoder().decode(bundle.content.dsseEnvelope.payload));
    expect(statement.predicateType).toBe("https://bunseal.dev/attestations/rebuild/v1");
    expect(statement.subject[0].digest.sha256).toBe(built.artifact.digest.slice(7));
    expect(statement.predicate.verdict).toBe("reproduced");
  });

  test("the example service, with npm dependencies, reproduces from a fresh clone and install", async () => {
    await using repo = await exampleServiceRepo();
    const built = await build(repo.path);
    const result = await rebuild(built.bundle.path);
    expect(result.exitCode).toBe(0);
    expect(result.report.install.lockfileMatches).toBe(true);
    expect(result.report.install.scripts).toBe("none");
  });

  test("refuses to rebuild from a bundle that does not verify", async () => {
    await using repo = await plantedRepo("control");
    const built = await build(repo.path);
    const tampered = JSON.parse(await Bun.file(built.bundle.path).text());
    const payload = Buffer.from(tampered.dsseEnvelope.payload, "base64");
    payload[payload.length - 5]! ^= 1;
    tampered.dsseEnvelope.payload = payload.toString("base64");
    await Bun.write(built.bundle.path, JSON.stringify(tampered));
    const result = await runCli(["rebuild", built.bundle.path, "--key", pub(), "--json"]);
    expect(result.exitCode).toBe(1);
    expect(result.json().error.code).toBe("VERIFY_FAILED");
  });

  test("refuses a statement recorded as dirty unless --allow-dirty", async () => {
    await using repo = await plantedRepo("control");
    await writeFile(join(repo.path, "src", "shared.ts"), "export function shared(n: number): number {\n  return n * 8;\n}\n");
    const built = await build(repo.path, {}, ["--allow-dirty"]);
    const refused = await runCli(["rebuild", built.bundle.path, "--key", pub(), "--json"]);
    expect(refused.exitCode).toBe(1);
    expect(refused.json().error.code).toBe("VERIFY_FAILED");
    expect(refused.stderr).toContain("uncommitted");
    const allowed = await rebuild(built.bundle.path, ["--allow-dirty"]);
    expect(allowed.exitCode).toBe(1);
    expect(kinds(allowed.report)).toContain("input-drift");
    expect(allowed.report.causes.find((c: { kind: string }) => c.kind === "input-drift").file).toBe("src/shared.ts");
  });
});

describe("rebuild names each planted source of nondeterminism", () => {
  async function expectCause(bundle: string, kind: string, args: string[] = [], env: Record<string, string> = {}) {
    const result = await rebuild(bundle, args, env);
    expect(result.exitCode).toBe(1);
    expect(result.report.reproducible).toBe(false);
    expect(kinds(result.report)).toContain(kind);
    const cause = result.report.causes.find((c: { kind: string }) => c.kind === kind);
    expect(cause.evidence.length).toBeGreaterThan(10);
    // named because an experiment showed it, and the experiment is said
    expect(cause.confirmed).toBe(true);
    expect(cause.experiment.length).toBeGreaterThan(10);
    expect(result.report.experiments.reduce((n: number, e: { builds?: number }) => n + (e.builds ?? 1), 0)).toBeLessThanOrEqual(12);
    return result.report;
  }

  test("timestamp: a macro that returns the time", async () => {
    await using repo = await plantedRepo("timestamp");
    const built = await build(repo.path);
    const report = await expectCause(built.bundle.path, "timestamp");
    const diff = report.differences.find((d: { path: string }) => d.path === "index.js");
    expect(diff.kind).toBe("changed");
    expect(diff.diff).toContain("@@");
  });

  test("build-path: a macro that returns the working directory", async () => {
    await using repo = await plantedRepo("build-path");
    const built = await build(repo.path);
    const report = await expectCause(built.bundle.path, "build-path");
    expect(JSON.stringify(report.causes)).toContain(repo.path);
  });

  test("random: a macro that returns Math.random()", async () => {
    await using repo = await plantedRepo("random");
    await expectCause((await build(repo.path)).bundle.path, "random");
  });

  test("env-var: an allowed variable whose value changed", async () => {
    await using repo = await plantedRepo("env-var");
    const built = await build(repo.path, { PUBLIC_BUILD_LABEL: "ci-run-1717" });
    const report = await expectCause(built.bundle.path, "env-var", [], { PUBLIC_BUILD_LABEL: "ci-run-1718" });
    expect(JSON.stringify(report.causes)).toContain("PUBLIC_BUILD_LABEL");
  });

  // the sandbox has its own UTS namespace with a fixed name (issue #18): the machine's name is not the build's
  test("hostname: built on a machine with another name, rebuilt here, the same artifact", async () => {
    await using repo = await plantedRepo("hostname");
    const proc = Bun.spawn(["unshare", "--uts", "--", "sh", "-c", 'hostname original-build-host && exec "$@"', "sh", process.execPath, join(import.meta.dir, "..", "..", "bin", "bunseal"), "build", repo.path, "--key", key(), "--json"], { stdout: "pipe", stderr: "pipe" });
    const [stdout, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    expect(code).toBe(0);
    const result = await rebuild(JSON.parse(stdout).bundle.path);
    expect(result.exitCode).toBe(0);
    expect(result.report.reproducible).toBe(true);
  });

  test("file-order: a directory listing that follows the file system", async () => {
    // The original is built on tmpfs, with the plugins created so that they list in the reverse of
    // the order ext4 gives the rebuild's clone in the temporary folder.
    const files = await readFixtureFiles(join(PLANTED_DIR, "file-order"));
    const probe = await mkdtemp(join(process.env.TMPDIR ?? "/tmp", "bunseal-order-"));
    const plugins = Object.keys(files).filter((p) => p.startsWith("src/plugins/")).map((p) => p.slice("src/plugins/".length));
    for (const name of plugins) await writeFile(join(probe, name), "");
    const ext4Order = readdirSync(probe);
    await rm(probe, { recursive: true, force: true });
    const root = await mkdtemp("/dev/shm/bunseal-order-");
    try {
      await writeTree(root, Object.fromEntries(Object.entries(files).filter(([p]) => !p.startsWith("src/plugins/"))));
      await mkdir(join(root, "src", "plugins"), { recursive: true });
      for (const name of ext4Order) await writeFile(join(root, "src", "plugins", name), files[`src/plugins/${name}`]!);
      await git(root, ["init", "-q", "-b", "main"]);
      await gitCommitAll(root, "file-order");
      expect(readdirSync(join(root, "src", "plugins"))).not.toEqual(ext4Order);
      const built = await build(root);
      await expectCause(built.bundle.path, "file-order");
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  test("dependency-drift: the original ran with an edited node_modules", async () => {
    await using repo = await plantedRepo("dependency-drift");
    const msFile = join(repo.path, "node_modules", "ms", "index.js");
    const edited = (await Bun.file(msFile).text()).replace("var s = 1000;", "var s = 1001;");
    expect(edited).toContain("var s = 1001;");
    // Bun installs by hard-linking its global cache: writing in place would edit the cache
    // (and every later install). A new file renamed over the link leaves the cache alone.
    await writeFile(`${msFile}.new`, edited);
    await rename(`${msFile}.new`, msFile);
    const built = await build(repo.path);
    const report = await expectCause(built.bundle.path, "dependency-drift");
    expect(JSON.stringify(report.causes)).toContain("node_modules/ms/index.js");
  });

  test("dependency-drift: the original's bun.lock is not the commit's (a lockfile drift)", async () => {
    await using repo = await plantedRepo("dependency-drift");
    // an uncommitted `bun add ms@2.0.0`: the build records the dirty tree and the drifted lockfile
    const proc = Bun.spawn([process.execPath, "add", "ms@2.0.0", "--no-progress"], { cwd: repo.path, stdout: "ignore", stderr: "pipe" });
    expect(await proc.exited).toBe(0);
    const built = await build(repo.path, {}, ["--allow-dirty"]);
    const report = await expectCause(built.bundle.path, "dependency-drift", ["--allow-dirty"]);
    expect(report.install.lockfileMatches).toBe(false);
    expect(JSON.stringify(report.causes)).toContain("bun.lock");
  });

  test("a --diffoscope report is written in diffoscope's JSON format", async () => {
    await using repo = await plantedRepo("random");
    const built = await build(repo.path);
    const path = join(keys.path, "diffoscope.json");
    const result = await rebuild(built.bundle.path, ["--diffoscope", path]);
    expect(result.exitCode).toBe(1);
    const report = await Bun.file(path).json();
    expect(report["diffoscope-json-version"]).toBe(1);
    expect(JSON.stringify(report.details)).toContain("index.js");
    expect(existsSync(path)).toBe(true);
  });
});
