/**
 * The worker's word is not evidence (issue #18, Why 5 and 7): macros run
 * inside the build worker, so they can write to its IPC channel and start
 * processes of their own. Each test is one such attack, through a real build;
 * the record must still say what bunseal measured from outside the sandbox.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { listTar } from "../../src/artifact/tar-read.ts";
import { packTar } from "../../src/artifact/tar-pack.ts";
import { defaultContext } from "../../src/context.ts";
import { buildArtifact } from "../../src/pipeline/build.ts";
import { runCli } from "../helpers/cli.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";
import { boundarySetup, hostileRepo, leftIn, outDir, outputsOf, statementOf } from "./hostile-repo.ts";

// a build under strace on a busy two-core machine takes seconds; the budget test waits out its budget
setDefaultTimeout(30_000);

const { key, pub, scratch } = boundarySetup("bunseal-forged-");


const PRINT_PROBE = `import { probe } from "./macro.ts" with { type: "macro" };\nconsole.log(probe());\n`;
const sha256 = (data: string | Uint8Array) => new Bun.CryptoHasher("sha256").update(data).digest("hex");

/** Every sha256 the statement names as a subject, by name. */
const subjectsOf = (statement: any): Record<string, string> => Object.fromEntries(statement.subject.map((s: any) => [s.name, s.digest.sha256]));

/**
 * A macro's way onto the worker's IPC channel: macros run in a context of their own without
 * process.send, but in the worker's process, whose IPC socket is an open descriptor; Bun's
 * "json" serialization is one JSON document per line.
 */
const SEND = `import { readdirSync, readlinkSync, writeSync } from "node:fs";\nconst send = (message: unknown) => {\n  const fd = readdirSync("/proc/self/fd").map(Number).find((f) => { try { return f > 2 && readlinkSync("/proc/self/fd/" + f).startsWith("socket:"); } catch { return false; } });\n  writeSync(fd!, JSON.stringify(message) + "\\n");\n};\n`;

/** A macro that finds the tar the worker writes (the one file bind-mounted writable) in /proc/self/mountinfo. */
const FIND_TAR = `const tarPath = () => readFileSync("/proc/self/mountinfo", "utf8").split("\\n").map((line) => line.split(" ")[4]).find((p) => p !== undefined && p.endsWith(".tar.tmp"));\n`;

describe("forged messages on the worker's channel", () => {
  test("rejects per-file digests a macro sent over the worker's IPC channel: nothing is signed for an unrelated tar to verify against", async () => {
    const evil = await packTar([{ path: "index.js", data: new TextEncoder().encode("steal();\n") }], { mtime: 0 });
    // the message the worker used to send with each file's digest, sent first so it would answer
    // bunseal's wait before the worker's own did; bunseal takes digests from no message now
    const forged = { kind: "packed", package: { files: [{ path: "index.js", sha256: sha256(evil), size: 9, executable: false, offset: 512 }], tarSize: evil.byteLength } };
    await using repo = await hostileRepo({
      "src/macro.ts": `${SEND}export function probe(): string {\n  send(${JSON.stringify(forged)});\n  return "benign";\n}\n`,
      "src/index.ts": PRINT_PROBE,
    });
    const built = await runCli(["build", ".", "--key", key(), "--json"], { cwd: repo.path });
    expect(built.exitCode).toBe(1);
    expect(built.json().error.code).toBe("BUILD_FAILED");
    expect(built.stderr).toContain(`the build worker sent a message that is not bunseal's (a message of kind "packed")`);
    expect(leftIn(outDir(repo))).toEqual([]);
  });

  test("rejects a finished message a macro sends before the bundle is done (naming a tar digest of its own): nothing is signed", async () => {
    await using repo = await hostileRepo({
      // the worker's own "finished" comes later and is ignored: the first of a kind is the one taken
      "src/macro.ts": `${SEND}export function probe(): string {\n  send({ kind: "finished", tarSha256: "${"ab".repeat(32)}", metafileSha256: "${"cd".repeat(32)}" });\n  return "benign";\n}\n`,
      "src/index.ts": PRINT_PROBE,
    });
    const built = await runCli(["build", ".", "--key", key(), "--json"], { cwd: repo.path });
    // whichever way the worker's lie is caught, it is never signed
    expect(built.exitCode).toBe(1);
    expect(built.json().error.code).toBe("BUILD_FAILED");
    expect(built.stderr).toContain("the build worker");
    expect(leftIn(outDir(repo))).toEqual([]);
  });
});

