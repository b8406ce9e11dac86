/**
 * The trust boundary (issue #8): a hostile work tree and environment try to
 * forge the record, reach the signer, or slip an unrecorded input into a
 * signed artifact. Each test is one attack, run through the real CLI against
 * a real git repository and a real `bun build`.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { defaultContext } from "../../src/context.ts";
import { buildArtifact } from "../../src/pipeline/build.ts";
import { runCli } from "../helpers/cli.ts";
import { gitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";
import { boundarySetup, hostileRepo, leftIn, outDir, outputsOf, statementOf } from "./hostile-repo.ts";

const { key, pub, scratch } = boundarySetup("bunseal-hostile-");
/** what traces the build's reads where these tests run: the kernel's fanotify as root, strace around the sandbox as a user */
const bestTracer = process.getuid!() === 0 ? "fanotify" : "strace";


/** An entry that prints what a macro returns, so the macro's view of the world ends up in the output. */
const PRINT_PROBE = `import { probe } from "./macro.ts" with { type: "macro" };\nconsole.log(probe());\n`;

describe("the record cannot be forged from the work tree", () => {
  test("rejects a decoy repository planted through GIT_DIR in a .env", async () => {
    await using decoy = await gitRepo({ "bunseal.json": JSON.stringify({ service: "hostile", entrypoints: ["src/index.ts"] }), "src/index.ts": "console.log('decoy');\n" });
    await using repo = await hostileRepo({ "src/index.ts": "console.log('committed');\n" }, { ignore: [".env"] });
    writeFileSync(join(repo.path, ".env"), `GIT_DIR=${decoy.path}/.git\nGIT_WORK_TREE=${decoy.path}\n`);
    writeFileSync(join(repo.path, "src/index.ts"), "console.log('uncommitted');\n");

    const refused = await runCli(["build", repo.path, "--key", key(), "--json"], { cwd: repo.path });
    expect(refused.exitCode).toBe(2);
    expect(refused.json().error.code).toBe("SOURCE_DIRTY");
    expect(refused.stderr).toContain("src/index.ts");
    expect(leftIn(outDir(repo))).toEqual([]);

    // allowed to be dirty, the record names the real commit and the change, never the decoy
    const built = await runCli(["build", repo.path, "--key", key(), "--allow-dirty", "--json"], { cwd: repo.path });
    expect(built.exitCode).toBe(0);
    const result = built.json();
    expect(result.commit).toBe(repo.commit);
    expect(result.dirty).toBe(true);
    const source = statementOf(result.bundle.path).predicate.buildDefinition.externalParameters.source;
    expect(source).toMatchObject({ commit: repo.commit, dirty: true, changedPaths: ["src/index.ts"] });
    const claim = await runCli(["verify", result.artifact.path, "--key", pub(), "--commit", decoy.commit], { cwd: repo.path });
    expect(claim.exitCode).toBe(1);
  });
});

