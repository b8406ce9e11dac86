import { describe, expect, test } from "bun:test";
import { renderHunks, splitLines, unifiedDiff } from "../../src/rebuild/diff-text.ts";
import { diffSequences, differingSpans } from "../../src/rebuild/text-diff.ts";

/** A fixed-seed generator, so a failure reproduces. */
function random(seed: number): () => number {
  let x = seed;
  return () => ((x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
}

function lcsLength(a: string[], b: string[]): number {
  const row = new Array(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = 0;
    for (let j = 1; j <= b.length; j++) [diagonal, row[j]] = [row[j], a[i - 1] === b[j - 1] ? diagonal + 1 : Math.max(row[j], row[j - 1])];
  }
  return row[b.length];
}

describe("diffSequences", () => {
  test("finds a shortest edit script that turns a into b, on 3000 random pairs", () => {
    const next = random(7);
    for (let t = 0; t < 3000; t++) {
      const gen = () => Array.from({ length: Math.floor(next() * 14) }, () => "abcd"[Math.floor(next() * 4)]!);
      const [a, b] = [gen(), gen()];
      const runs = diffSequences(a, b)!;
      const [outA, outB] = [[] as string[], [] as string[]];
      let cost = 0;
      for (const r of runs) {
        for (let i = 0; i < r.n; i++) {
          if (r.op !== "+") outA.push(a[r.a + i]!);
          if (r.op !== "-") outB.push(b[r.b + i]!);
          if (r.op === "=") expect(a[r.a + i]).toBe(b[r.b + i]!);
        }
        if (r.op !== "=") cost += r.n;
      }
      expect([outA, outB]).toEqual([a, b]);
      expect(cost).toBe(a.length + b.length - 2 * lcsLength(a, b));
    }
  });

  test("gives up past its cost budget, or with coarse, replaces the middle whole", () => {
    const [a, b] = ["x a b c d e f y".split(" "), "x 1 2 3 4 5 6 y".split(" ")];
    expect(diffSequences(a, b, 5)).toBeUndefined();
    expect(diffSequences(a, b, 5, true)).toEqual([
      { op: "=", a: 0, b: 0, n: 1 }, { op: "-", a: 1, b: 1, n: 6 }, { op: "+", a: 7, b: 1, n: 6 }, { op: "=", a: 7, b: 7, n: 1 },
    ]);
  });
});

describe("unified diff", () => {
  test("writes ranges, empty files and a missing final newline as diff(1) does", () => {
    const hunks = (a: string, b: string) => renderHunks(splitLines(a), splitLines(b), diffSequences(splitLines(a), splitLines(b))!);
    expect(hunks("", "x\n")).toBe("@@ -0,0 +1 @@\n+x\n");
    expect(hunks("x\n", "x")).toBe("@@ -1 +1 @@\n-x\n+x\n\\ No newline at end of file\n");
    expect(hunks("a\nb\nc\n", "a\nc\n")).toBe("@@ -1,3 +1,2 @@\n a\n-b\n c\n");
  });

  test("shows each difference on a minified line as its own window", () => {
    const line = (x: string, y: string) => `${"a;".repeat(200)}var A="${x}";${"b;".repeat(200)}var B="${y}";${"c;".repeat(200)}\n`;
    const diff = unifiedDiff(["m.js", "m.js"], line("one", "two"), line("uno", "dos"));
    expect(diff.split("\n").filter((l) => l.startsWith("@@"))).toEqual(["@@ -1 +1 @@ column 408", "@@ -1 +1 @@ column 820"]);
  });
});

describe("differingSpans", () => {
  test("finds differences far apart in a long line, window by window", () => {
    const filler = "x=1;".repeat(100_000);
    const spans = differingSpans(`${filler}A${filler}B`, `${filler}C${filler}D`);
    expect(spans.map((s) => s.aStart)).toEqual([400_000, 800_001]);
  });
});
