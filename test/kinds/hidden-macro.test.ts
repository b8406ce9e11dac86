/**
 * Issue #19, item 9: a macro module the sandbox hides because git ignores it
 * failed as `"MacroLoadError" error in macro` (an ignored file, masked) or
 * `Macro "…" not found` (an ignored folder, masked), with no word of why.
 * The failure names the module, the reason and the fix; a module that is
 * simply missing is not said to be hidden.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { runCli } from "../helpers/cli.ts";
import { gitRepo } from "../helpers/git.ts";

setDefaultTimeout(60_000);

const MACRO = "export function answer(): number {\n  return 42;\n}\n";
const build = async (dir: string) => {
  const out = await runCli(["build", dir, "--no-sign", "--json"]);
  return { exitCode: out.exitCode, error: out.json().error as { code: string; message: string } };
};

describe("a macro module the build cannot see", () => {
  test("an ignored macro file is named as hidden because git ignores it, with the fix", async () => {
    await using repo = await gitRepo({
      ".gitignore": "src/*.gen.ts\n",
      "src/answer.gen.ts": MACRO,
      "src/index.ts": 'import { answer } from "./answer.gen.ts" with { type: "macro" };\nconsole.log(answer());\n',
      "bunseal.json": JSON.stringify({ service: "hidden-macro", entrypoints: ["src/index.ts"] }),
    });
    const { exitCode, error } = await build(repo.path);
    expect(exitCode).toBe(1);
    expect(error.code).toBe("BUILD_FAILED");
    // the writable layer removes the ignored file: Bun finds no module, and bunseal, outside, says why
    expect(error.message).toContain('src/index.ts:1:24: Macro "./answer.gen.ts" not found: macro module src/answer.gen.ts is hidden from the build because git ignores it');
    expect(error.message).toContain('commit it, or, when it is generated before the build, make it in the config\'s "prebuild" or list it in "inputs.extra"');
  });

  test("imported without its extension, the ignored file is found as Bun's resolver finds it", async () => {
    await using repo = await gitRepo({
      ".gitignore": "src/*.gen.ts\n",
      "src/answer.gen.ts": MACRO,
      "src/index.ts": 'import { answer } from "./answer.gen" with { type: "macro" };\nconsole.log(answer());\n',
      "bunseal.json": JSON.stringify({ service: "hidden-macro-noext", entrypoints: ["src/index.ts"] }),
    });
    const { error } = await build(repo.path);
    expect(error.code).toBe("BUILD_FAILED");
    expect(error.message).toContain("macro module src/answer.gen.ts is hidden from the build because git ignores it");
  });

  test("a macro in an ignored folder is named the same way", async () => {
    await using repo = await gitRepo({
      ".gitignore": "generated/\n",
      "generated/answer.ts": MACRO,
      "src/index.ts": 'import { answer } from "../generated/answer.ts" with { type: "macro" };\nconsole.log(answer());\n',
      "bunseal.json": JSON.stringify({ service: "hidden-macro-dir", entrypoints: ["src/index.ts"] }),
    });
    const { error } = await build(repo.path);
    expect(error.code).toBe("BUILD_FAILED");
    expect(error.message).toContain("macro module generated/answer.ts is hidden from the build because git ignores it");
  });

  test("a macro module that does not exist is not said to be hidden", async () => {
    await using repo = await gitRepo({
      "src/index.ts": 'import { answer } from "./missing.ts" with { type: "macro" };\nconsole.log(answer());\n',
      "bunseal.json": JSON.stringify({ service: "missing-macro", entrypoints: ["src/index.ts"] }),
    });
    const { error } = await build(repo.path);
    expect(error.code).toBe("BUILD_FAILED");
    expect(error.message).toContain('Macro "./missing.ts" not found');
    expect(error.message).not.toContain("hidden");
  });
});
