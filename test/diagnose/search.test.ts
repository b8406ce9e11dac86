/**
 * The factor search (src/diagnose/search.ts) against made-up oracles: which
 * factors move which file is fixed by the test, and the search must find
 * exactly those, within the budget, never building a group twice or a group
 * whose answer the table already gives.
 */
import { describe, expect, test } from "bun:test";
import type { Factor } from "../../src/diagnose/factors.ts";
import { BUILD_FAILS, searchFactors, type Observation } from "../../src/diagnose/search.ts";

const factor = (name: string): Factor => ({ name, kind: "unknown", change: {}, describe: name });
/** as an unprivileged user: no host name, no other user */
const SEVEN = ["build-path", "file-order", "mtime", "clock", "timezone", "locale", "umask"].map(factor);
const NINE = [...SEVEN, factor("hostname"), factor("user")];

/** file → the factors that move it (any one of them is enough); `breaks`: factors under which the build fails */
function oracle(moves: Record<string, string[]>, breaks: string[] = []) {
  const built: string[][] = [];
  const probe = async (group: readonly Factor[]): Promise<Observation | undefined> => {
    const names = group.map((f) => f.name);
    built.push(names);
    if (names.some((n) => breaks.includes(n))) return { group, outcome: new Map(), failed: `broke under ${names.filter((n) => breaks.includes(n)).join(", ")}` };
    return { group, outcome: new Map(Object.entries(moves).map(([file, by]) => [file, by.some((n) => names.includes(n))])) };
  };
  return { built, probe };
}

const found = (implications: { file: string; factor: Factor }[]) => implications.map((i) => `${i.file}:${i.factor.name}`).sort();
const distinct = (built: string[][]) => new Set(built.map((g) => [...g].sort().join("+"))).size;

describe("the factor search reads every answer it has seen", () => {
  test("a readdir that only file-order moves, with a wrong suspect, is found on the fifth build of seven factors", async () => {
    const { built, probe } = oracle({ "index.js": ["file-order"] });
    const result = await searchFactors({ factors: SEVEN, files: ["index.js"], suspects: new Set(["build-path"]), probe });
    expect(found(result.implications)).toEqual(["index.js:file-order"]);
    // all seven; the suspect alone (no); then halves of the other six until one is left
    expect(built[0]).toEqual(SEVEN.map((f) => f.name));
    expect(built[1]).toEqual(["build-path"]);
    expect(built[4]).toEqual(["file-order"]);
    // and one more to clear the rest for that file
    expect(built.length).toBe(6);
    expect(distinct(built)).toBe(built.length);
  });

  test("a single cause among nine factors costs the combination, the halvings and one build to clear the rest", async () => {
    for (const cause of NINE) {
      const { built, probe } = oracle({ "index.js": [cause.name] });
      const result = await searchFactors({ factors: NINE, files: ["index.js"], probe });
      expect(found(result.implications)).toEqual([`index.js:${cause.name}`]);
      expect(built.length).toBeLessThanOrEqual(1 + Math.ceil(Math.log2(9)) + 1);
      expect(distinct(built)).toBe(built.length);
    }
  });

  test("moved with {A, B}, not with {A}: B is implicated and the report names the cleared factors, with no build of B alone", async () => {
    const factors = [factor("a"), factor("b")];
    const { built, probe } = oracle({ "index.js": ["b"] });
    const result = await searchFactors({ factors, files: ["index.js"], probe });
    expect(built).toEqual([["a", "b"], ["a"]]);
    expect(result.implications).toHaveLength(1);
    expect(result.implications[0]!.factor.name).toBe("b");
    expect(result.implications[0]!.moved.group.map((f) => f.name)).toEqual(["a", "b"]);
    expect(result.implications[0]!.cleared.map((f) => f.name)).toEqual(["a"]);
  });

  test("two files, two causes each found, and a file that two factors move gets both", async () => {
    const { built, probe } = oracle({ "host.js": ["hostname"], "order.js": ["file-order", "mtime"], "same.js": [] });
    const result = await searchFactors({ factors: NINE, files: ["host.js", "order.js", "same.js"], probe });
    expect(found(result.implications)).toEqual(["host.js:hostname", "order.js:file-order", "order.js:mtime"]);
    expect(distinct(built)).toBe(built.length);
  });

  test("nothing moves: one build, nothing implicated", async () => {
    const { built, probe } = oracle({ "index.js": [] });
    const result = await searchFactors({ factors: NINE, files: ["index.js"], probe });
    expect(result.implications).toEqual([]);
    expect(built).toHaveLength(1);
  });

  test("a factor that breaks the build is isolated with the build's error, and the files are searched without it", async () => {
    const { built, probe } = oracle({ "index.js": ["locale"] }, ["timezone"]);
    const result = await searchFactors({ factors: SEVEN, files: ["index.js"], probe });
    expect(found(result.implications)).toEqual([`${BUILD_FAILS}:timezone`, "index.js:locale"]);
    const failure = result.implications.find((i) => i.file === BUILD_FAILS)!;
    expect(failure.moved.failed).toBe("broke under timezone");
    expect(distinct(built)).toBe(built.length);
  });

  test("the budget ends the search where it stands, with what was shown so far", async () => {
    let left = 2;
    const { probe } = oracle({ "index.js": ["umask"] });
    const result = await searchFactors({ factors: SEVEN, files: ["index.js"], probe: async (g) => (left-- > 0 ? probe(g) : undefined) });
    expect(result.table).toHaveLength(2);
    expect(result.implications).toEqual([]);
  });

  test("a file the builds cannot tell about (outcome absent) implicates nothing", async () => {
    const probe = async (group: readonly Factor[]): Promise<Observation> => ({ group, outcome: new Map() });
    const result = await searchFactors({ factors: SEVEN, files: ["index.js"], probe });
    expect(result.implications).toEqual([]);
    expect(result.table).toHaveLength(1);
  });
});
