import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { packTar, type ArtifactFile } from "../../src/artifact/tar-pack.ts";
import { compareTars, type Comparison } from "../../src/rebuild/compare.ts";
import { JS_TEXT, toDiffoscope } from "../../src/rebuild/diffoscope.ts";
import { readTarFiles } from "../../src/artifact/tar-read.ts";
import { runCli } from "../helpers/cli.ts";
import { plantedRepo } from "../helpers/fixture-repo.ts";
import { makeTempDir } from "../helpers/testdir.ts";
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
      // a .js member's diff is one layer down, as diffoscope writes it
      const text = detail.source1.endsWith(".js") ? detail.details[0].unified_diff : detail.unified_diff;
      expect(typeof text).toBe("string");
      expect(text).not.toContain("--- original/");
    }
    // The file list first, then each member whose bytes differ; metadata-only and added/removed members only in the list.
    expect(report.details.map((d: any) => d.source1)).toEqual(["file list", "env.js", "host.js", "index.js", "locale.js", "min.js", "order.js", "order.min.js", "paths.js", "random.js", "token.js", "tz.js", "user.js"]);
    const list = report.details[0].unified_diff as string;
    expect(list).toContain("\n--rw-r--r--   0        0        0       18 2025-11-26 09:40:00.000000 start.sh\n+-rwxr-xr-x   0        0        0       18 2025-11-26 09:40:00.000000 start.sh\n");
    expect(list).toContain("+-rw-r--r--   0        0        0       20 2025-11-26 09:40:00.000000 added.txt\n");
    // Same shape as the real report's details.
    const real = JSON.parse(await Bun.file(join(import.meta.dir, "fixtures", "diffoscope-240-tar.json")).text());
    expect(shape(report.details[0])).toEqual(shape(real.details[0]));
    expect(shape(report.details.find((d: any) => d.source1 === "env.js").details[0])).toEqual(shape(real.details[2]));
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

/**
 * Real diffoscope (Debian's 240, with js-beautify: `.ci/setup` installs both) run
 * on the very tars bunseal compares, its report the oracle. Debian's js-beautify
 * loads its modules from /usr/share/nodejs, which a Node from elsewhere does not
 * search by itself: NODE_PATH names it.
 */