describe("a forged built message", () => {
  const FORGED_BUILT = `send({ kind: "built", durationMs: 5, metafile: { inputs: ["src/index.ts", "src/macro.ts"], relativeExternals: [] }, logs: [] });`;

  test("does not clear budgets.maxBuildMs: a 4 s macro under a 1.5 s budget is stopped and nothing is signed", async () => {
    await using repo = await hostileRepo(
      {
        "src/macro.ts": `${SEND}export async function probe(): Promise<string> {\n  ${FORGED_BUILT}\n  await Bun.sleep(4000);\n  return "slow";\n}\n`,
        "src/index.ts": PRINT_PROBE,
      },
      { config: { budgets: { maxBuildMs: 1500 } } },
    );
    const built = await runCli(["build", ".", "--key", key(), "--json"], { cwd: repo.path });
    expect(built.exitCode).toBe(1);
    expect(built.json().error.code).toBe("BUDGET_EXCEEDED");
    expect(built.stderr).toContain("budgets.maxBuildMs");
    expect(leftIn(outDir(repo))).toEqual([]);
  });

  test("the recorded build duration is bunseal's own clock, not the duration the worker claimed", async () => {
    await using repo = await hostileRepo({
      "src/macro.ts": `${SEND}export async function probe(): Promise<string> {\n  ${FORGED_BUILT}\n  await Bun.sleep(1000);\n  return "slow";\n}\n`,
      "src/index.ts": PRINT_PROBE,
    });
    const built = await buildArtifact({ projectDir: repo.path, tracer: "untraced" }, defaultContext());
    // whatever the worker said, the subjects are the digests of the tar that was written
    const tar = await Bun.file(built.artifact.path).bytes();
    const outputs = await listTar(built.artifact.path);
    expect(subjectsOf(built.statementValue)).toEqual({ [built.artifact.path.split("/").at(-1)!]: sha256(tar), "index.js": outputs[0]!.sha256 });
    const metrics = built.statementValue.predicate.runDetails.byproducts!.find((b) => b.name === "build-metrics")!.annotations as { buildDurationMs: number };
    expect(metrics.buildDurationMs).toBeGreaterThanOrEqual(1000);
    expect(built.timings.bun).toBeGreaterThanOrEqual(1000);
  });
});

describe("a forged metafile", () => {
  test("rejects a forged built message that names a host file outside the repository as an input: bunseal does not read and record it", async () => {
    const outside = join(scratch(), "host-secret.txt");
    writeFileSync(outside, "host-only\n");
    await using repo = await hostileRepo({
      // the path as the metafile writes its keys: relative to the project
      "src/macro.ts": `${SEND}import { relative } from "node:path";\nexport function probe(): string {\n  send({ kind: "built", durationMs: 5, metafile: { inputs: ["src/index.ts", relative(process.cwd(), ${JSON.stringify(outside)})], relativeExternals: [] }, logs: [] });\n  return "benign";\n}\n`,
      "src/index.ts": PRINT_PROBE,
    });
    const built = await runCli(["build", ".", "--key", key(), "--json"], { cwd: repo.path });
    expect(built.exitCode).toBe(1);
    expect(built.json().error.code).toBe("BUILD_FAILED");
    expect(built.stderr).toContain("outside the folder the build could see");
    expect(built.stderr).toContain("host-secret.txt");
    expect(leftIn(outDir(repo))).toEqual([]);
  });

  test("a message that is no message of bunseal's fails the build, and does not crash bunseal", async () => {
    await using repo = await hostileRepo({
      "src/macro.ts": `${SEND}export function probe(): string {\n  send(null);\n  return "benign";\n}\n`,
      "src/index.ts": PRINT_PROBE,
    });
    const built = await runCli(["build", ".", "--key", key(), "--json"], { cwd: repo.path });
    expect(built.exitCode).toBe(1);
    expect(built.json().error.code).toBe("BUILD_FAILED");
    expect(built.stderr).toContain("the build worker sent a message that is not bunseal's");
    expect(leftIn(outDir(repo))).toEqual([]);
  });
});