describe("the environment cannot point git elsewhere", () => {
  test("GIT_DIR and GIT_WORK_TREE in bunseal's own environment are not passed to git", async () => {
    await using decoy = await gitRepo({ "bunseal.json": JSON.stringify({ service: "hostile", entrypoints: ["src/index.ts"] }), "src/index.ts": "console.log('decoy');\n" });
    await using repo = await hostileRepo({ "src/index.ts": "console.log('real');\n" });
    const built = await runCli(["build", repo.path, "--no-sign", "--json"], { env: { GIT_DIR: `${decoy.path}/.git`, GIT_WORK_TREE: decoy.path, GIT_INDEX_FILE: `${decoy.path}/.git/index` } });
    expect(built.exitCode).toBe(0);
    expect(built.json().commit).toBe(repo.commit);
  });

  test("a fake git first on PATH is not the git bunseal runs", async () => {
    const bin = join(scratch(), "fake-bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "git"), "#!/bin/sh\necho 0000000000000000000000000000000000000000\nexit 0\n", { mode: 0o755 });
    await using repo = await hostileRepo({ "src/index.ts": "console.log('real');\n" });
    const built = await runCli(["build", repo.path, "--no-sign", "--json"], { env: { PATH: `${bin}:${process.env.PATH}` } });
    expect(built.exitCode).toBe(0);
    expect(built.json().commit).toBe(repo.commit);
  });
});

describe("project code never runs in the signing process", () => {
  test("a committed bunfig.toml preload runs only in the sandboxed worker, and is recorded", async () => {
    const marks = join(scratch(), "preload-marks");
    mkdirSync(marks);
    // The preload leaves a mark wherever it can write one: in bunseal's own process it
    // could, and would see the key's path in argv; in the sandbox the folder is not there.
    // In the worker it can still change what Bun.build makes (here: a banner), which is why it is recorded.
    const preload = `import { writeFileSync } from "node:fs";\ntry { writeFileSync(${JSON.stringify(marks)} + "/" + process.pid, JSON.stringify(process.argv)); } catch {}\nconst build = Bun.build;\n(Bun as any).build = (options: any) => build({ ...options, banner: "/* preloaded:yes */" });\n`;
    await using repo = await hostileRepo({
      "bunfig.toml": 'preload = ["./preload.ts"]\n',
      "preload.ts": preload,
      "src/index.ts": "console.log('hello');\n",
    });
    const built = await runCli(["build", ".", "--key", key(), "--json"], { cwd: repo.path });
    expect(built.exitCode).toBe(0);
    expect(leftIn(marks)).toEqual([]);
    const result = built.json();
    // the preload did run where it belongs, in the worker, before the build
    expect((await outputsOf(result.artifact.path)).get("index.js")).toContain("preloaded:yes");
    const statement = statementOf(result.bundle.path);
    const preloadInput = statement.predicate.buildDefinition.resolvedDependencies.find((d: { name?: string }) => d.name === "preload.ts");
    expect(preloadInput?.annotations.role).toBe("preload");
    expect(preloadInput?.digest.sha256).toBe(new Bun.CryptoHasher("sha256").update(preload).digest("hex"));
    expect(statement.predicate.buildDefinition.internalParameters.sandbox).toEqual({ kind: "bubblewrap", network: false, reads: bestTracer, stats: bestTracer === "fanotify" ? "untraced" : "strace", writes: "layer" });
  });
});

describe("the env allowlist holds", () => {
  test("values in .env files (committed or ignored) do not reach macros", async () => {
    await using repo = await hostileRepo(
      {
        ".env": "PUBLIC_LEAK=from-committed-dotenv\n",
        "src/macro.ts": `export function probe(): string { return "leak=" + (process.env.PUBLIC_LEAK ?? "unset") + ";local=" + (process.env.LOCAL_LEAK ?? "unset"); }\n`,
        "src/index.ts": PRINT_PROBE,
      },
      { ignore: [".env.local", ".env.production"] },
    );
    writeFileSync(join(repo.path, ".env.local"), "LOCAL_LEAK=from-ignored-dotenv\n");
    writeFileSync(join(repo.path, ".env.production"), "LOCAL_LEAK=from-ignored-dotenv\n");
    const built = await runCli(["build", ".", "--no-sign", "--json"], { cwd: repo.path });
    expect(built.exitCode).toBe(0);
    const index = (await outputsOf(built.json().artifact.path)).get("index.js")!;
    expect(index).toContain("leak=unset;local=unset");
  });

  test("a secret only in an ignored .env is not signed into the artifact when built from another folder", async () => {
    const secret = "sk_live_9f8e7d6c5b4a39281706";
    await using repo = await hostileRepo(
      {
        "src/macro.ts": `import { readFileSync } from "node:fs";\nexport function probe(): string {\n  let file = "hidden";\n  try { file = readFileSync(".env", "utf8"); } catch {}\n  return "env=" + (process.env.API_TOKEN ?? "unset") + ";file=" + file;\n}\n`,
        "src/index.ts": PRINT_PROBE,
      },
      { ignore: [".env"] },
    );
    writeFileSync(join(repo.path, ".env"), `API_TOKEN=${secret}\n`);
    const built = await runCli(["build", repo.path, "--key", key(), "--json"], { cwd: scratch() });
    expect(built.exitCode).toBe(0);
    const index = (await outputsOf(built.json().artifact.path)).get("index.js")!;
    expect(index).toContain("env=unset;file=hidden");
    expect(index).not.toContain(secret);
  });
});

describe("nothing unrecorded reaches a signed artifact", () => {
  test("a macro that reads a file outside the project fails the build, naming the file, and nothing is signed", async () => {
    const outside = join(scratch(), "outside.txt");
    writeFileSync(outside, "content from outside the project\n");
    await using repo = await hostileRepo({
      "src/macro.ts": `import { readFileSync } from "node:fs";\nexport function probe(): string { return readFileSync(${JSON.stringify(outside)}, "utf8"); }\n`,
      "src/index.ts": PRINT_PROBE,
    });
    const built = await runCli(["build", ".", "--key", key(), "--json"], { cwd: repo.path });
    expect(built.exitCode).toBe(1);
    expect(built.json().error.code).toBe("BUILD_FAILED");
    expect(built.stderr).toContain("src/index.ts:2");
    // the macro's own error, recovered by calling it again in the sandbox: the file it could not read
    expect(built.stderr).toContain(outside);
    expect(leftIn(outDir(repo))).toEqual([]);
  });

  test("a file of the commit that a macro reads is recorded with its digest, though the metafile never lists it", async () => {
    const data = "price table v7\n";
    await using repo = await hostileRepo({
      "data/prices.txt": data,
      "src/macro.ts": `import { readFileSync } from "node:fs";\nexport function probe(): string { return readFileSync("data/prices.txt", "utf8"); }\n`,
      "src/index.ts": PRINT_PROBE,
    });
    const built = await runCli(["build", ".", "--key", key(), "--json"], { cwd: repo.path });
    expect(built.exitCode).toBe(0);
    const definition = statementOf(built.json().bundle.path).predicate.buildDefinition;
    const read = definition.resolvedDependencies.find((d: { name?: string }) => d.name === "data/prices.txt");
    expect(read?.annotations.role).toBe("read");
    expect(read?.digest.sha256).toBe(new Bun.CryptoHasher("sha256").update(data).digest("hex"));
    expect(definition.internalParameters.sandbox.reads).toBe(bestTracer);
  });

  test("without fanotify, strace in the sandbox records the same read", async () => {
    const data = "price table v8\n";
    await using repo = await hostileRepo({
      "data/prices.txt": data,
      "src/macro.ts": `import { readFileSync } from "node:fs";\nexport function probe(): string { return readFileSync("data/prices.txt", "utf8"); }\n`,
      "src/index.ts": PRINT_PROBE,
    });
    const built = await buildArtifact({ projectDir: repo.path, tracer: "strace" }, defaultContext());
    const definition = built.statementValue.predicate.buildDefinition;
    const read = definition.resolvedDependencies?.find((d) => d.name === "data/prices.txt");
    expect(read?.annotations?.role).toBe("read");
    expect(read?.digest?.sha256).toBe(new Bun.CryptoHasher("sha256").update(data).digest("hex"));
    expect((definition.internalParameters as { sandbox?: { reads: string } }).sandbox?.reads).toBe("strace");
    expect(leftIn(outDir(repo)).filter((name) => name.endsWith(".reads"))).toEqual([]);
  });

  test("an ignored file is invisible to the build unless inputs.extra declares it, and then it is recorded", async () => {
    const files = { "src/index.ts": `import { generated } from "./generated.ts";\nconsole.log(generated);\n` };
    await using hidden = await hostileRepo(files, { ignore: ["src/generated.ts"] });
    writeFileSync(join(hidden.path, "src/generated.ts"), `export const generated = "made before the build";\n`);
    const refused = await runCli(["build", ".", "--no-sign", "--json"], { cwd: hidden.path });
    expect(refused.exitCode).toBe(1);
    expect(refused.json().error.code).toBe("BUILD_FAILED");
    expect(refused.stderr).toContain("generated");

    await using declared = await hostileRepo(files, { ignore: ["src/generated.ts"], config: { inputs: { extra: ["src/generated.ts"] } } });
    writeFileSync(join(declared.path, "src/generated.ts"), `export const generated = "made before the build";\n`);
    const built = await runCli(["build", ".", "--key", key(), "--json"], { cwd: declared.path });
    expect(built.exitCode).toBe(0);
    const deps = statementOf(built.json().bundle.path).predicate.buildDefinition.resolvedDependencies;
    expect(deps.find((d: { name?: string }) => d.name === "src/generated.ts")?.annotations.role).toBe("extra");
  });

  test("the build has no network unless the config asks for it, and the record says which", async () => {
    await using server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("from the network") });
    const url = `http://127.0.0.1:${server.port}/`;
    const files = {
      "src/macro.ts": `export async function probe(): Promise<string> { return await (await fetch(${JSON.stringify(url)})).text(); }\n`,
      "src/index.ts": PRINT_PROBE,
    };
    await using offline = await hostileRepo(files);
    const refused = await runCli(["build", ".", "--no-sign", "--json"], { cwd: offline.path });
    expect(refused.exitCode).toBe(1);
    expect(refused.json().error.code).toBe("BUILD_FAILED");

    await using online = await hostileRepo(files, { config: { build: { network: true } } });
    const built = await runCli(["build", ".", "--key", key(), "--json"], { cwd: online.path });
    expect(built.exitCode).toBe(0);
    expect((await outputsOf(built.json().artifact.path)).get("index.js")).toContain("from the network");
    expect(statementOf(built.json().bundle.path).predicate.buildDefinition.internalParameters.sandbox).toEqual({ kind: "bubblewrap", network: true, reads: bestTracer, stats: bestTracer === "fanotify" ? "untraced" : "strace", writes: "layer" });
  });
});

