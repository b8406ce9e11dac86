/**
 * Several builds in one release (`builds` in bunseal.json): a server for Bun
 * and a browser client of one service, each under its own folder in the one
 * artifact, every file a subject; and the single form unchanged to the byte.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { listTar } from "../../src/artifact/tar-read.ts";
import { ExternalParametersSchema } from "../../src/attest/build-type.ts";
import { loadConfig } from "../../src/config/load.ts";
import { runCli } from "../helpers/cli.ts";
import { exampleServiceRepo } from "../helpers/example-service.ts";
import { gitRepo, type GitRepo } from "../helpers/git.ts";
import { makeTempDir, testdir, type FileTree, type TestDir } from "../helpers/testdir.ts";
import { rejection } from "../helpers/expect-error.ts";

setDefaultTimeout(120_000);

const SERVICE_FILES: FileTree = {
  "package.json": JSON.stringify({ name: "shop", private: true }),
  "bunseal.json": JSON.stringify({
    service: "shop",
    builds: {
      // written out of order: the artifact must not depend on the file's key order
      server: { entrypoints: ["src/server.ts"], target: "bun", sourcemap: "linked" },
      client: { entrypoints: ["web/index.html"], target: "browser", minify: true },
    },
  }),
  "src/shared.ts": "export const greeting = (name: string) => `hello, ${name}`;\n",
  "src/server.ts": 'import info from "bunseal:build-info";\nimport { greeting } from "./shared.ts";\nexport default { fetch: () => new Response(greeting(info.service)) };\n',
  "web/index.html": '<!doctype html>\n<html><head><link rel="stylesheet" href="./style.css"></head><body><script type="module" src="./app.ts"></script></body></html>\n',
  "web/style.css": "body { color: rebeccapurple; }\n",
  "web/app.ts": 'import { greeting } from "../src/shared.ts";\ndocument.body.append(greeting("browser"));\n',
};

let repo: GitRepo;
let keys: TestDir;
const key = () => join(keys.path, "bunseal.key");
const pub = () => join(keys.path, "bunseal.pub");

beforeAll(async () => {
  [repo, keys] = await Promise.all([gitRepo(SERVICE_FILES, { message: "shop" }), makeTempDir("bunseal-builds-keys-")]);
  expect((await runCli(["keygen", "--out", keys.path])).exitCode).toBe(0);
});
afterAll(async () => {
  await Promise.all([repo?.cleanup(), keys?.cleanup()]);
});

describe("several builds per release", () => {
  test("a server and a browser client sign into one artifact, each under its folder, and it verifies", async () => {
    const out = await runCli(["build", repo.path, "--key", key(), "--json"]);
    expect(out.stderr).not.toContain("error");
    expect(out.exitCode).toBe(0);
    const result = out.json();
    const paths: string[] = result.files.map((f: { path: string }) => f.path);
    expect(paths).toContain("server/server.js");
    expect(paths).toContain("server/server.js.map");
    expect(paths).toContain("client/index.html");
    expect(paths.some((p) => /^client\/.+\.js$/.test(p))).toBe(true);
    expect(paths.some((p) => /^client\/.+\.css$/.test(p))).toBe(true);
    expect(paths.every((p) => p.startsWith("server/") || p.startsWith("client/"))).toBe(true);
    expect(paths).toEqual([...paths].sort());

    // every file in the tar is a subject, under its build's folder
    const entries = await listTar(result.artifact.path);
    expect(entries.map((e) => e.path)).toEqual(paths);
    const statement = JSON.parse(Buffer.from((await Bun.file(result.bundle.path).json()).dsseEnvelope.payload, "base64").toString("utf8"));
    const subjects = statement.subject.slice(1).map((s: { name: string; digest: { sha256: string } }) => [s.name, s.digest.sha256]);
    expect(subjects).toEqual(entries.map((e) => [e.path, e.sha256]));

    // the builds are recorded, the single form's fields are not
    const external = statement.predicate.buildDefinition.externalParameters;
    expect(Object.keys(external.builds).sort()).toEqual(["client", "server"]);
    expect(external.builds.client).toMatchObject({ entrypoints: ["web/index.html"], target: "browser", minify: true });
    expect(external.entrypoints).toBeUndefined();
    expect(external.build).toBeUndefined();
    // both builds' modules are inputs, the shared one once
    const inputs = statement.predicate.buildDefinition.resolvedDependencies.map((d: { name: string }) => d.name);
    for (const path of ["src/server.ts", "src/shared.ts", "web/index.html", "web/app.ts", "web/style.css"]) expect(inputs.filter((n: string) => n === path)).toEqual([path]);

    // the server is a Bun build with the build-info module, the client a browser bundle
    const server = entries.find((e) => e.path === "server/server.js")!;
    expect(server).toBeDefined();

    const verify = await runCli(["verify", result.artifact.path, "--key", pub(), "--commit", repo.commit, "--service", "shop", "--json"]);
    expect(verify.stderr).toBe("");
    expect(verify.exitCode).toBe(0);
    expect(verify.json().verified).toBe(true);
    // one file from the client alone verifies against the same bundle
    const client = result.files.find((f: { path: string }) => f.path === "client/index.html");
    expect((await runCli(["verify", client.digest, "--bundle", result.bundle.path, "--key", pub()])).exitCode).toBe(0);

    // rebuilt from the recorded commit, it is the same artifact
    const rebuild = await runCli(["rebuild", result.bundle.path, "--key", pub(), "--json"]);
    expect(rebuild.stderr).not.toContain("NOT REPRODUCIBLE");
    expect(rebuild.exitCode).toBe(0);
    expect(rebuild.json().reproducible).toBe(true);
    expect(rebuild.json().artifact.rebuilt).toBe(result.artifact.digest);
  });

  test("the same commit gives the same artifact twice", async () => {
    const first = (await runCli(["build", repo.path, "--no-sign", "--json"])).json();
    const second = (await runCli(["build", repo.path, "--no-sign", "--json"])).json();
    expect(second.artifact.digest).toBe(first.artifact.digest);
  });

  test("check raises no false alarm on a project of several builds", async () => {
    const out = await runCli(["check", repo.path, "--json", "--runs", "2"]);
    if (out.exitCode > 1) throw new Error(`check failed to run (exit ${out.exitCode}):\n${out.stderr}`);
    const report = out.json();
    expect(report.causes).toEqual([]);
    expect(out.exitCode).toBe(0);
    expect(report.reproducible).toBe(true);
  });

  test("a failing build names itself", async () => {
    await using broken = await gitRepo({ ...SERVICE_FILES, "web/app.ts": 'import "./missing.ts";\n' });
    const out = await runCli(["build", broken.path, "--no-sign"]);
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toContain("builds.client:");
    expect(out.stderr).toContain("missing.ts");
  });
});

describe("the config takes one form or the other", () => {
  const refused = async (config: unknown) => {
    await using dir = await testdir({ "bunseal.json": JSON.stringify(config) });
    // awaited here: the folder is removed when this function returns
    return await rejection(loadConfig(dir.path));
  };
  const server = { entrypoints: ["src/server.ts"] };

  test.each([
    ["both entrypoints and builds", { service: "svc", entrypoints: ["a.ts"], builds: { server } }, "entrypoints", 'either "builds" or "entrypoints" with "build"'],
    ["both build and builds", { service: "svc", build: { target: "bun" }, builds: { server } }, "build", 'either "builds" or "entrypoints" with "build"'],
    ["neither entrypoints nor builds", { service: "svc" }, "entrypoints", '"builds" instead'],
    ["build alone", { service: "svc", build: { target: "browser" } }, "entrypoints", "(the field is required)"],
    ["no builds at all", { service: "svc", builds: {} }, "builds", "at least one build"],
    ["a build name with a slash", { service: "svc", builds: { "a/b": server } }, "builds.a/b", "build name"],
    ["a build name starting with a dot", { service: "svc", builds: { ".x": server } }, "builds..x", "build name"],
    ["a build without entrypoints", { service: "svc", builds: { server: { target: "bun" } } }, "builds.server.entrypoints", "(the field is required)"],
    ["a build's unknown option", { service: "svc", builds: { server: { ...server, minfy: true } } }, "builds.server.minfy", "no such key"],
    ["a build's repeated entrypoint", { service: "svc", builds: { server: { entrypoints: ["a.ts", "a.ts"] } } }, "builds.server.entrypoints[1]", "each entry once"],
  ])("refuses %s, naming the field", async (_name, config, field, expected) => {
    const error = await refused(config);
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.field).toBe(field);
    expect(error.message).toContain(`${field}: expected`);
    expect(error.message).toContain(expected);
  });

  test("a statement with both forms is not one of ours; one of the single form still parses", () => {
    const common = {
      service: "svc",
      config: { source: "bunseal.json", digest: `sha256:${"0".repeat(64)}` },
      featureFlags: {},
      contracts: null,
      template: null,
      source: { uri: "git+https://example.test/x@refs/heads/main", commit: "a".repeat(40), ref: null, subdir: "", dirty: false, changedPaths: [] },
    };
    expect(ExternalParametersSchema.safeParse({ ...common, entrypoints: ["a.ts"], build: {} }).success).toBe(true);
    expect(ExternalParametersSchema.safeParse({ ...common, builds: { server: { entrypoints: ["a.ts"] } } }).success).toBe(true);
    expect(ExternalParametersSchema.safeParse({ ...common, entrypoints: ["a.ts"], build: {}, builds: { server: { entrypoints: ["a.ts"] } } }).success).toBe(false);
    expect(ExternalParametersSchema.safeParse(common).success).toBe(false);
  });
});

describe("the single form is unchanged", () => {
  // Measured by building these projects at 3425228, the commit before `builds`
  // existed: the artifact's bytes must not move. The config digests moved once,
  // when the defaults became Bun.build's and were written into the config
  // (chunk and asset names): the same bytes, a config that now says more.
  test("a small project's artifact and config digest are what they were", async () => {
    await using small = await gitRepo({
      "package.json": JSON.stringify({ name: "small" }),
      "bunseal.json": JSON.stringify({ service: "small", entrypoints: ["src/a.ts", "src/b.ts"], build: { target: "browser", minify: true } }),
      "src/a.ts": "export const a = 1; console.log(a);\n",
      "src/b.ts": "import { a } from './a.ts'; console.log(a + 1);\n",
    });
    expect(small.commit).toBe("48684028d4df253c5da0de5d8bcbeebfaf26ebd3");
    const result = (await runCli(["build", small.path, "--no-sign", "--json"])).json();
    expect(result.artifact.digest).toBe("sha256:6b2233c1d980d019fcb54645ef27a6b37bce6aafc0db52948dc50c7e5c2989eb");
    const external = (await Bun.file(result.statement.path).json()).predicate.buildDefinition.externalParameters;
    expect(external.config.digest).toBe("sha256:e03db121db51bc124f6c45725c0f5ccc12c201cb47df26db005abad3acc7cd19");
    expect(Object.keys(external).sort()).toEqual(["build", "config", "contracts", "entrypoints", "featureFlags", "service", "source", "template"]);
  });

  // The example service's fixture changed once since (its PUBLIC_API_BASE, which has a default in its code,
  // marked optional in env): a new commit, so build-info's commit in index.js and its map, and nothing else
  // (compared byte for byte when the goldens were taken), and a new config digest.
  test("the example service's artifact and config digest are what they were", async () => {
    await using example = await exampleServiceRepo();
    // moved by issue #22 (was daaefd1d…): the fixture gained a /health route, run, load and runtime budgets
    expect(example.commit).toBe("5a52e54477c9a1472b1232b6cb9b3154e53015a8");
    const result = (await runCli(["build", example.path, "--no-sign", "--json"])).json();
    // moved twice, on purpose, by issue #19: the fixture's new commit (above; was 2a176486…), then its
    // index.js.map's sources relative to dist/, as Bun.build with that outdir writes them (index.js unmoved by that)
    // and by issue #22 (was 68d31418…): that commit, the /health route, and the budgets its build-info module now carries
    expect(result.artifact.digest).toBe("sha256:e7ff753cdcbd02c72f00a3badd0b68b45153e18585e02a913bc3c21506dfb76c");
    const external = (await Bun.file(result.statement.path).json()).predicate.buildDefinition.externalParameters;
    expect(external.config.digest).toBe("sha256:f98d4d1cc30e7f0b3f963b36e3cad1df5afdac473f407df77c4abdd70947f6a0");
    // the config gained run, load and budgets in issue #22, and the build records each of them (the small fixture above has none)
    expect(Object.keys(external).sort()).toEqual(["budgets", "build", "config", "contracts", "entrypoints", "featureFlags", "load", "run", "service", "source", "template"]);
  });
});
