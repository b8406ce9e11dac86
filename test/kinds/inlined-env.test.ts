/**
 * What `bunseal check` may vary of the allowed variables: not the ones the
 * config inlines (`build.env`), whose values are in the output by design.
 * The html-app kind showed the false alarm: check's env variation gave
 * BUN_PUBLIC_API_URL another value and named `env` as a culprit.
 */
import { describe, expect, test } from "bun:test";
import { bunBuildOptions, inlinedEnvNames } from "../../src/build/bun-options.ts";
import { planVariations, VARIATION_NAMES, type VariationName } from "../../src/check/variations.ts";

const everywhere = new Map<VariationName, string | true>(VARIATION_NAMES.map((n) => [n, true]));
const allowedEnv = new Map([
  ["BUN_PUBLIC_API_URL", "https://api.kinds.example"],
  ["BUILD_LABEL", "ci-42"],
]);

describe("inlinedEnvNames", () => {
  test("a prefix inlines the allowed names that start with it, sorted; inline all of them; disable and none, no name", () => {
    const allowed = ["BUN_PUBLIC_Z", "BUILD_LABEL", "BUN_PUBLIC_A"];
    expect(inlinedEnvNames("BUN_PUBLIC_*", allowed)).toEqual(["BUN_PUBLIC_A", "BUN_PUBLIC_Z"]);
    expect(inlinedEnvNames("inline", allowed)).toEqual(["BUILD_LABEL", "BUN_PUBLIC_A", "BUN_PUBLIC_Z"]);
    expect(inlinedEnvNames("disable", allowed)).toEqual([]);
    expect(inlinedEnvNames(undefined, allowed)).toEqual([]);
  });

  test("Bun.build is given defines for exactly those names, so what check keeps is what the build inlines", () => {
    const options = bunBuildOptions({ target: "browser", env: "BUN_PUBLIC_*" } as Parameters<typeof bunBuildOptions>[0], Object.fromEntries(allowedEnv), [...allowedEnv.keys()]);
    expect(options.define).toEqual({ "process.env.BUN_PUBLIC_API_URL": JSON.stringify("https://api.kinds.example") });
    expect(options.env).toBe("disable");
  });
});

describe("check's env variation", () => {
  const plan = (inlinedEnv?: string[]) => planVariations(["env"], { allowedEnv, inlinedEnv, multipleEntrypoints: false, available: everywhere, tools: {}, outDir: "/check/out-x" });

  test("keeps a variable the config inlines, and still varies the others", () => {
    const varied = plan(inlinedEnvNames("BUN_PUBLIC_*", [...allowedEnv.keys()]));
    expect(varied.build.env).toEqual({ BUILD_LABEL: "ci-42-bunseal-check" });
    expect(varied.notes[0]).toContain("other values for BUILD_LABEL");
    expect(varied.notes[0]).toContain("BUN_PUBLIC_API_URL kept, since build.env inlines it into the output by design");
  });

  test("without build.env, every allowed variable gets another value (a macro reading one is still caught)", () => {
    expect(plan().build.env).toEqual({ BUN_PUBLIC_API_URL: "https://api.kinds.example-bunseal-check", BUILD_LABEL: "ci-42-bunseal-check" });
  });
});