describe("the signing key is out of the build's reach", () => {
  const readKey = (path: string) => `import { readFileSync } from "node:fs";\nexport function probe(): string { try { return readFileSync(${JSON.stringify(path)}, "utf8"); } catch { return "no-key"; } }\n`;

  test("a macro cannot read the key file given to --key, outside the project", async () => {
    await using repo = await hostileRepo({ "src/macro.ts": readKey(key()), "src/index.ts": PRINT_PROBE });
    const built = await runCli(["build", ".", "--key", key(), "--json"], { cwd: repo.path });
    expect(built.exitCode).toBe(0);
    const index = (await outputsOf(built.json().artifact.path)).get("index.js")!;
    expect(index).toContain("no-key");
    expect(index).not.toContain("PRIVATE KEY");
  });

  test("a macro cannot read a key kept in the project's own .bunseal/keys", async () => {
    await using repo = await hostileRepo({ "src/macro.ts": readKey(".bunseal/keys/bunseal.key"), "src/index.ts": PRINT_PROBE });
    expect((await runCli(["keygen", "--out", join(repo.path, ".bunseal", "keys")])).exitCode).toBe(0);
    const built = await runCli(["build", ".", "--key", ".bunseal/keys/bunseal.key", "--json"], { cwd: repo.path });
    expect(built.exitCode).toBe(0);
    expect((await outputsOf(built.json().artifact.path)).get("index.js")).toContain("no-key");
  });

  test("a macro cannot read a key committed in the project when it is the signing key", async () => {
    await using repo = await hostileRepo({ "src/macro.ts": readKey("ci/signing.key"), "src/index.ts": PRINT_PROBE, "ci/signing.key": await Bun.file(key()).text() });
    const built = await runCli(["build", ".", "--key", "ci/signing.key", "--json"], { cwd: repo.path });
    expect(built.exitCode).toBe(0);
    expect((await outputsOf(built.json().artifact.path)).get("index.js")).toContain("no-key");
  });
});

