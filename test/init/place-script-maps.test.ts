/**
 * init runs a build script with each Bun.build outdir moved under a scratch
 * folder; the maps Bun writes there have sources relative to that folder.
 * Differential: the same Bun.build call made with the outdir in the project
 * and with it under a scratch folder, and every file of the scratch build,
 * its maps' sources placed, must be the in-place build's bytes, for every
 * kind of map, nested outputs and a package's module included (hoisted above
 * the project, as a workspace member's are: outside both folders).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { madeByCall, placeScriptMap } from "../../src/init/place-script-maps.ts";
import { makeTempDir, testdir, type TestDir } from "../helpers/testdir.ts";

let workspace: TestDir;
let project: { path: string };
let scratch: TestDir;

beforeAll(async () => {
  workspace = await testdir({
    "app/src/shared.ts": 'import { pad } from "pad";\nexport const shared = (what: string) => pad(`[${what}]`);\n',
    "app/src/home.ts": 'import { shared } from "./shared.ts";\nconsole.log(shared("home"));\nexport const later = () => import("./admin/lazy.ts");\n',
    "app/src/admin/panel.ts": 'import { shared } from "../shared.ts";\nconsole.log(shared("panel"));\n',
    "app/src/admin/lazy.ts": 'export const lazy = "lazy";\n',
    "app/src/style.css": "body { color: red; }\n",
    "node_modules/pad/package.json": JSON.stringify({ name: "pad", version: "1.0.0", main: "index.js" }),
    "node_modules/pad/index.js": "export const pad = (s) => ` ${s} `;\n",
  });
  project = { path: join(workspace.path, "app") };
  scratch = await makeTempDir("bunseal-init-maps-");
});
afterAll(async () => {
  await Promise.all([workspace?.cleanup(), scratch?.cleanup()]);
});

function files(dir: string): Map<string, Uint8Array> {
  const entries = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  return new Map(entries.map((e) => [relative(dir, join(e.parentPath, e.name)), new Uint8Array(readFileSync(join(e.parentPath, e.name)))]));
}

describe("a watched script's maps, placed where the script writes them", () => {
  for (const sourcemap of ["external", "linked", "inline"] as const) {
    test(`sourcemap ${sourcemap}: every file of the scratch build, placed, is the in-place build's bytes`, async () => {
      const outdir = `dist/${sourcemap}`;
      const outRoot = join(scratch.path, "out");
      const options = {
        entrypoints: ["src/home.ts", "src/admin/panel.ts", "src/style.css"].map((p) => join(project.path, p)),
        splitting: true,
        sourcemap,
        naming: "[dir]/[name]-[hash].[ext]",
        throw: true,
      } satisfies Bun.BuildConfig;
      await Bun.build({ ...options, outdir: join(project.path, outdir) });
      const moved = await Bun.build({ ...options, outdir: join(outRoot, outdir) });
      const inPlace = files(join(project.path, outdir));
      const inScratch = files(join(outRoot, outdir));
      expect([...inScratch.keys()].sort()).toEqual([...inPlace.keys()].sort());
      // the hoisted package is a source outside the project, named from the project's outdir
      const texts = [...inPlace].map(([path, bytes]) => (path.endsWith(".map") ? Buffer.from(bytes).toString() : Buffer.from(Buffer.from(bytes).toString().split("base64,")[1] ?? "", "base64").toString()));
      expect(texts.some((text) => text.includes('"../../../node_modules/pad/index.js"'))).toBe(true);

      const made = madeByCall([{ kind: "build", site: "build.ts:1", options: { sourcemap }, plugins: [], outdir, outputs: moved.outputs.map((o) => relative(outRoot, o.path)) }]);
      let placedSome = false;
      for (const [path, bytes] of inScratch) {
        const placed = placeScriptMap(bytes, `${outdir}/${path}`, made.get(`${outdir}/${path}`), { outRoot, projectDir: project.path });
        if (placed !== undefined && "unplaced" in placed) throw new Error(`${path}: ${placed.unplaced}`);
        if (placed !== undefined) {
          placedSome = true;
          // the problem placing solves: as Bun wrote it there, the map names the scratch folder
          expect(Buffer.from(bytes).equals(Buffer.from(inPlace.get(path)!)), path).toBe(false);
        }
        expect(Buffer.from(placed?.bytes ?? bytes).equals(Buffer.from(inPlace.get(path)!)), path).toBe(true);
      }
      expect(placedSome).toBe(true);
    });
  }

  test("a map the script wrote that is not as Bun writes it is left unplaced, with why", () => {
    const placed = placeScriptMap(new TextEncoder().encode('{"version":3}'), "dist/x.js.map", { outdir: "dist", inline: false }, { outRoot: join(scratch.path, "out"), projectDir: project.path });
    expect(placed).toEqual({ unplaced: expect.stringContaining("its sourcemap's sources could not be put back where the script writes them") });
  });

  test("a file no Bun.build call wrote, or a bundle with no inline map, is not touched", () => {
    const where = { outRoot: join(scratch.path, "out"), projectDir: project.path };
    expect(placeScriptMap(new TextEncoder().encode("{}"), "dist/copied.js.map", undefined, where)).toBeUndefined();
    expect(placeScriptMap(new TextEncoder().encode("console.log(1);\n"), "dist/x.js", { outdir: "dist", inline: false }, where)).toBeUndefined();
  });
});
