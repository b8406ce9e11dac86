/**
 * Issue #21: sources of nondeterminism the diagnosis had not seen, each built
 * once and rebuilt through the CLI with the default --max-experiments. The
 * right cause must be confirmed by an experiment that varied it, and no other
 * cause confirmed: a wrong ✓ is worse than none.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { defaultContext } from "../../src/context.ts";
import { buildArtifact } from "../../src/pipeline/build.ts";
import { loadPrivateKey } from "../../src/sign/keys.ts";
import { keySigner } from "../../src/sign/signer.ts";
import { runCli } from "../helpers/cli.ts";
import { gitCommitAll, gitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(300_000);

const root = process.getuid?.() === 0;

let keys: TestDir;
beforeAll(async () => {
  keys = await makeTempDir("bunseal-diagnosis-keys-");
  expect((await runCli(["keygen", "--out", keys.path])).exitCode).toBe(0);
});
afterAll(() => keys?.cleanup());

/** A project whose index.ts inlines what `probe` (a macro, given as its body) returns. */
function project(name: string, probe: string, extra: Record<string, string> = {}) {
  return gitRepo(
    {
      "package.json": JSON.stringify({ name, version: "1.0.0", private: true, type: "module" }),
      "bunseal.json": JSON.stringify({ service: name, entrypoints: ["src/index.ts"], build: { target: "bun" } }),
      ".gitignore": "node_modules/\n.bunseal/\n",
      "src/index.ts": 'import { probe } from "./probe.ts" with { type: "macro" };\nexport const PROBED = probe();\nconsole.log(PROBED);\n',
      "src/probe.ts": probe,
      ...extra,
    },
    { message: name },
  );
}

async function original(dir: string, variation?: { env?: Record<string, string>; wrapper?: string[] }) {
  const signer = keySigner(await loadPrivateKey(join(keys.path, "bunseal.key")));
  const built = await buildArtifact({ projectDir: dir, signer, variation }, defaultContext());
  return built.bundle!.path;
}

/** The in-toto statement inside a bundle written by bunseal. */
function statementOf(bundle: string) {
  const envelope = JSON.parse(readFileSync(bundle, "utf8")).dsseEnvelope;
  return JSON.parse(Buffer.from(envelope.payload, "base64").toString("utf8"));
}

type Cause = { kind: string; file: string | null; confirmed: boolean; experiment?: string; evidence: string };
type Report = { causes: Cause[]; experiments: { name: string; ran: string; showed: string; builds?: number }[]; notes: string[] };

async function rebuild(bundle: string): Promise<{ exitCode: number; report: Report }> {
  const out = await runCli(["rebuild", bundle, "--key", join(keys.path, "bunseal.pub"), "--json"]);
  if (out.exitCode > 1) throw new Error(out.stderr);
  return { exitCode: out.exitCode, report: out.json() };
}

const confirmedKinds = (report: Report) => [...new Set(report.causes.filter((c) => c.confirmed).map((c) => c.kind))].sort();
const show = (report: Report) => `causes: ${JSON.stringify(report.causes, null, 2)}\nexperiments: ${JSON.stringify(report.experiments, null, 2)}`;

const HOST_RANDOM = 'import { hostname } from "node:os";\nexport function probe(): string {\n  return `${hostname()}-${Math.random()}`;\n}\n';