describe("time limits", () => {
  const LOOP = { "src/macro.ts": "export function probe(): string { for (;;) {} }\n", "src/index.ts": PRINT_PROBE };

  test("a macro in an endless loop is stopped at budgets.maxBuildMs, and nothing is written", async () => {
    await using repo = await hostileRepo(LOOP, { config: { budgets: { maxBuildMs: 1500 } } });
    const started = performance.now();
    const built = await runCli(["build", ".", "--key", key(), "--json"], { cwd: repo.path });
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(built.exitCode).toBe(1);
    expect(built.json().error.code).toBe("BUDGET_EXCEEDED");
    expect(built.stderr).toContain("budgets.maxBuildMs");
    expect(leftIn(outDir(repo))).toEqual([]);
  });

  test("check stops a looping build at --timeout and says so", async () => {
    await using repo = await hostileRepo(LOOP);
    const checked = await runCli(["check", ".", "--timeout", "2", "--vary", "timezone", "--json"], { cwd: repo.path });
    expect(checked.exitCode).toBe(3);
    expect(checked.json().error.code).toBe("TIMED_OUT");
  });

  test("without a budget, --timeout stops it", async () => {
    await using repo = await hostileRepo(LOOP);
    const built = await runCli(["build", ".", "--no-sign", "--timeout", "2", "--json"], { cwd: repo.path });
    expect(built.exitCode).toBe(3);
    expect(built.json().error.code).toBe("TIMED_OUT");
    expect(leftIn(outDir(repo))).toEqual([]);
  });
});

