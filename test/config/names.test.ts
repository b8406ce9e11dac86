/**
 * Issue 8, attack 7 and item 5: one name pattern for services and
 * environments, wherever a name enters, since a name becomes a file name.
 */
import { describe, expect, test } from "bun:test";
import { loadConfig } from "../../src/config/load.ts";
import { assertName, isValidName } from "../../src/config/names.ts";
import { BunsealError } from "../../src/errors.ts";
import { testdir } from "../helpers/testdir.ts";

describe("service and environment names", () => {
  test.each(["control", "api-v2", "web_1", "prod.eu", "A", "a".repeat(100)])("accepts %j", (name) => {
    expect(isValidName(name)).toBe(true);
    expect(assertName(name, "--env")).toBe(name);
  });

  test.each(["", "..", ".hidden", "-flag", "a/b", "../../svc", "/../../../x", "a\\b", "prod\n", "é", "a b", "a".repeat(101)])("rejects %j (a path, a hidden file, or no file name at all) with NAME_INVALID naming the field", (name) => {
    let error: unknown;
    try {
      assertName(name, "--env");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(BunsealError);
    expect((error as BunsealError).code).toBe("NAME_INVALID");
    expect((error as BunsealError).kind).toBe("input");
    expect((error as BunsealError).field).toBe("--env");
    expect((error as BunsealError).message).toContain("^[A-Za-z0-9]");
  });

  test("a config whose service is a path is CONFIG_INVALID at the service field", async () => {
    await using dir = await testdir({ "bunseal.json": JSON.stringify({ service: "../../svc", entrypoints: ["src/index.ts"] }), "src/index.ts": "export {};\n" });
    let error: unknown;
    try {
      await loadConfig(dir.path);
    } catch (caught) {
      error = caught;
    }
    expect((error as BunsealError).code).toBe("CONFIG_INVALID");
    expect((error as BunsealError).field).toBe("service");
  });
});
