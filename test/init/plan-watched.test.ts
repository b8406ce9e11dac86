/** The config made from what a build script was seen to do: layout, names, and what it cannot hold. Pure. */
import { describe, expect, test } from "bun:test";
import { otherBuns, planWatched } from "../../src/init/plan-watched.ts";
import type { ObservedEvent } from "../../src/init/observed.ts";
import { rejection } from "../helpers/expect-error.ts";

const call = (outdir: string | undefined, options: Record<string, unknown> = {}, outputs: string[] = [], site = "build.ts:1"): ObservedEvent => ({ kind: "build", site, options: { entrypoints: ["./src/index.ts"], ...(outdir ? { outdir } : {}), ...options }, plugins: [], ...(outdir ? { outdir } : {}), outputs });

describe("planWatched", () => {
  test("one call: the single form, Bun.build's defaults written where bunseal.json's differ, throw and outdir left out", () => {
    const plan = planWatched({ service: "@acme/web", script: "build", events: [call("dist", { throw: true, minify: true }, ["dist/index.js"])] });
    expect(plan.config).toMatchObject({ service: "web", entrypoints: ["src/index.ts"], build: { target: "browser", minify: true, naming: { chunk: "chunk-[hash].[ext]", asset: "[name]-[hash].[ext]" } } });
    expect(plan.config.build).not.toHaveProperty("throw");
    expect([...plan.layout]).toEqual([["index.js", "dist/index.js"]]);
  });

  test("calls whose outdirs are not one folder each under a common one are named build-N, and the note says where the outputs go", () => {
    const plan = planWatched({ service: "x", script: "build", events: [call("dist", {}, ["dist/index.js"], "build.ts:1"), call("dist/esm", {}, ["dist/esm/index.js"], "build.ts:9")] });
    expect(Object.keys(plan.config.builds!)).toEqual(["build-1", "build-2"]);
    expect(plan.untranslated).toContainEqual({ script: "build", token: "build.ts:1, build.ts:9", reason: expect.stringContaining("built as build-1, build-2") });
    expect(plan.layout.get("build-2/index.js")).toBe("dist/esm/index.js");
  });

  test("a file written from data, one outside the out folder and one written over an output are named, not copied", () => {
    const plan = planWatched({
      service: "x",
      script: "build",
      events: [
        call("dist", {}, ["dist/index.js"]),
        { kind: "write", site: "build.ts:5", to: "dist/version.txt" },
        { kind: "write", site: "build.ts:6", to: "meta.json", from: "package.json" },
        { kind: "write", site: "build.ts:7", to: "dist/index.js", from: "src/index.ts" },
        { kind: "write", site: "build.ts:8", to: "dist/static/logo.svg", from: "public/logo.svg" },
      ],
    });
    expect(plan.config.copy).toEqual([{ from: "public/logo.svg", to: "static/logo.svg" }]);
    expect(plan.untranslated.map((u) => u.token)).toEqual(["build.ts:5", "build.ts:6", "build.ts:7"]);
    expect(plan.untranslated[0]!.reason).toContain("from data the script made");
  });

  test("an option JSON cannot hold is named against the call, never written", () => {
    const plan = planWatched({ service: "x", script: "build", events: [call("dist", { define: { A: { "bunseal:unexpressible": "a function" } } }, ["dist/index.js"], "scripts/b.ts:3")] });
    expect(plan.config.build).not.toHaveProperty("define.A");
    expect(plan.untranslated).toContainEqual({ script: "build", token: "scripts/b.ts:3", reason: expect.stringContaining("build option define is a function") });
  });

  test("a script that never calls Bun.build with an outdir: BUILD_SCRIPT_NOT_FOUND", async () => {
    const error = await rejection((async () => planWatched({ service: "x", script: "build", events: [call(undefined)] }))());
    expect(error.code).toBe("BUILD_SCRIPT_NOT_FOUND");
    expect(error.message).toBe('package.json: script "build" ran, but expected it to call Bun.build with an outdir in the project, got 1 call(s) without one');
  });
});

describe("otherBuns", () => {
  test("a call made by another Bun than bunseal's (the project's own, from node_modules/.bin) is named once, with where it is", () => {
    const event = (site: string, version: string): ObservedEvent => ({ ...(call("dist", {}, [], site) as Extract<ObservedEvent, { kind: "build" }>), bun: { version, path: "/p/node_modules/bun/bin/bun.exe" } });
    expect(otherBuns([event("build.ts:3", "1.3.9"), event("build.ts:9", "1.3.9"), event("build.ts:12", "1.4.5")], "1.4.5", "/p", "build")).toEqual([
      { script: "build", token: "build.ts:9: Bun 1.3.9", reason: "the script's Bun.build ran on Bun 1.3.9 (node_modules/bun/bin/bun.exe), and bunseal builds with Bun 1.4.5: a file that differs below may differ by the Bun alone" },
    ]);
  });
});
