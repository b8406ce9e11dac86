import { describe, expect, test } from "bun:test";
import { packTar } from "../../src/artifact/tar-pack.ts";
import { compareEntries, compareTars, type ArtifactEntry, type Comparison } from "../../src/rebuild/compare.ts";
import { sha256Hex } from "../../src/util/digest.ts";
import { rejection } from "../helpers/expect-error.ts";
import { testdir } from "../helpers/testdir.ts";
import { minified, MTIME, PLANTED, plantedTars } from "./planted.ts";

const text = (s: string) => new TextEncoder().encode(s);
const entry = (path: string, data: string, over: Partial<ArtifactEntry> = {}): ArtifactEntry => ({ path, data: text(data), mode: 0o644, mtime: MTIME, uid: 0, gid: 0, uname: "", gname: "", ...over });
const file = (c: Comparison, path: string) => c.files.find((f) => f.path === path)!;

describe("compareTars", () => {
  test("identical artifacts compare identical, with no differences and equal tar digests", async () => {
    const [a] = await plantedTars({ "index.js": ["x\n", "x\n"], "index.js.map": ["{}", "{}"] });
    const c = await compareTars(a, new Uint8Array(a));
    expect(c.identical).toBe(true);
    expect(c.files).toEqual([]);
    expect(c.tar).toEqual({ original: sha256Hex(a), rebuilt: sha256Hex(a) });
  });

  test("reads tar files from disk, and names the file it cannot read", async () => {
    const [a, b] = await plantedTars(PLANTED);
    await using dir = await testdir({ "a.tar": a, "b.tar": b });
    const c = await compareTars(`${dir.path}/a.tar`, `${dir.path}/b.tar`);
    expect(c.tar).toEqual({ original: sha256Hex(a), rebuilt: sha256Hex(b) });
    const error = await rejection(compareTars(`${dir.path}/missing.tar`, `${dir.path}/b.tar`));
    expect(error.code).toBe("INPUT_UNREADABLE");
    expect(error.file).toBe(`${dir.path}/missing.tar`);
  });

  test("refuses a hostile archive (gzip data, or an entry appended after the end marker) through the strict reader", async () => {
    const [a] = await plantedTars({ "index.js": ["x\n", "x\n"] });
    const gz = Bun.gzipSync(a as Uint8Array<ArrayBuffer>);
    expect((await rejection(compareTars(gz, a))).code).toBe("ARCHIVE_INVALID");
    const appended = new Uint8Array([...a, ...(await packTar([{ path: "evil.js", data: text("pwn") }], { mtime: MTIME }))]);
    expect((await rejection(compareTars(a, appended))).code).toBe("ARCHIVE_INVALID");
  });

  test("each planted difference is reported with its kind, sizes and digests, sorted by path", async () => {
    const [a, b] = await plantedTars(PLANTED);
    const c = await compareTars(a, b);
    expect(c.identical).toBe(false);
    expect(c.files.map((f) => [f.path, f.kind])).toEqual([
      ["added.txt", "added"], ["env.js", "changed"], ["host.js", "changed"], ["index.js", "changed"], ["locale.js", "changed"],
      ["min.js", "changed"], ["order.js", "changed"], ["order.min.js", "changed"], ["paths.js", "changed"], ["random.js", "changed"],
      ["removed.txt", "removed"], ["start.sh", "metadata"], ["token.js", "changed"], ["tz.js", "changed"], ["user.js", "changed"],
    ]);
    expect(file(c, "added.txt")).toMatchObject({ size: { rebuilt: 20 }, sha256: { rebuilt: sha256Hex("only in the rebuild\n") } });
    expect(file(c, "removed.txt").sha256).toEqual({ original: sha256Hex("only in the original\n") });
    expect(file(c, "start.sh").metadata).toEqual({ mode: [0o644, 0o755] });
    const [original] = PLANTED["index.js"] as [string, string];
    const index = file(c, "index.js");
    // "1764150000123" vs "1764150123456": the first differing byte is the 8th digit.
    expect(index.firstDifferenceAt).toBe(original.indexOf("1764150000123") + 7);
    expect(index.regions).toEqual([{ offset: original.indexOf("1764150000123"), original: "1764150000123", rebuilt: "1764150123456", before: "export const BUILT_AT = " }]);
  });

  test("a text difference is a unified diff with 3 lines of context", async () => {
    const lines = (changed: number) => Array.from({ length: 12 }, (_, i) => (i === changed ? `line ${i} CHANGED` : `line ${i}`)).join("\n") + "\n";
    const c = compareEntries([entry("notes.txt", lines(-1))], [entry("notes.txt", lines(6))]);
    expect(file(c, "notes.txt").diff).toBe(
      "--- original/notes.txt\n+++ rebuilt/notes.txt\n@@ -4,7 +4,7 @@\n line 3\n line 4\n line 5\n-line 6\n+line 6 CHANGED\n line 7\n line 8\n line 9\n",
    );
  });

  test("a minified one-line bundle is shown as a window around the difference, with its column", async () => {
    const [a, b] = await plantedTars({ "min.js": [minified("1764150000123"), minified("1764150123456")] });
    const diff = file(await compareTars(a, b), "min.js").diff!;
    const column = minified("1764150000123").split("\n")[1]!.indexOf("1764150000123") + 1;
    expect(diff).toStartWith(`--- original/min.js\n+++ rebuilt/min.js\n@@ -2 +2 @@ column ${column}\n`);
    const [minus, plus] = diff.split("\n").slice(3, 5);
    expect(minus).toContain("var BUILT_AT=1764150000123;");
    expect(plus).toContain("var BUILT_AT=1764150123456;");
    // ±120 characters around the value, not the 1500-character line.
    expect(minus!.length).toBeLessThan(300);
    expect(minus).toStartWith("-…");
    expect(minus).toEndWith("…");
  });

  test("the diff of a file changed throughout is bounded in lines and bytes, and says it was cut", async () => {
    const big = (tag: string) => Array.from({ length: 5000 }, (_, i) => `const v${i} = "${tag}${i}";`).join("\n");
    const diff = file(compareEntries([entry("big.js", big("a"))], [entry("big.js", big("b"))]), "big.js").diff!;
    expect(diff.split("\n").length).toBeLessThanOrEqual(205);
    expect(diff.length).toBeLessThanOrEqual(16 * 1024 + 200);
    expect(diff).toContain("\\ diff truncated");
  });

  test("a binary difference gets an xxd-style hex diff and no text diff", () => {
    const bytes = (last: number) => Uint8Array.from({ length: 64 }, (_, i) => (i === 40 ? last : i));
    const base = entry("blob.bin", "");
    const c = compareEntries([{ ...base, data: bytes(0) }], [{ ...base, data: bytes(0xff) }]);
    const blob = file(c, "blob.bin");
    expect(blob).toMatchObject({ kind: "changed", firstDifferenceAt: 40 });
    expect(blob.diff).toBeUndefined();
    expect(blob.hexDiff).toContain("-00000020: 2021 2223 2425 2627 0029");
    expect(blob.hexDiff).toContain("+00000020: 2021 2223 2425 2627 ff29");
  });
});

