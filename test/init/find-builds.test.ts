/** Finding bun build in package.json scripts: shell quoting, chains, prefixes and indirection. */
import { describe, expect, test } from "bun:test";
import { findBuilds } from "../../src/init/find-builds.ts";
import { splitScript } from "../../src/init/shell-words.ts";

describe("splitScript", () => {
  test("splits at && || ; | and keeps quoted operators and blanks inside a word", () => {
    const commands = splitScript(`A=1 cross-env B="x y" bun build 'a && b.ts' --banner="say \\"hi\\"" && echo ok || true; c | d`);
    expect(commands.map((c) => c.words)).toEqual([["bun", "build", "a && b.ts", '--banner=say "hi"'], ["echo", "ok"], ["true"], ["c"], ["d"]]);
    expect(commands[0]!.env).toEqual({ A: "1", B: "x y" });
  });

  test("a quoted NAME=value is an argument, not an assignment; $VAR is flagged", () => {
    const [command] = splitScript(`"A=1" bun build $ENTRY`);
    expect(command!.env).toEqual({});
    expect(command!.words).toEqual(["A=1", "bun", "build", "$ENTRY"]);
    expect(command!.expands).toBe(true);
  });
});

describe("findBuilds", () => {
  test("follows bun run, bun X, npm run and bunx to the bundler, the build script first, each script once", () => {
    const scan = findBuilds({
      scripts: {
        "build:b": "bunx bun build src/b.ts",
        build: "npm run build:a && bun build:b",
        "build:a": "bun --bun run build:c",
        "build:c": "bun build src/a.ts && bun run build",
      },
    });
    expect(scan.builds.map((b) => [b.script, b.via, b.args])).toEqual([
      ["build:c", ["build", "build:a", "build:c"], ["src/a.ts"]],
      ["build:b", ["build", "build:b"], ["src/b.ts"]],
    ]);
  });

  test("a Bun.build script run by the build script is noted; a dev server run by dev is not", () => {
    const scan = findBuilds({ scripts: { dev: "bun --hot src/index.ts", build: "bun run scripts/build.ts" } });
    expect(scan.builds).toEqual([]);
    expect(scan.notes.map((n) => [n.script, n.token])).toEqual([["build", "bun run scripts/build.ts"]]);
  });
});