async function diffoscope(dir: string, a: string, b: string): Promise<{ exitCode: number; report?: any }> {
  const out = join(dir, "diffoscope.json");
  const proc = Bun.spawn(["diffoscope", "--diff-context", "3", "--json", out, a, b], { cwd: dir, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", NODE_PATH: "/usr/share/nodejs", LC_ALL: "C.UTF-8" }, stdout: "pipe", stderr: "pipe" });
  const exitCode = await proc.exited;
  if (exitCode > 1) throw new Error(`diffoscope failed (${exitCode}): ${await new Response(proc.stderr).text()}`);
  return { exitCode, report: existsSync(out) ? JSON.parse(readFileSync(out, "utf8")) : undefined };
}

describe("toDiffoscope against diffoscope 240 itself", () => {
  // js-beautify's own layout (4 spaces, one statement a line), so that what it prints is the text as built:
  // then the inner layers hold the same hunks, and the reports differ in the inner layer's name alone
  const js = (stamp: string) => `const a = 1;\nconst b = 2;\nexport const stamp = "${stamp}";\nexport function f() {\n    return a + b;\n}\n`;
  // a source map as Bun writes one (keys unsorted, one line), a name beyond ASCII, the change on its last printed line;
  // and a manifest whose keys only moved: diffoscope says "Ordering differences only"
  const map = (stamp: string) => JSON.stringify({ version: 3, sources: ["../src/índex.ts"], sourcesContent: [`export const stamp = "${stamp}";`], mappings: "AAAA", names: [], x_stamp: stamp });
  const manifest = (stamp: string) => (stamp === "2020" ? `{"b": 1, "a": [1, 2], "10": {}, "2": "two"}` : `{"a": [1, 2], "b": 1, "2": "two", "10": {}}`);
  const files = (stamp: string, note: string): ArtifactFile[] => [
    { path: "index.js", data: text(js(stamp)) },
    { path: "index.js.map", data: text(map(stamp)) },
    { path: "chunk.js", data: text(`export const shared = "${stamp}";\n`) },
    { path: "manifest.json", data: text(manifest(stamp)) },
    { path: "notes.txt", data: text(`one\n${note}\n`) },
    { path: "same.js", data: text("export const same = 1;\n") },
  ];

  test("a .js member, a source map and a JSON manifest: the member, then its text's diff one layer down, key by key as diffoscope writes it", async () => {
    await using dir = await makeTempDir("bunseal-diffoscope-");
    const [a, b] = [await packTar(files("2020", "two"), { mtime: 1_700_000_000 }), await packTar(files("2021", "three"), { mtime: 1_700_000_000 })];
    writeFileSync(join(dir.path, "original.tar"), a);
    writeFileSync(join(dir.path, "rebuilt.tar"), b);
    const real = await diffoscope(dir.path, "original.tar", "rebuilt.tar");
    expect(real.exitCode).toBe(1);
    // the oracle itself: with js-beautify working, diffoscope nests each .js member's diff under "js-beautify {}"
    expect(real.report.details.map((d: any) => [d.source1, d.details?.[0]?.source1 ?? null])).toEqual([
      ["file list", null],
      ["chunk.js", "js-beautify {}"],
      ["index.js", "js-beautify {}"],
      ["index.js.map", "Pretty-printed"],
      ["manifest.json", "Pretty-printed"],
      ["notes.txt", null],
    ]);
    const contents = { original: await readTarFiles(join(dir.path, "original.tar")), rebuilt: await readTarFiles(join(dir.path, "rebuilt.tar")) };
    const ours = toDiffoscope(await compareTars(a, b), { original: "original.tar", rebuilt: "rebuilt.tar" }, contents) as any;
    // the one difference, by design: our inner layer says no beautifier ran
    const inner = ours.details.filter((d: any) => d.details).map((d: any) => d.details[0].source1);
    expect(inner).toEqual([JS_TEXT, JS_TEXT, "Pretty-printed", "Pretty-printed"]);
    const named = JSON.parse(JSON.stringify(ours).replaceAll(JSON.stringify(JS_TEXT), JSON.stringify("js-beautify {}")));
    // key order too: JSON.stringify keeps it
    expect(JSON.stringify(named)).toBe(JSON.stringify(real.report));
  });

  test("identical tars: diffoscope exits 0 and writes no report, and so does rebuild --diffoscope", async () => {
    await using dir = await makeTempDir("bunseal-diffoscope-");
    const tar = await packTar(files("2020", "two"), { mtime: 1_700_000_000 });
    writeFileSync(join(dir.path, "a.tar"), tar);
    writeFileSync(join(dir.path, "b.tar"), tar);
    expect(await diffoscope(dir.path, "a.tar", "b.tar")).toEqual({ exitCode: 0, report: undefined });

    await using repo = await plantedRepo("control");
    await runCli(["keygen", "--out", join(dir.path, "keys")]);
    const built = await runCli(["build", repo.path, "--key", join(dir.path, "keys", "bunseal.key"), "--json"]);
    expect(built.exitCode).toBe(0);
    const path = join(dir.path, "rebuild-diffoscope.json");
    const rebuilt = await runCli(["rebuild", built.json().bundle.path, "--key", join(dir.path, "keys", "bunseal.pub"), "--diffoscope", path, "--json"]);
    expect(rebuilt.exitCode).toBe(0);
    expect(rebuilt.json()).toMatchObject({ reproducible: true, diffoscope: null });
    expect(existsSync(path)).toBe(false);
  }, 120_000);
});
