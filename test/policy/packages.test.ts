import { describe, expect, test } from "bun:test";
import { evaluatePolicy } from "../../src/policy/evaluate.ts";
import { KEY_SIGNER, pkg, policy, statement } from "./statements.ts";

const NOW = new Date("2026-01-02T00:00:00Z");

async function results(rules: Record<string, unknown>, packages: ReturnType<typeof pkg>[], rule: string) {
  return evaluatePolicy(await policy(rules), statement({ packages }), KEY_SIGNER, NOW)
    .filter((r) => r.rule === rule)
    .map((r) => ({ passed: r.passed, expected: r.expected, found: r.found }));
}

describe("forbiddenPackages", () => {
  const HONO = { name: "hono", range: "<4.14.0", reason: "CVE-2026-0001" };

  test("a package inside the forbidden semver range fails, naming the version and the reason", async () => {
    const p = await policy({ forbiddenPackages: [HONO] });
    const [hit] = evaluatePolicy(p, statement({ packages: [pkg("hono", "4.13.19")] }), KEY_SIGNER, NOW).filter((r) => r.rule === "forbiddenPackages");
    expect(hit).toEqual({
      rule: "forbiddenPackages",
      passed: false,
      expected: "no hono@<4.14.0 (CVE-2026-0001)",
      found: "hono@4.13.19",
      field: "predicate.buildDefinition.resolvedDependencies[2]",
      message: "forbiddenPackages: hono@4.13.19 is in the forbidden range <4.14.0: CVE-2026-0001",
    });
  });

  test("the same package outside the range passes, and an absent one passes", async () => {
    expect(await results({ forbiddenPackages: [HONO] }, [pkg("hono", "4.14.0")], "forbiddenPackages")).toEqual([{ passed: true, expected: "no hono@<4.14.0 (CVE-2026-0001)", found: "hono@4.14.0" }]);
    expect(await results({ forbiddenPackages: [HONO] }, [pkg("zod", "4.6.7")], "forbiddenPackages")).toEqual([{ passed: true, expected: "no hono@<4.14.0 (CVE-2026-0001)", found: "no hono" }]);
  });

  test("ranges are node-semver ranges: unions, hyphens, x-ranges, prereleases", async () => {
    const ranges = { ">=1.0.0 <1.2.3 || 2.x": ["1.1.0", "2.9.9"], "1.2.3 - 1.4": ["1.3.0"], "~4.13.0": ["4.13.19"], "^0.2.1": ["0.2.9"] } as const;
    for (const [range, inside] of Object.entries(ranges)) {
      for (const version of inside) expect((await results({ forbiddenPackages: [{ name: "x", range }] }, [pkg("x", version)], "forbiddenPackages"))[0]!.passed).toBe(false);
    }
    for (const [range, version] of [[">=1.0.0 <1.2.3 || 2.x", "1.2.3"], ["~4.13.0", "4.14.0"], ["^0.2.1", "0.3.0"], ["<4.14.0", "4.15.0-rc.1"]] as const) {
      expect((await results({ forbiddenPackages: [{ name: "x", range }] }, [pkg("x", version)], "forbiddenPackages"))[0]!.passed).toBe(true);
    }
  });

  test("rejects a prerelease of a vulnerable line, which plain semver matching would let past the range", async () => {
    // Bun.semver.satisfies("4.13.0-beta.1", "<4.14.0") is false: prereleases only match comparators on their own release
    for (const version of ["4.13.0-beta.1", "4.14.0-rc.1"]) {
      expect(await results({ forbiddenPackages: [HONO] }, [pkg("hono", version)], "forbiddenPackages")).toEqual([{ passed: false, expected: "no hono@<4.14.0 (CVE-2026-0001)", found: `hono@${version}` }]);
    }
  });

  test("every copy of a forbidden package is its own result, nested copies named by their path", async () => {
    const packages = [pkg("hono", "4.13.19"), pkg("hono", "4.12.0", { key: "@acme/ui/hono" }), pkg("hono", "4.15.0", { key: "other/hono" })];
    expect(await results({ forbiddenPackages: [HONO] }, packages, "forbiddenPackages")).toEqual([
      { passed: false, expected: "no hono@<4.14.0 (CVE-2026-0001)", found: "hono@4.13.19" },
      { passed: false, expected: "no hono@<4.14.0 (CVE-2026-0001)", found: "hono (@acme/ui/hono)@4.12.0" },
    ]);
  });

  test("a git dependency has no semver version, so it cannot be shown to be safe and fails", async () => {
    const git = pkg("hono", "github:honojs/hono#0123abc", { source: "git", resolved: "git+https://github.com/honojs/hono#0123abc" });
    expect(await results({ forbiddenPackages: [HONO] }, [git], "forbiddenPackages")).toEqual([{ passed: false, expected: "no hono@<4.14.0 (CVE-2026-0001)", found: "hono@github:honojs/hono#0123abc" }]);
  });

  test("each forbidden entry gets its own result, whatever the others found", async () => {
    const rules = { forbiddenPackages: [HONO, { name: "left-pad", range: "*" }, { name: "zod", range: "<4.0.0" }] };
    expect((await results(rules, [pkg("hono", "4.13.19"), pkg("zod", "4.6.7")], "forbiddenPackages")).map((r) => [r.expected, r.passed])).toEqual([
      ["no hono@<4.14.0 (CVE-2026-0001)", false],
      ["no left-pad@*", true],
      ["no zod@<4.0.0", true],
    ]);
  });
});

describe("installScriptsAllowed", () => {
  const esbuild = pkg("esbuild", "0.25.0", { installScripts: true, trusted: true });
  const sharp = pkg("sharp", "0.34.0", { installScripts: true, trusted: true });
  const blocked = pkg("bufferutil", "4.0.9", { installScripts: true, trusted: false });

  test("a listed package may run its install scripts", async () => {
    expect(await results({ installScriptsAllowed: ["esbuild"] }, [esbuild, blocked], "installScriptsAllowed")).toEqual([{ passed: true, expected: "install scripts only from esbuild", found: "esbuild" }]);
  });

  test("each trusted package with install scripts that the policy does not list fails", async () => {
    expect(await results({ installScriptsAllowed: ["esbuild"] }, [esbuild, sharp, pkg("other", "1.0.0", { installScripts: true, trusted: true })], "installScriptsAllowed")).toEqual([
      { passed: false, expected: "install scripts only from esbuild", found: "sharp (installScripts, trusted)" },
      { passed: false, expected: "install scripts only from esbuild", found: "other (installScripts, trusted)" },
    ]);
  });

  test("scripts Bun was not allowed to run do not count; [] means no package may run any", async () => {
    expect(await results({ installScriptsAllowed: [] }, [blocked], "installScriptsAllowed")).toEqual([{ passed: true, expected: "no package running install scripts", found: "none ran install scripts" }]);
    expect((await results({ installScriptsAllowed: [] }, [esbuild], "installScriptsAllowed"))[0]!.passed).toBe(false);
  });
});
