import { describe, expect, test } from "bun:test";
import { packTar } from "../../src/artifact/tar-pack.ts";
import { compareTars } from "../../src/rebuild/compare.ts";
import { explainDifferences } from "../../src/rebuild/explain.ts";
import { findSourceMap, originalPosition, parseSourceMap, positionAt } from "../../src/rebuild/sourcemap.ts";
import { testdir } from "../helpers/testdir.ts";
import { originalFacts, rebuiltFacts } from "./planted.ts";

const UTIL = `export function stamp(): string {
  const name = "svc";
  return \`\${name} built at \${new Date(BUILD_TIME).toISOString()}\`;
}
`;
const INDEX = `import { stamp } from "./util.ts";

console.log(stamp());
`;

/**
 * In-memory Bun.build run the way bunseal runs it: in a child Bun whose working
 * directory is the project, with relative entrypoints, so the map names sources
 * relative to the project.
 */
const BUILD_SCRIPT = `
const [minify, time] = [process.argv[1] === "true", process.argv[2]];
const result = await Bun.build({ entrypoints: ["src/index.ts"], sourcemap: "external", minify, target: "bun", define: { BUILD_TIME: time } });
if (!result.success) throw new AggregateError(result.logs);
const files = await Promise.all(result.outputs.map(async (o) => ({ path: o.path.replace(/^\\.\\//, ""), data: Buffer.from(await o.arrayBuffer()).toString("base64") })));
process.stdout.write(JSON.stringify(files));
`;

/** Two real builds of one project whose only difference is the value a `define` inlines into src/util.ts line 3. */
async function buildPair(minify: boolean): Promise<[Uint8Array, Uint8Array]> {
  await using dir = await testdir({ "src/util.ts": UTIL, "src/index.ts": INDEX });
  const tars: Uint8Array[] = [];
  for (const time of ["1764150000123", "1764150123456"]) {
    const proc = Bun.spawn([process.execPath, "-e", BUILD_SCRIPT, String(minify), time], { cwd: dir.path, stdout: "pipe", stderr: "inherit" });
    const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    expect(code).toBe(0);
    const files = (JSON.parse(out) as { path: string; data: string }[]).map((f) => ({ path: f.path, data: new Uint8Array(Buffer.from(f.data, "base64")) }));
    tars.push(await packTar(files, { mtime: 0 }));
  }
  return [tars[0]!, tars[1]!];
}

describe("sourcemap origin", () => {
  for (const minify of [false, true]) {
    test(`a difference in a real ${minify ? "minified " : ""}Bun bundle is traced to the input module and line it came from`, async () => {
      const comparison = await compareTars(...(await buildPair(minify)));
      const index = comparison.files.find((f) => f.path === "index.js")!;
      expect(index.kind).toBe("changed");
      // The bundle inlines the value where src/util.ts line 3 names BUILD_TIME.
      const column = UTIL.split("\n")[2]!.indexOf("BUILD_TIME") + 1;
      expect(index.origin).toEqual({ input: "src/util.ts", line: 3, column });
      // The map differs only in its debugId, a hash of the output: no cause of its own.
      const causes = explainDifferences(comparison, originalFacts(), rebuiltFacts());
      expect(causes.map((c) => [c.kind, c.file])).toEqual([["timestamp", "index.js"]]);
      expect(causes[0]!.evidence).toContain(`(src/util.ts:3:${column}): "1764150000123" vs "1764150123456"`);
    });
  }
});

describe("originalPosition", () => {
  // Two generated lines: segments at columns 0 and 4 of line 0 map to a.ts 1:1 and 1:5; line 1 col 2 maps to b.ts 3:1.
  const map = parseSourceMap(JSON.stringify({ version: 3, sources: ["a.ts", "b.ts"], names: [], mappings: "AAAA,IAAI;ECEJ".replace(" ", "") }))!;

  test("maps a generated position to the segment at or before it on that line", () => {
    expect(originalPosition(map, 0, 0)).toEqual({ input: "a.ts", line: 1, column: 1 });
    expect(originalPosition(map, 0, 3)).toEqual({ input: "a.ts", line: 1, column: 1 });
    expect(originalPosition(map, 0, 9)).toEqual({ input: "a.ts", line: 1, column: 5 });
    expect(originalPosition(map, 1, 2)).toEqual({ input: "b.ts", line: 3, column: 1 });
  });

  test("gives no origin before a line's first segment or past the last line", () => {
    expect(originalPosition(map, 1, 1)).toBeUndefined();
    expect(originalPosition(map, 7, 0)).toBeUndefined();
  });

  test("treats a hostile map as having no origin instead of throwing", () => {
    for (const bad of ["not json", "[]", '{"version":2,"sources":[],"mappings":""}', '{"version":3,"sections":[]}', '{"version":3,"sources":[1],"mappings":"AAAA"}']) expect(parseSourceMap(bad)).toBeUndefined();
    const junk = (mappings: string) => originalPosition(parseSourceMap(JSON.stringify({ version: 3, sources: ["a.ts"], mappings }))!, 0, 10);
    expect(junk("AA!A")).toBeUndefined(); // not base64
    expect(junk("AAA")).toBeUndefined(); // three fields is no segment shape
    expect(junk("gggggggggggA")).toBeUndefined(); // a VLQ longer than 32 bits
    expect(junk("ACAA")).toBeUndefined(); // source index 1 of 1 source
  });

  test("reads a UTF-8 byte offset as a line and a UTF-16 column, as the spec counts", () => {
    const bytes = new TextEncoder().encode("ab\n€😀x");
    expect(positionAt(bytes, 3 + 3 + 4)).toEqual({ line: 1, column: 3 }); // € is 1 unit, 😀 is 2
    expect(positionAt(bytes, 4)).toEqual({ line: 1, column: 0 }); // inside €: its first byte
  });

  test("finds the map beside the file, or the one its sourceMappingURL names (inline too)", () => {
    const files = new Map([["dist/a.js.map", "A"], ["dist/maps/b.map", "B"]]);
    const file = (p: string) => (files.has(p) ? new TextEncoder().encode(files.get(p)!) : undefined);
    expect(findSourceMap("dist/a.js", "", file)).toBe("A");
    expect(findSourceMap("dist/b.js", "x\n//# sourceMappingURL=maps/b.map\n", file)).toBe("B");
    expect(findSourceMap("dist/c.js", `x\n//# sourceMappingURL=data:application/json;base64,${btoa("C")}`, file)).toBe("C");
    expect(findSourceMap("dist/d.js", "x\n//# sourceMappingURL=https://evil.example/d.map", file)).toBeUndefined();
  });
});
