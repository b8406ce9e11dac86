/** `bunseal init` through the real CLI: what it writes, what it refuses, and its outputs. */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import { runCli } from "../helpers/cli.ts";
import { testdir } from "../helpers/testdir.ts";

const PKG = JSON.stringify({ name: "@acme/api", scripts: { build: "bun build src/index.ts --target bun --outdir dist --minify" } });

describe("bunseal init", () => {
  test("writes a bunseal.json that bunseal itself loads, and names what it did not translate", async () => {
    await using dir = await testdir({ "package.json": PKG, "src/index.ts": "export {};\n" });
    const result = await runCli(["init", dir.path]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`wrote ${join(dir.path, "bunseal.json")}`);
    expect(result.stdout).toContain("build: --outdir dist: bunseal writes the outputs into its own artifact");
    const loaded = await loadConfig(dir.path);
    expect(loaded.source).toBe("bunseal.json");
    expect(loaded.config).toMatchObject({ service: "api", entrypoints: ["src/index.ts"], build: { target: "bun", minify: true, format: "esm" } });
  });

  test("refuses to overwrite an existing bunseal.json (exit 2, naming it) and leaves it as it was", async () => {
    await using dir = await testdir({ "package.json": PKG, "bunseal.json": "{ \"mine\": true }\n" });
    const result = await runCli(["init", dir.path, "--json"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`bunseal: CONFIG_EXISTS: ${join(dir.path, "bunseal.json")} already exists`);
    expect(result.json().error).toMatchObject({ code: "CONFIG_EXISTS", file: join(dir.path, "bunseal.json") });
    expect(await Bun.file(join(dir.path, "bunseal.json")).text()).toBe("{ \"mine\": true }\n");
  });

  test("--force replaces it", async () => {
    await using dir = await testdir({ "package.json": PKG, "bunseal.json": "{}\n" });
    expect((await runCli(["init", dir.path, "--force"])).exitCode).toBe(0);
    expect(JSON.parse(await Bun.file(join(dir.path, "bunseal.json")).text()).service).toBe("api");
  });

  test("--dry-run --json prints {config, path, untranslated} and writes nothing", async () => {
    await using dir = await testdir({ "package.json": PKG });
    const result = await runCli(["init", dir.path, "--dry-run", "--json"]);
    expect(result.exitCode).toBe(0);
    const out = result.json();
    expect(Object.keys(out)).toEqual(["config", "path", "untranslated"]);
    expect(out.path).toBe(join(dir.path, "bunseal.json"));
    expect(out.config.build.target).toBe("bun");
    expect(out.untranslated).toEqual([{ script: "build", token: "--outdir dist", reason: expect.stringContaining("bunseal writes the outputs") }]);
    expect(await Bun.file(join(dir.path, "bunseal.json")).exists()).toBe(false);
  });

  test("no bun build in the scripts: exit 2, BUILD_SCRIPT_NOT_FOUND, nothing written", async () => {
    await using dir = await testdir({ "package.json": JSON.stringify({ name: "x", scripts: { build: "tsc" } }) });
    const result = await runCli(["init", dir.path]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("BUILD_SCRIPT_NOT_FOUND: package.json: expected a script that runs bun build, got none");
    expect(await Bun.file(join(dir.path, "bunseal.json")).exists()).toBe(false);
  });
});