describe("compareEntries", () => {
  test("rejects an artifact that names one path twice, since which copy is the file depends on the extractor", async () => {
    const error = await rejection(Promise.resolve().then(() => compareEntries([entry("a.js", "1"), entry("a.js", "2")], [entry("a.js", "1")])));
    expect(error.code).toBe("ARCHIVE_INVALID");
    expect(error.message).toBe('original artifact: expected each path once, got "a.js" twice');
  });

  test("same bytes with other header fields is a metadata difference naming each field", () => {
    const c = compareEntries([entry("a.js", "x")], [entry("a.js", "x", { mtime: MTIME + 60, uid: 1000, uname: "relengineer" })]);
    expect(c.files).toEqual([{ path: "a.js", kind: "metadata", size: { original: 1, rebuilt: 1 }, sha256: { original: sha256Hex("x"), rebuilt: sha256Hex("x") }, metadata: { mtime: [MTIME, MTIME + 60], uid: [0, 1000], uname: ["", "relengineer"] } }]);
  });

  test("the same entries in another archive order are not identical", () => {
    const c = compareEntries([entry("a.js", "1"), entry("b.js", "2")], [entry("b.js", "2"), entry("a.js", "1")]);
    expect(c.identical).toBe(false);
    expect(c.files).toEqual([]);
    expect(c.entryOrder).toEqual({ original: ["a.js", "b.js"], rebuilt: ["b.js", "a.js"] });
  });

  test("a content-hashed chunk that was renamed is compared with the chunk it replaces", () => {
    const c = compareEntries([entry("chunk-7p1enhmt.js", "var t=1764150000123;")], [entry("chunk-k2j3h4g5.js", "var t=1764150123456;")]);
    expect(file(c, "chunk-7p1enhmt.js").kind).toBe("removed");
    expect(file(c, "chunk-k2j3h4g5.js")).toMatchObject({ kind: "added", renamedFrom: "chunk-7p1enhmt.js", firstDifferenceAt: 13, regions: [{ original: "1764150000123", rebuilt: "1764150123456" }] });
  });

  test("reordered lines or tokens are recognised as the same content in another order", () => {
    const c = compareEntries([entry("a.js", "x();\ny();\n"), entry("b.js", "a();b();")], [entry("a.js", "y();\nx();\n"), entry("b.js", "b();a();")]);
    expect(file(c, "a.js").reordered).toBe("lines");
    expect(file(c, "b.js").reordered).toBe("statements");
  });
});
