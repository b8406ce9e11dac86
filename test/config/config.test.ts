import { describe, expect, test } from "bun:test";
import { loadConfig } from "../../src/config/load.ts";
import { BunsealError } from "../../src/errors.ts";
import { testdir } from "../helpers/testdir.ts";

const valid = { service: "svc", entrypoints: ["src/index.ts"] };

async function rejection(files: Record<string, string>): Promise<BunsealError> {
  const dir = await testdir(files);
  try {
    await loadConfig(dir.path);
  } catch (error) {
    return error as BunsealError;
  } finally {
    await dir.cleanup();
  }
  throw new Error("expected the config to be rejected");
}

describe("config: bad input stops the run and says where", () => {
  test.each([
    ["an unknown key", { ...valid, minfy: true }, "minfy", "no such key"],
    ["an unknown nested key", { ...valid, build: { minify: true, sourcemaps: "external" } }, "build.sourcemaps", "no such key"],
    ["a wrong type", { ...valid, build: { minify: "yes" } }, "build.minify", "one of: boolean, object"],
    ["a wrong enum value", { ...valid, build: { target: "deno" } }, "build.target", 'one of "bun", "node", "browser"'],
    ["a missing service", { entrypoints: ["a.ts"] }, "service", "(the field is required)"],
    ["a missing entrypoints", { service: "svc" }, "entrypoints", "(the field is required)"],
    ["no entrypoints", { service: "svc", entrypoints: [] }, "entrypoints", "at least 1 entry"],
    ["an entrypoint outside the project", { service: "svc", entrypoints: ["../x.ts"] }, "entrypoints[0]", "without '..'"],
    ["a bad env name", { ...valid, env: ["PUBLIC-API"] }, "env[0]", "environment variable name"],
    ["a secret the build could see", { ...valid, env: ["TOKEN"], secrets: ["TOKEN"] }, "secrets[0]", 'not also listed in "env"'],
    ["a duplicate entrypoint", { service: "svc", entrypoints: ["a.ts", "a.ts"] }, "entrypoints[1]", "each entry once"],
    ["a negative budget", { ...valid, budgets: { maxArtifactBytes: -1 } }, "budgets.maxArtifactBytes", "at least"],
    ["contracts without telemetryContract", { ...valid, contracts: { schemaVersion: "1" } }, "contracts.telemetryContract", "required"],
  ])("rejects %s", async (_name, config, field, expected) => {
    const error = await rejection({ "bunseal.json": JSON.stringify(config) });
    expect(error).toBeInstanceOf(BunsealError);
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.kind).toBe("input");
    expect(error.file).toBe("bunseal.json");
    expect(error.field).toBe(field);
    expect(error.message).toContain(`bunseal.json`);
    expect(error.message).toContain(`${field}: expected`);
    expect(error.message).toContain(expected);
  });

  test("reports every problem, not only the first", async () => {
    const error = await rejection({ "bunseal.json": JSON.stringify({ service: 3, entrypoints: [], extra: 1 }) });
    expect(error.message).toContain("3 problems");
    expect(error.message).toContain("service: expected a value of type string, got number 3");
    expect(error.message).toContain("extra: expected no such key");
  });

  test("names the file when the JSON does not parse", async () => {
    const error = await rejection({ "bunseal.json": '{"service": "x",' });
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toStartWith("bunseal.json: expected valid JSON");
  });

  test("refuses two configurations at once", async () => {
    const error = await rejection({ "bunseal.json": JSON.stringify(valid), "package.json": JSON.stringify({ name: "x", bunseal: valid }) });
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toContain("both bunseal.json and");
  });

  test("prefixes fields inside package.json#bunseal", async () => {
    const error = await rejection({ "package.json": JSON.stringify({ name: "x", bunseal: { ...valid, build: { format: "umd" } } }) });
    expect(error.file).toBe("package.json");
    expect(error.field).toBe("bunseal.build.format");
  });

  test("fails with CONFIG_NOT_FOUND in a folder that is no project", async () => {
    const error = await rejection({ "README.md": "hi" });
    expect(error.code).toBe("CONFIG_NOT_FOUND");
  });
});

describe("config: defaults", () => {
  test("with no config, takes the service from package.json and the entry from module", async () => {
    await using dir = await testdir({ "package.json": JSON.stringify({ name: "@acme/orders", module: "./src/main.ts" }), "src/main.ts": "export {};" });
    const loaded = await loadConfig(dir.path);
    expect(loaded.source).toBe("package.json (defaults)");
    expect(loaded.config.service).toBe("orders");
    expect(loaded.config.entrypoints).toEqual(["src/main.ts"]);
    // Bun.build's defaults, written down: chunk and asset names as Bun.build gives them, no entry template
    expect(loaded.config.build).toEqual({ target: "browser", format: "esm", minify: false, sourcemap: "none", splitting: false, external: [], define: {}, naming: { chunk: "chunk-[hash].[ext]", asset: "[name]-[hash].[ext]" } });
    expect(loaded.config.outDir).toBe(".bunseal/out");
  });

  test("falls back to src/index.ts", async () => {
    await using dir = await testdir({ "package.json": JSON.stringify({ name: "svc" }), "src/index.ts": "export {};" });
    expect((await loadConfig(dir.path)).config.entrypoints).toEqual(["src/index.ts"]);
  });

  test("the digest ignores formatting and key order but not values", async () => {
    await using a = await testdir({ "bunseal.json": JSON.stringify({ service: "s", entrypoints: ["a.ts"], featureFlags: { x: true, y: false } }) });
    await using b = await testdir({ "bunseal.json": JSON.stringify({ featureFlags: { y: false, x: true }, entrypoints: ["a.ts"], service: "s" }, null, 4) });
    await using c = await testdir({ "bunseal.json": JSON.stringify({ service: "s", entrypoints: ["a.ts"], featureFlags: { x: true, y: true } }) });
    const [da, db, dc] = await Promise.all([loadConfig(a.path), loadConfig(b.path), loadConfig(c.path)]);
    expect(da.digest).toBe(db.digest);
    expect(da.digest).not.toBe(dc.digest);
  });
});
