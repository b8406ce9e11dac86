import { expect, test } from "bun:test";
import { join } from "node:path";
import { PUBLISHED_SCHEMAS, renderSchema } from "../src/schemas/registry.ts";
import { VERSION } from "../src/version.ts";

test.each(PUBLISHED_SCHEMAS.map((s) => [s.file, s] as const))("schemas/%s matches its zod schema (run `bun run schemas` after changing one)", async (file, entry) => {
  const onDisk = await Bun.file(join(import.meta.dir, "..", "schemas", file)).text();
  expect(onDisk).toBe(renderSchema(entry));
});

test("the recorded bunseal version is package.json's", async () => {
  const pkg = await Bun.file(join(import.meta.dir, "..", "package.json")).json();
  expect(VERSION).toBe(pkg.version);
});
