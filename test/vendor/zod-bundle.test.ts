/**
 * src/vendor/zod.js is the installed zod, bundled with only the members
 * bunseal uses (issue #12: the package costs ≈25 ms to load, the bundle ≈9).
 * It must stay that: made again, it is the same bytes; every module that
 * validates uses it (one copy of zod, so the schemas, their descriptions and
 * toJSONSchema share one registry); and it answers as the package does.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { z as packaged } from "zod";
import { z as bundled } from "../../src/vendor/zod.js";
import { BUNDLE_PATH, usedMembers, zodBundle } from "../../src/vendor/generate.ts";

const SRC = join(import.meta.dir, "..", "..", "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));
}

describe("the vendored zod bundle", () => {
  test("is what `bun run vendor` makes from the installed zod now", async () => {
    expect(readFileSync(BUNDLE_PATH, "utf8")).toBe(await zodBundle());
  });

  test("has every member the source uses, and the source loads zod only through it", async () => {
    const members = await usedMembers();
    for (const name of ["strictObject", "string", "iso", "url", "toJSONSchema", "config"]) expect(members).toContain(name);
    for (const name of members) expect((bundled as Record<string, unknown>)[name]).toBeDefined();
    // a value import of the package itself would load a second zod (and its 25 ms); type imports load nothing
    const offenders = sourceFiles(SRC)
      .filter((file) => !file.startsWith(join(SRC, "vendor")))
      .filter((file) => /^import\s+\{[^}]*\}\s+from\s+"zod(\/[^"]*)?";|import\("zod(\/[^"]*)?"\)/m.test(readFileSync(file, "utf8")))
      .map((file) => relative(SRC, file));
    expect(offenders).toEqual([]);
  });

  test("answers as the package does, English messages included", () => {
    const make = (z: typeof packaged) =>
      z.strictObject({
        at: z.iso.datetime({ offset: true }),
        uri: z.url(),
        kind: z.enum(["a", "b"]),
        sig: z.base64().min(1),
        tags: z.record(z.string(), z.union([z.number(), z.boolean()])),
        rest: z.looseObject({ n: z.literal(3) }).optional(),
      });
    const bad = { at: "yesterday", uri: "not a url", kind: "c", sig: "!!", tags: { x: "y" }, rest: { n: 4 }, extra: 1 };
    const good = { at: "2026-12-01T12:00:00+01:00", uri: "https://example.com/x", kind: "a", sig: "AA==", tags: { x: 1, y: true }, rest: { n: 3, more: "kept" } };
    const [fromPackage, fromBundle] = [make(packaged), make(bundled)];
    const issues = fromBundle.safeParse(bad).error?.issues;
    expect(issues?.length).toBeGreaterThan(5);
    expect(issues).toEqual(fromPackage.safeParse(bad).error!.issues);
    expect(issues!.map((i) => i.message)).toContain('Invalid option: expected one of "a"|"b"');
    expect(fromBundle.parse(good)).toEqual(fromPackage.parse(good));
    expect(bundled.toJSONSchema(fromBundle)).toEqual(packaged.toJSONSchema(fromPackage));
  });
});
