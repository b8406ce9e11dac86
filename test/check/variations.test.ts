/**
 * planVariations is pure: what each variation does to the build, worked out
 * without a disk or a build.
 */
import { describe, expect, test } from "bun:test";
import { planVariations, VARIATION_NAMES, type VariationName } from "../../src/check/variations.ts";

const everywhere = new Map<VariationName, string | true>(VARIATION_NAMES.map((n) => [n, true]));
const tools = { faketime: "/opt/probed/faketime", unshare: "/opt/probed/unshare", setpriv: "/opt/probed/setpriv", sh: "/opt/probed/sh" };
const plan = (names: VariationName[], available = everywhere) => planVariations(names, { allowedEnv: new Map(), multipleEntrypoints: true, available, tools, outDir: "/check/out-x" });

describe("planVariations", () => {
  test("a wrapper runs the tool the probe found on bunseal's PATH, not one the build's fixed PATH would find", () => {
    expect(plan(["clock"]).build.wrapper).toEqual(["/opt/probed/faketime", "-f", "+397d"]);
    expect(plan(["umask"]).build.wrapper?.[0]).toBe("/opt/probed/sh");
  });

  test("the user variation hands only this build's out folder to uid 65534, as root, before setpriv switches", () => {
    const wrapper = plan(["user"]).build.wrapper ?? [];
    expect(wrapper.slice(0, 5)).toEqual(["/opt/probed/sh", "-c", 'chown -R "$0" "$1" && shift && exec "$@"', "65534:65534", "/check/out-x"]);
    expect(wrapper.slice(5)).toEqual(["/opt/probed/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]);
  });

  test("a variation the probe marked unavailable changes nothing, even when asked for", () => {
    const noClock = new Map(everywhere).set("clock", "faketime is not on PATH");
    expect(plan(["clock"], noClock).build.wrapper).toBeUndefined();
    expect(plan(["clock"], noClock).notes).toEqual([]);
  });
});