describe("a process the build leaves behind", () => {
  // it opens the tar at once, waits until the worker has written it, and appends through that descriptor
  // a second later: after the worker hashed it, before or after bunseal did, whatever name the file has by then
  const LEAVE_APPENDER = `import { readFileSync } from "node:fs";\nimport { spawn } from "node:child_process";\n${FIND_TAR}export function probe(): string {\n  const tar = tarPath();\n  if (!tar) return "no-tar";\n  spawn("setsid", ["sh", "-c", \`exec 3>>"\${tar}"; while [ ! -s /proc/$$/fd/3 ]; do sleep 0.05; done; sleep 1; printf 'appended-after-hashing' >&3\`], { detached: true, stdio: "ignore" }).unref();\n  return "left-a-child";\n}\n`;

  const expectIntact = async (artifact: string, bundle: string, cwd: string) => {
    // the child was ended with the sandbox: nothing landed after the hash
    await Bun.sleep(1500);
    const verified = await runCli(["verify", artifact, "--bundle", bundle, "--key", pub()], { cwd });
    expect(verified.exitCode).toBe(0);
    expect((await outputsOf(artifact)).get("index.js")).toContain("left-a-child");
    expect(await Bun.file(artifact).text()).not.toContain("appended-after-hashing");
  };

  test("a setsid child cannot append to the tar after it was hashed (the machine's own tracer)", async () => {
    await using repo = await hostileRepo({ "src/macro.ts": LEAVE_APPENDER, "src/index.ts": PRINT_PROBE });
    const built = await runCli(["build", ".", "--key", key(), "--json"], { cwd: repo.path });
    expect(built.exitCode).toBe(0);
    await expectIntact(built.json().artifact.path, built.json().bundle.path, repo.path);
  });

  test("without a sandbox to end, a child that escaped the worker's tree still cannot change the signed bytes", async () => {
    // no mount to find it by: the tar is in the out folder, which nothing hides without a sandbox
    const appender = LEAVE_APPENDER.replace(FIND_TAR, `const tarPath = () => { const dir = ".bunseal/out"; const name = readdirSync(dir).find((n) => n.endsWith(".tar.tmp")); return name && \`\${process.cwd()}/\${dir}/\${name}\`; };\n`).replace('import { readFileSync } from "node:fs";', 'import { readdirSync } from "node:fs";');
    await using repo = await hostileRepo({ "src/macro.ts": appender, "src/index.ts": PRINT_PROBE });
    const built = await buildArtifact({ projectDir: repo.path, sandbox: false, tracer: "untraced" }, defaultContext());
    expect((await outputsOf(built.artifact.path)).get("index.js")).toContain("left-a-child");
    await Bun.sleep(1500);
    const tar = await Bun.file(built.artifact.path).bytes();
    expect(`sha256:${sha256(tar)}`).toBe(built.artifact.digest);
    expect(new TextDecoder().decode(tar)).not.toContain("appended-after-hashing");
  });

  test("a setsid child cannot append to a rebuild's tar once the rebuild settled on the recorded digest", async () => {
    await using repo = await hostileRepo({ "src/macro.ts": LEAVE_APPENDER, "src/index.ts": PRINT_PROBE });
    const built = await runCli(["build", ".", "--key", key(), "--json"], { cwd: repo.path });
    expect(built.exitCode).toBe(0);
    const { artifact, bundle } = built.json();
    // the rebuild's build makes the recorded bytes and stops there: what it keeps is still what bunseal measured
    const rebuilt = await runCli(["rebuild", bundle.path, "--key", pub(), "--keep", "--json"], { cwd: repo.path });
    expect(rebuilt.exitCode).toBe(0);
    const report = rebuilt.json();
    try {
      expect(report.reproducible).toBe(true);
      await Bun.sleep(1500);
      const kept = join(report.source.checkout, "out", artifact.path.split("/").at(-1));
      expect(`sha256:${sha256(await Bun.file(kept).bytes())}`).toBe(artifact.digest);
      expect(await Bun.file(kept).text()).not.toContain("appended-after-hashing");
    } finally {
      rmSync(report.source.checkout, { recursive: true, force: true });
    }
  });

  test("a setsid child cannot append to the tar after it was hashed (strace, which waits for every traced process)", async () => {
    await using repo = await hostileRepo({ "src/macro.ts": LEAVE_APPENDER, "src/index.ts": PRINT_PROBE });
    // the library with strace, whatever user runs the test; signed through the CLI's key afterwards is not needed: --no-sign's statement names the digest
    const built = await buildArtifact({ projectDir: repo.path, tracer: "strace" }, defaultContext());
    await Bun.sleep(1500);
    const tar = await Bun.file(built.artifact.path).bytes();
    expect(`sha256:${sha256(tar)}`).toBe(built.artifact.digest);
    expect(new TextDecoder().decode(tar)).not.toContain("appended-after-hashing");
    expect(await listTar(built.artifact.path)).toHaveLength(1);
  });
});