describe("secrets in the record", () => {
  test("a secret value in build.define, never referenced, is not signed into the statement", async () => {
    const secret = "deploy-token-4f3e2d1c0b9a8877";
    await using repo = await hostileRepo({ "src/index.ts": "console.log('hello');\n" }, { config: { secrets: ["DEPLOY_TOKEN"], build: { define: { "process.env.UNUSED": JSON.stringify(secret) } } } });
    const built = await runCli(["build", ".", "--key", key(), "--json"], { cwd: repo.path, env: { DEPLOY_TOKEN: secret } });
    expect(built.exitCode).toBe(1);
    expect(built.json().error.code).toBe("SECRET_IN_OUTPUT");
    expect(built.stderr).toContain("statement");
    expect(leftIn(outDir(repo))).toEqual([]);
  });

  test("secret values come from bunseal's environment, never from a project .env", async () => {
    // the project's .env would name a different value for the secret: if bunseal loaded it, it
    // would scan for the wrong value and the real one, from the environment, would be signed
    const secret = "real-secret-value-0a1b2c3d4e";
    await using repo = await hostileRepo({ ".env": "DEPLOY_TOKEN=decoy-value-not-the-secret\n", "src/index.ts": "console.log('hello');\n" }, { config: { secrets: ["DEPLOY_TOKEN"], build: { define: { "process.env.X": JSON.stringify(secret) } } } });
    const built = await runCli(["build", ".", "--no-sign", "--json"], { cwd: repo.path, env: { DEPLOY_TOKEN: secret } });
    expect(built.exitCode).toBe(1);
    expect(built.json().error.code).toBe("SECRET_IN_OUTPUT");
  });
});

test("the hostile corpus runs where bubblewrap sandboxes and strace traces (CI installs both)", () => {
  expect(existsSync("/usr/bin/bwrap")).toBe(true);
  expect(existsSync("/usr/bin/strace")).toBe(true);
});
