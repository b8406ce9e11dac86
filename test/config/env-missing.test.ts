/**
 * A variable the config's env lists but the shell lacks stops the build
 * (ENV_MISSING, exit 2) before anything runs: built without it, the output
 * would inline `undefined` where the value belongs (a development build,
 * signed with no warning). A variable the config marks optional may be absent.
 */
import { describe, expect, test } from "bun:test";
import { runCli } from "../helpers/cli.ts";
import { gitRepo } from "../helpers/git.ts";

const FILES = { "src/index.ts": `console.log(process.env.PUBLIC_API, process.env.PUBLIC_FLAVOUR);\n` };
const config = (env: unknown[]) => JSON.stringify({ service: "envs", entrypoints: ["src/index.ts"], env, build: { env: "inline" } });

/** The CLI with these variables set. */
async function build(dir: string, env: Record<string, string> = {}) {
  return runCli(["build", dir, "--no-sign", "--json"], { env });
}

describe("env: a listed variable absent at build time", () => {
  test("is ENV_MISSING, exit 2, naming each absent variable and the config's env", async () => {
    await using repo = await gitRepo({ ...FILES, "bunseal.json": config(["PUBLIC_API", "PUBLIC_FLAVOUR"]) });
    // unset, not empty: the child is started with them removed
    const out = await runCli(["build", repo.path, "--no-sign", "--json"], { env: { PUBLIC_API: undefined, PUBLIC_FLAVOUR: undefined } as unknown as Record<string, string> });
    expect(out.exitCode).toBe(2);
    const { error } = out.json() as { error: { code: string; message: string; field: string; file: string } };
    expect(error.code).toBe("ENV_MISSING");
    expect(error.field).toBe("env");
    expect(error.file).toBe("bunseal.json");
    expect(error.message).toContain("PUBLIC_API");
    expect(error.message).toContain("PUBLIC_FLAVOUR");
    expect(error.message).toStartWith("bunseal.json: env lists PUBLIC_API, PUBLIC_FLAVOUR, which are not set");
    expect(error.message).toContain('{"name": "PUBLIC_API", "optional": true}');
  });

  test("set, even to an empty value, builds", async () => {
    await using repo = await gitRepo({ ...FILES, "bunseal.json": config(["PUBLIC_API", "PUBLIC_FLAVOUR"]) });
    const out = await build(repo.path, { PUBLIC_API: "https://api.example", PUBLIC_FLAVOUR: "" });
    expect(out.exitCode).toBe(0);
  });

  test("marked optional, may be absent; the others must still be set", async () => {
    await using repo = await gitRepo({ ...FILES, "bunseal.json": config(["PUBLIC_API", { name: "PUBLIC_FLAVOUR", optional: true }]) });
    const unset = { PUBLIC_FLAVOUR: undefined } as unknown as Record<string, string>;
    const built = await runCli(["build", repo.path, "--no-sign", "--json"], { env: { PUBLIC_API: "https://api.example", ...unset } });
    expect(built.exitCode).toBe(0);
    const refused = await runCli(["build", repo.path, "--no-sign", "--json"], { env: { PUBLIC_API: undefined, ...unset } as unknown as Record<string, string> });
    expect(refused.exitCode).toBe(2);
    const { error } = refused.json() as { error: { code: string; message: string } };
    expect(error.code).toBe("ENV_MISSING");
    expect(error.message).toContain("PUBLIC_API");
    expect(error.message).not.toContain("PUBLIC_FLAVOUR");
  });
});