describe("every source named and confirmed right, nothing else confirmed", () => {
  test("mtime: a macro embedding a file's mtimeMs, rebuilt from a fresh clone: mtime, not file-order", async () => {
    await using repo = await project("mtime", 'import { statSync } from "node:fs";\nexport function probe(): string {\n  return String(statSync("src/data.txt").mtimeMs);\n}\n', { "src/data.txt": "data\n" });
    const bundle = await original(repo.path);
    const { exitCode, report } = await rebuild(bundle);
    expect(exitCode).toBe(1);
    expect(confirmedKinds(report), show(report)).toEqual(["mtime"]);
    const cause = report.causes.find((c) => c.kind === "mtime" && c.confirmed)!;
    // the file whose mtime was read, where the record has its stat (role "stat"), else none: never the output file
    const stats = statementOf(bundle).predicate.buildDefinition.resolvedDependencies.filter((d: { annotations?: { role?: string } }) => d.annotations?.role === "stat").map((d: { name: string }) => d.name);
    expect(cause.file).toBe(stats.includes("src/data.txt") ? "src/data.txt" : null);
    expect(cause.experiment).toContain("index.js");
    expect(cause.experiment).toContain("modification time");
  });

  test("readdir of 50 files, unsorted: file-order within the default budget", async () => {
    const items = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`src/items/item-${String(i).padStart(2, "0")}-${(i * 7919).toString(36)}.txt`, `${i}\n`]));
    await using repo = await project("readdir", 'import { readdirSync } from "node:fs";\nexport function probe(): string {\n  return readdirSync("src/items").join(",");\n}\n', items);
    const { exitCode, report } = await rebuild(await original(repo.path));
    // the original is built on the system's temporary folder, the rebuild's checkout where bunseal keeps its scratch: where both list alike there is nothing to explain
    if (exitCode === 0) return;
    expect(confirmedKinds(report), show(report)).toEqual(["file-order"]);
  });

  test("performance.now() and hrtime: the monotonic clock, named as such, never random", async () => {
    await using repo = await project("monotonic", "export function probe(): string {\n  return `${performance.now()}|${process.hrtime.bigint()}`;\n}\n");
    const { exitCode, report } = await rebuild(await original(repo.path));
    expect(exitCode).toBe(1);
    expect(confirmedKinds(report), show(report)).toEqual(["monotonic-clock"]);
    expect(report.experiments.find((e) => e.name === "frozen-monotonic")?.builds).toBe(2);
  });

  test("performance.now() after a timer: with the monotonic clock stopped the timer never fires; the cause says the clock was not stopped, unconfirmed", async () => {
    await using repo = await project("monotonic-timer", "export async function probe(): Promise<string> {\n  await new Promise((resolve) => setTimeout(resolve, 5));\n  return String(performance.now());\n}\n");
    const { exitCode, report } = await rebuild(await original(repo.path));
    expect(exitCode).toBe(1);
    expect(confirmedKinds(report), show(report)).toEqual([]);
    const likely = report.causes.find((c) => c.kind === "random" && c.file === "index.js")!;
    expect(likely.confirmed).toBe(false);
    expect(likely.evidence).toContain("differs with the wall clock stopped; the monotonic clock (performance.now, hrtime) was not stopped");
    const stopped = report.experiments.find((e) => e.name === "frozen-monotonic")!;
    expect(stopped.showed).toContain("TIMED_OUT");
    expect(stopped.builds).toBe(1);
  });

  test("host name and Math.random() in one string, in the sandbox (which names every host alike): random, and no host name", async () => {
    await using repo = await project("host-random", HOST_RANDOM);
    const { exitCode, report } = await rebuild(await original(repo.path));
    expect(exitCode).toBe(1);
    expect(confirmedKinds(report), show(report)).toEqual(["random"]);
    expect(report.experiments.some((e) => e.ran.includes("host name"))).toBe(false);
  });

  test("host name and Math.random() in one string, without the sandbox: random, and the host name where it can be varied (root)", async () => {
    await using repo = await project("host-random", HOST_RANDOM);
    const signer = keySigner(await loadPrivateKey(join(keys.path, "bunseal.key")));
    const bundle = (await buildArtifact({ projectDir: repo.path, signer, sandbox: false }, defaultContext())).bundle!.path;
    const out = await runCli(["rebuild", bundle, "--key", join(keys.path, "bunseal.pub"), "--no-sandbox", "--allow-unsandboxed", "--json"]);
    expect(out.exitCode, out.stderr).toBe(1);
    const report: Report = out.json();
    if (root) expect(confirmedKinds(report), show(report)).toEqual(["hostname", "random"]);
    else {
      // no UTS namespace without root: the host name is never varied, so never named (nor anything in its place)
      expect(confirmedKinds(report), show(report)).toEqual(["random"]);
      expect(report.experiments.some((e) => e.ran.includes("host name"))).toBe(false);
    }
  });

  test("every build is counted: the frozen-clock pair is two builds, and the builds add up to at most the budget", async () => {
    await using repo = await project("random", "export function probe(): string {\n  return String(Math.random());\n}\n");
    const { report } = await rebuild(await original(repo.path));
    expect(report.experiments.find((e) => e.name === "frozen-clock")?.builds).toBe(2);
    expect(report.experiments.every((e) => typeof e.builds === "number")).toBe(true);
    expect(confirmedKinds(report), show(report)).toEqual(["random"]);
  });

  test("a build that fails under the rebuild's time zone: the report says so with the error, and names the zone that makes it build", async () => {
    await using repo = await project("fails-in-utc", 'export function probe(): string {\n  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;\n  if (zone === "UTC") throw new Error(`refusing to build in ${zone}`);\n  return "built";\n}\n');
    const { exitCode, report } = await rebuild(await original(repo.path, { env: { TZ: "Asia/Kolkata" } }));
    expect(exitCode).toBe(1);
    const full = report as Report & { buildError?: string; artifact: { rebuilt: string | null } };
    expect(full.artifact.rebuilt).toBeNull();
    expect(full.buildError).toContain("BUILD_FAILED");
    expect(full.buildError).toContain("refusing to build in UTC");
    expect(confirmedKinds(report), show(report)).toEqual(["timezone"]);
    const cause = report.causes.find((c) => c.confirmed)!;
    expect(cause.experiment).toContain("refusing to build in UTC");
    expect(cause.experiment).toContain("TZ=Pacific/Chatham");
  });

  test("a build that fails after a date: the clock set back to the original's recorded start makes it build", async () => {
    await using repo = await project("fails-after", 'export function probe(): string {\n  if (new Date().getUTCFullYear() > 2021) throw new Error("this release has expired");\n  return "built";\n}\n');
    // built in June 2021, as its statement says: bunseal's own clock and the build's both read then
    const signer = keySigner(await loadPrivateKey(join(keys.path, "bunseal.key")));
    const then = new Date("2021-06-01T12:00:00Z");
    const built = await buildArtifact({ projectDir: repo.path, signer, variation: { wrapper: [Bun.which("faketime")!, "-f", "@2021-06-01 12:00:00"], env: { FAKETIME_DONT_FAKE_MONOTONIC: "1" } } }, defaultContext({ now: () => new Date(then) }));
    const { exitCode, report } = await rebuild(built.bundle!.path);
    expect(exitCode).toBe(1);
    expect(confirmedKinds(report), show(report)).toEqual(["timestamp"]);
    const cause = report.causes.find((c) => c.confirmed)!;
    expect(cause.experiment).toContain("this release has expired");
    expect(cause.experiment).toContain("recorded start");
  });

  test("a factor under which an experiment's build fails is isolated and reported with the build's error", async () => {
    await using repo = await project("fails-in-chatham", 'export function probe(): string {\n  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;\n  if (zone === "Pacific/Chatham") throw new Error(`no builds in ${zone}`);\n  return String(Math.random());\n}\n');
    const { exitCode, report } = await rebuild(await original(repo.path));
    expect(exitCode).toBe(1);
    expect(confirmedKinds(report), show(report)).toEqual(["random"]);
    const note = report.notes.find((n) => n.includes("no builds in Pacific/Chatham"));
    expect(note, show(report)).toContain("TZ=Pacific/Chatham");
    // every factor build that failed held the zone, and no other factor is said to break the build
    const factorBuilds = report.experiments.filter((e) => !/^(repeat|frozen-)/.test(e.name));
    expect(factorBuilds.filter((e) => e.showed.startsWith("the build failed")).every((e) => e.name.includes("timezone")), show(report)).toBe(true);
    expect(report.notes.filter((n) => n.startsWith("an experiment found the build breaking"))).toHaveLength(1);
  });

  test("a postinstall that writes the time: dependency-drift on the file it wrote, naming the package's install script", async () => {
    // the package as a tarball in the repository, so that its install writes into node_modules and not into the checkout
    await using pack = await makeTempDir("bunseal-stamp-pack-");
    const script = "node -e \"require('fs').writeFileSync('built-at.js', 'module.exports = ' + Date.now() + ';')\"";
    await Bun.write(join(pack.path, "package", "package.json"), JSON.stringify({ name: "stamp", version: "1.0.0", main: "stamp.js", scripts: { postinstall: script } }));
    await Bun.write(join(pack.path, "package", "stamp.js"), "module.exports = require('./built-at.js');\n");
    expect(Bun.spawnSync(["tar", "czf", join(pack.path, "stamp-1.0.0.tgz"), "-C", pack.path, "package"]).exitCode).toBe(0);
    await using repo = await gitRepo({
      "package.json": JSON.stringify({ name: "postinstall", version: "1.0.0", private: true, type: "module", dependencies: { stamp: "./vendor/stamp-1.0.0.tgz" }, trustedDependencies: ["stamp"] }),
      "bunseal.json": JSON.stringify({ service: "postinstall", entrypoints: ["src/index.ts"], build: { target: "bun" } }),
      ".gitignore": "node_modules/\n.bunseal/\n",
      "vendor/stamp-1.0.0.tgz": new Uint8Array(readFileSync(join(pack.path, "stamp-1.0.0.tgz"))),
      "src/index.ts": 'import stamp from "stamp";\nconsole.log(stamp);\n',
    });
    const installed = Bun.spawnSync([process.execPath, "install", "--no-progress"], { cwd: repo.path, stderr: "pipe" });
    expect(installed.exitCode, installed.stderr.toString()).toBe(0);
    await gitCommitAll(repo.path, "lockfile");
    const { exitCode, report } = await rebuild(await original(repo.path));
    expect(exitCode).toBe(1);
    const drift = report.causes.find((c) => c.kind === "dependency-drift" && c.file === "node_modules/stamp/built-at.js");
    expect(drift, show(report)).toBeDefined();
    expect(drift!.confirmed).toBe(true);
    expect(drift!.evidence).toContain(`stamp@`);
    expect(drift!.evidence).toContain(`has install scripts, which the record says ran: postinstall: ${JSON.stringify(script)}`);
  });
});
