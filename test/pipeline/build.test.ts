/**
 * bunseal build end to end: real git repositories, real `bun build`, real keys.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { listTar, readTarFiles } from "../../src/artifact/tar-read.ts";
import { cloneTo, gitRepo, type GitRepo } from "../helpers/git.ts";
import { exampleServiceRepo } from "../helpers/example-service.ts";
import { runCli } from "../helpers/cli.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

let repo: GitRepo;
let keys: TestDir;

beforeAll(async () => {
  [repo, keys] = await Promise.all([exampleServiceRepo(), makeTempDir("bunseal-keys-")]);
  const keygen = await runCli(["keygen", "--out", keys.path, "--json"]);
  expect(keygen.exitCode).toBe(0);
});
afterAll(async () => {
  await Promise.all([repo?.cleanup(), keys?.cleanup()]);
});

const key = () => join(keys.path, "bunseal.key");
const pub = () => join(keys.path, "bunseal.pub");

describe("bunseal build", () => {
  test("builds, signs, and the result verifies", async () => {
    const out = await runCli(["build", repo.path, "--key", key(), "--json"]);
    expect(out.exitCode).toBe(0);
    const result = out.json();
    expect(result.commit).toBe(repo.commit);
    expect(result.artifact.path).toBe(join(repo.path, ".bunseal", "out", `example-service-${repo.commit.slice(0, 12)}.tar`));
    expect(result.artifact.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(result.bundle.path).toBe(`${result.artifact.path}.sigstore.json`);
    expect(result.files.map((f: { path: string }) => f.path)).toEqual(["index.js", "index.js.map"]);
    for (const f of result.files) expect(f.digest).toMatch(/^sha256:[0-9a-f]{64}$/);

    const verify = await runCli(["verify", result.artifact.path, "--key", pub(), "--commit", repo.commit, "--service", "example-service", "--schema-version", "2024-06-01.3", "--bun-version", Bun.version, "--json"]);
    expect(verify.exitCode).toBe(0);
    expect(verify.json().verified).toBe(true);
    expect(verify.json().failures).toEqual([]);

    // every output file is also a subject, so one file from a host can be verified alone
    const verifyOne = await runCli(["verify", result.files[0].digest, "--bundle", result.bundle.path, "--key", pub()]);
    expect(verifyOne.exitCode).toBe(0);
  });

  test("the tar is deterministic: sorted, epoch mtime, root owner, fixed modes", async () => {
    const result = (await runCli(["build", repo.path, "--no-sign", "--json"])).json();
    const entries = await listTar(result.artifact.path);
    const commitTime = Number((await Bun.$`git -C ${repo.path} log -1 --format=%ct`.text()).trim());
    expect(entries.map((e) => e.path)).toEqual(["index.js", "index.js.map"]);
    for (const e of entries) {
      expect(e).toMatchObject({ mtime: commitTime, uid: 0, gid: 0, uname: "", gname: "", mode: 0o644 });
    }
    expect(entries.map((e) => `sha256:${e.sha256}`)).toEqual(result.files.map((f: { digest: string }) => f.digest));
  });

  test("the same commit gives the same tar digest twice, and from a clone at another path", async () => {
    const first = (await runCli(["build", repo.path, "--no-sign", "--json"])).json();
    const second = (await runCli(["build", repo.path, "--no-sign", "--json"])).json();
    await using clone = await cloneTo(repo.path, (await makeTempDir("bunseal-elsewhere-deeper-path-")).path);
    await Bun.$`${process.execPath} install --frozen-lockfile`.cwd(clone.path).quiet();
    const third = (await runCli(["build", clone.path, "--no-sign", "--json"])).json();
    expect(clone.path.length).not.toBe(repo.path.length);
    expect(second.artifact.digest).toBe(first.artifact.digest);
    expect(third.artifact.digest).toBe(first.artifact.digest);
    expect(third.files).toEqual(first.files);
    // three builds and an install: past bun test's 5 s default on a loaded 2-core machine
  }, 30_000);

  test("the statement records sources, inputs with digests, macros, dependencies and the build-info module", async () => {
    const result = (await runCli(["build", repo.path, "--no-sign", "--json"])).json();
    const statement = await Bun.file(result.statement.path).json();
    const definition = statement.predicate.buildDefinition;
    expect(statement.predicateType).toBe("https://slsa.dev/provenance/v1");
    expect(definition.buildType).toBe("https://bunseal.dev/buildtypes/bun-build/v1");
    expect(definition.externalParameters.featureFlags).toEqual({ newCheckout: true, searchV2: false });
    expect(definition.externalParameters.contracts).toEqual({ schemaVersion: "2024-06-01.3", telemetryContract: "otel-http-v1" });
    const byName = new Map(definition.resolvedDependencies.map((d: { name?: string; uri?: string }) => [d.name ?? d.uri, d]));
    expect((byName.get("src/macros/routes-table.ts") as any).annotations.role).toBe("macro");
    expect((byName.get("src/index.ts") as any).annotations.role).toBe("module");
    expect((byName.get("bun.lock") as any).digest.sha256).toBe(definition.internalParameters.lockfileDigest.slice(7));
    expect((byName.get("hono") as any).uri).toMatch(/^pkg:npm\/hono@\d/);
    expect((byName.get("hono") as any).digest.sha512).toMatch(/^[0-9a-f]{128}$/);
    const source = definition.resolvedDependencies[0];
    expect(source.digest.gitCommit).toBe(repo.commit);
    expect(statement.subject[0].name).toBe(`example-service-${repo.commit.slice(0, 12)}.tar`);

    // the running service can log where it came from, and no timestamp sneaks in
    const files = await readTarFiles(result.artifact.path);
    const bundle = new TextDecoder().decode(files.get("index.js"));
    expect(bundle).toContain(repo.commit);
    expect(bundle).toContain(definition.internalParameters.lockfileDigest);
    expect(bundle).toContain("2024-06-01.3");
  });

  test("refuses to build a dirty work tree, and records one with --allow-dirty", async () => {
    await using dirty = await cloneTo(repo.path);
    await Bun.$`${process.execPath} install --frozen-lockfile`.cwd(dirty.path).quiet();
    await Bun.write(join(dirty.path, "src", "lib", "money.ts"), `${await Bun.file(join(dirty.path, "src", "lib", "money.ts")).text()}\n// local change\n`);
    const refused = await runCli(["build", dirty.path, "--no-sign", "--json"]);
    expect(refused.exitCode).toBe(2);
    expect(refused.json().error.code).toBe("SOURCE_DIRTY");
    expect(refused.stderr).toContain("src/lib/money.ts");
    // the worker packed a tar before the refusal; nothing of it may remain
    expect(readdirSync(join(dirty.path, ".bunseal", "out"))).toEqual([]);
    expect(readdirSync(join(dirty.path, ".bunseal"))).toEqual(["out"]);
    const allowed = await runCli(["build", dirty.path, "--no-sign", "--allow-dirty", "--json"]);
    expect(allowed.exitCode).toBe(0);
    expect(allowed.json().dirty).toBe(true);
    expect(allowed.json().artifact.path).toEndWith("-dirty.tar");
    const statement = await Bun.file(allowed.json().statement.path).json();
    expect(statement.predicate.buildDefinition.externalParameters.source.changedPaths).toEqual(["src/lib/money.ts"]);
  });
});

describe("the build environment", () => {
  const probeProject = {
    "package.json": JSON.stringify({ name: "probe", module: "src/index.ts" }),
    "bunseal.json": JSON.stringify({ service: "probe", entrypoints: ["src/index.ts"], env: ["PUBLIC_VISIBLE"] }),
    "src/env-probe.ts": "export function probe() { return JSON.stringify({ visible: process.env.PUBLIC_VISIBLE ?? null, hidden: process.env.HIDDEN_VAR ?? null, home: process.env.HOME ?? null, tz: process.env.TZ ?? null, lc: process.env.LC_ALL ?? null, cwd: process.cwd().length > 0 }); }\n",
    "src/index.ts": 'import { probe } from "./env-probe.ts" with { type: "macro" };\nexport const seen = probe();\nconsole.log(seen);\n',
  };

  test("a variable not in `env` is invisible to the build; TZ and locale are fixed", async () => {
    await using project = await gitRepo(probeProject);
    const out = await runCli(["build", project.path, "--no-sign", "--json"], { env: { PUBLIC_VISIBLE: "shown-value", HIDDEN_VAR: "must-not-appear", TZ: "America/New_York", LC_ALL: "de_DE.UTF-8" } });
    expect(out.exitCode).toBe(0);
    const js = new TextDecoder().decode((await readTarFiles(out.json().artifact.path)).get("index.js"));
    expect(js).toContain("shown-value");
    expect(js).not.toContain("must-not-appear");
    expect(js).toContain('"hidden":null');
    expect(js).toContain('"home":null');
    expect(js).toContain('"tz":"UTC"');
    expect(js).toContain('"lc":"C"');
    const statement = await Bun.file(out.json().statement.path).json();
    expect(statement.predicate.buildDefinition.internalParameters.env).toEqual(["PUBLIC_VISIBLE"]);
    expect(JSON.stringify(statement)).not.toContain("shown-value");
  });
});

describe("bunseal build refuses to sign what it must not", () => {
  const base = {
    "package.json": JSON.stringify({ name: "leaky" }),
    "bunseal.json": JSON.stringify({ service: "leaky", entrypoints: ["src/index.ts"], secrets: ["STRIPE_SECRET_KEY"], budgets: {} }),
  };

  test("a planted secret value fails the build, naming file and offset, and writes no attestation", async () => {
    const secret = "sk_live_51Hq8xKpT0ken";
    await using project = await gitRepo({ ...base, "src/index.ts": `export const key = "${secret}";\nconsole.log(key);\n` });
    const out = await runCli(["build", project.path, "--no-sign", "--json"], { env: { STRIPE_SECRET_KEY: secret } });
    expect(out.exitCode).toBe(1);
    const error = out.json().error;
    expect(error.code).toBe("SECRET_IN_OUTPUT");
    expect(error.file).toBe("index.js");
    expect(error.field).toMatch(/^offset \d+$/);
    expect(error.found).toBe("env:STRIPE_SECRET_KEY");
    expect(out.stderr).not.toContain(secret);
    // nothing left behind: no artifact, no attestation, no temporary tar
    expect(readdirSync(join(project.path, ".bunseal", "out"))).toEqual([]);
    expect(readdirSync(join(project.path, ".bunseal"))).toEqual(["out"]);
  });

  test("a well-known credential shape fails the build without any configured secret", async () => {
    await using project = await gitRepo({ ...base, "src/index.ts": 'export const aws = "AKIAIOSFODNN7EXAMPLE";\nconsole.log(aws);\n' });
    const out = await runCli(["build", project.path, "--no-sign", "--json"]);
    expect(out.exitCode).toBe(1);
    expect(out.json().error).toMatchObject({ code: "SECRET_IN_OUTPUT", file: "index.js", found: "aws-access-key" });
  });

  test("an artifact over its size budget is refused", async () => {
    await using project = await gitRepo({ ...base, "bunseal.json": JSON.stringify({ service: "big", entrypoints: ["src/index.ts"], budgets: { maxArtifactBytes: 100 } }), "src/index.ts": `console.log(${JSON.stringify("x".repeat(500))});\n` });
    const out = await runCli(["build", project.path, "--no-sign", "--json"]);
    expect(out.exitCode).toBe(1);
    expect(out.json().error.code).toBe("BUDGET_EXCEEDED");
    expect(out.json().error.field).toBe("budgets.maxArtifactBytes");
  });

  test("a bad config stops the run before anything is built (exit 2)", async () => {
    await using project = await gitRepo({ ...base, "bunseal.json": JSON.stringify({ service: "x", entrypoints: ["src/index.ts"], build: { minfy: true } }), "src/index.ts": "1;" });
    const out = await runCli(["build", project.path, "--no-sign"]);
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toContain("CONFIG_INVALID");
    expect(out.stderr).toContain("bunseal.json");
    expect(out.stderr).toContain("build.minfy: expected no such key");
    expect(out.stderr).not.toContain("    at ");
    expect(existsSync(join(project.path, ".bunseal"))).toBe(false);
  });

  test("a build error is reported with the file and line, exit 1", async () => {
    await using project = await gitRepo({ ...base, "src/index.ts": 'import { nope } from "./missing.ts";\nconsole.log(nope);\n' });
    const out = await runCli(["build", project.path, "--no-sign", "--json"]);
    expect(out.exitCode).toBe(1);
    expect(out.json().error.code).toBe("BUILD_FAILED");
    expect(out.json().error.message).toContain("missing.ts");
  });

  test("signing without a key is a usage error, not an unsigned artifact", async () => {
    const out = await runCli(["build", repo.path]);
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toContain("expected --key FILE");
  });
});

describe("bunseal keygen", () => {
  test("writes a 0600 PKCS#8 key and an SPKI public key, and never overwrites", async () => {
    await using dir = await makeTempDir();
    expect((await runCli(["keygen", "--out", dir.path])).exitCode).toBe(0);
    expect(statSync(join(dir.path, "bunseal.key")).mode & 0o777).toBe(0o600);
    expect(await Bun.file(join(dir.path, "bunseal.key")).text()).toStartWith("-----BEGIN PRIVATE KEY-----");
    expect(await Bun.file(join(dir.path, "bunseal.pub")).text()).toStartWith("-----BEGIN PUBLIC KEY-----");
    const again = await runCli(["keygen", "--out", dir.path]);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain("already holds a bunseal key pair");
  });
});
