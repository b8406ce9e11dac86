/** What a build that cannot be made says, and where. */
import { describe, expect, test } from "bun:test";
import { defaultContext } from "../../src/context.ts";
import { buildArtifact } from "../../src/pipeline/build.ts";
import { planBuild } from "../../src/build/plan.ts";
import { ConfigSchema } from "../../src/config/schema.ts";
import { gitRepo } from "../helpers/git.ts";

const ENV = { PATH: "/usr/local/bin:/usr/bin:/bin" };

describe("build option errors", () => {
  test("a macro's own exception is reported with its file:line, not Bun's coerce message", async () => {
    await using repo = await gitRepo({
      "src/macro.ts": `export function price(): string {\n  throw new Error("price table missing");\n}\n`,
      "src/index.ts": `import { price } from "./macro.ts" with { type: "macro" };\nconsole.log(price());\n`,
      "bunseal.json": JSON.stringify({ service: "macro-fails", entrypoints: ["src/index.ts"] }),
    });
    const error = await buildArtifact({ projectDir: repo.path, tracer: "untraced" }, defaultContext({ env: ENV })).then(() => undefined, (e) => e);
    expect(error.code).toBe("BUILD_FAILED");
    expect(error.message).toContain("src/index.ts:2:13: macro price() threw Error: price table missing (at src/macro.ts:2:");
  });

  test("refuses a compile target other than this machine's (its base executable would come from the network)", () => {
    const config = ConfigSchema.parse({ service: "x", entrypoints: ["src/index.ts"], build: { compile: "bun-windows-x64" } });
    const plan = () => planBuild({ projectDir: "/p", stagingName: "s", outDir: "/p/out", config, commit: "0".repeat(40), commitTime: 0, lockfileDigest: null, bunVersion: "1.4.5", hostEnv: {}, hostCompileTarget: "bun-linux-x64" });
    expect(plan).toThrow(expect.objectContaining({ code: "COMPILE_TARGET_UNSUPPORTED", field: "build.compile" }));
  });

  test("options added later stay absent when not written; the names of chunks and assets are resolved, as Bun.build's", () => {
    const build = ConfigSchema.parse({ service: "x", entrypoints: ["a.ts"] }).build;
    // issue #19: the defaults are Bun.build's and written into the config, so the statement records what was built
    // (a statement from before rebuilds with what it recorded: test/rebuild/old-defaults.test.ts)
    expect(Object.keys(build).sort()).toEqual(["define", "external", "format", "minify", "naming", "sourcemap", "splitting", "target"]);
    expect(build.naming).toEqual({ chunk: "chunk-[hash].[ext]", asset: "[name]-[hash].[ext]" });
  });
});
