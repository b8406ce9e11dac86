import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { packTar, type ArtifactFile } from "../../src/artifact/tar-pack.ts";
import { compareTars, type Comparison } from "../../src/rebuild/compare.ts";
import { toDiffoscope } from "../../src/rebuild/diffoscope.ts";
import { PLANTED, plantedTars } from "./planted.ts";

const text = (s: string) => new TextEncoder().encode(s);
const lines = (changed: boolean) => Array.from({ length: 20 }, (_, i) => (changed && (i === 2 || i === 16) ? `line ${i + 1} changed` : `line ${i + 1}`)).join("\n") + "\n";
const blob = (b: number) => Uint8Array.from({ length: 40 }, (_, i) => (i === 20 ? b : (i * 7) % 256));

/** The files behind fixtures/diffoscope-240-tar.json (see fixtures/README.md). */
const FIXTURE_FILES: [ArtifactFile[], ArtifactFile[]] = [
  [
    { path: "notes.txt", data: text(lines(false)) },
    { path: "blob.bin", data: blob(0x41) },
    { path: "start.sh", data: text("exec bun index.js\n") },
    { path: "removed.txt", data: text("gone\n") },
    { path: "same.txt", data: text("same\n") },
  ],
  [
    { path: "notes.txt", data: text(lines(true)) },
    { path: "blob.bin", data: blob(0x00) },
    { path: "start.sh", data: text("exec bun index.js\n"), executable: true },
    { path: "added.txt", data: text("new\n") },
    { path: "same.txt", data: text("same\n") },
  ],
];

async function fixtureTars(): Promise<[Uint8Array, Uint8Array]> {
  return [await packTar(FIXTURE_FILES[0], { mtime: 1_700_000_000 }), await packTar(FIXTURE_FILES[1], { mtime: 1_700_000_000 })];
}

/** Every object's keys, in order, down the tree: the report's shape without its text. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape);
  if (value !== null && typeof value === "object") return Object.entries(value).map(([k, v]) => [k, shape(v)]);
  return value === null ? null : typeof value;
}

describe("toDiffoscope", () => {
  test("writes the same report, byte for byte, as diffoscope 240 for the same two tars", async () => {
    const expected = await Bun.file(join(import.meta.dir, "fixtures", "diffoscope-240-tar.json")).text();
    const ours = toDiffoscope(await compareTars(...(await fixtureTars())), { original: "original.tar", rebuilt: "rebuilt.tar" });
    // JSON.stringify keeps key order, which diffoscope's presenter fixes; compare it too.
    expect(JSON.stringify(ours)).toBe(JSON.stringify(JSON.parse(expected)));
  });

  test("every detail has diffoscope's keys in diffoscope's order", async () => {
    const report = toDiffoscope(await compareTars(...(await plantedTars(PLANTED))), { original: "a.tar", rebuilt: "b.tar" }) as any;
    expect(Object.keys(report)).toEqual(["diffoscope-json-version", "source1", "source2", "unified_diff", "details"]);
    expect(report["diffoscope-json-version"]).toBe(1);
    const order = ["source1", "source2", "comments", "has_internal_linenos", "unified_diff", "details"];
    for (const detail of report.details) {
      const keys = Object.keys(detail);
      expect(keys).toEqual(order.filter((k) => keys.includes(k)));
      expect(typeof detail.unified_diff).toBe("string");
      expect(detail.unified_diff).not.toContain("--- original/");
    }
    // The file list first, then each member whose bytes differ; metadata-only and added/removed members only in the list.
    expect(report.details.map((d: any) => d.source1)).toEqual(["file list", "env.js", "host.js", "index.js", "locale.js", "min.js", "order.js", "order.min.js", "paths.js", "random.js", "token.js", "tz.js", "user.js"]);
    const list = report.details[0].unified_diff as string;
    expect(list).toContain("\n--rw-r--r--   0        0        0       18 2025-11-26 09:40:00.000000 start.sh\n+-rwxr-xr-x   0        0        0       18 2025-11-26 09:40:00.000000 start.sh\n");
    expect(list).toContain("+-rw-r--r--   0        0        0       20 2025-11-26 09:40:00.000000 added.txt\n");
    // Same shape as the real report's details.
    const real = JSON.parse(await Bun.file(join(import.meta.dir, "fixtures", "diffoscope-240-tar.json")).text());
    expect(shape(report.details[0])).toEqual(shape(real.details[0]));
    expect(shape(report.details[1])).toEqual(shape(real.details[2]));
  });

  test("identical artifacts give a report with no details", async () => {
    const [a] = await fixtureTars();
    expect(toDiffoscope(await compareTars(a, a), { original: "a.tar", rebuilt: "b.tar" })).toEqual({ "diffoscope-json-version": 1, source1: "a.tar", source2: "b.tar", unified_diff: null, details: [] });
  });

  test("a comparison of digests alone still reports which members differ, and says it could not diff them", () => {
    const digestsOnly: Comparison = { identical: false, files: [{ path: "index.js", kind: "changed", size: {}, sha256: { original: "a".repeat(64), rebuilt: "b".repeat(64) } }] };
    const report = toDiffoscope(digestsOnly, { original: "a.tar", rebuilt: "b.tar" }) as any;
    expect(report.details).toEqual([
      { source1: "index.js", source2: "index.js", comments: [`contents differ: sha256 ${"a".repeat(64)} vs ${"b".repeat(64)}; no diff available`], unified_diff: null },
    ]);
  });
});
