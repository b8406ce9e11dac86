/**
 * Pairs of real artifacts (packed with packTar, as bunseal packs them) with
 * planted differences, and the facts of the two builds that made them.
 */
import { packTar, type ArtifactFile } from "../../src/artifact/tar-pack.ts";
import type { BuildFacts } from "../../src/rebuild/explain.ts";

export const MTIME = 1_764_150_000; // 2025-11-26T09:40:00Z
const text = (s: string) => new TextEncoder().encode(s);

/** path → [original, rebuilt]; a side that is null leaves the file out of that artifact. */
export type Plant = Record<string, [string | null, string | null] | { original: string; rebuilt: string; executable: [boolean, boolean] }>;

export async function plantedTars(plant: Plant, mtimes: [number, number] = [MTIME, MTIME]): Promise<[Uint8Array, Uint8Array]> {
  const sides: [ArtifactFile[], ArtifactFile[]] = [[], []];
  for (const [path, value] of Object.entries(plant)) {
    const [a, b] = Array.isArray(value) ? value : [value.original, value.rebuilt];
    const [xa, xb] = Array.isArray(value) ? [false, false] : value.executable;
    if (a !== null) sides[0].push({ path, data: text(a), executable: xa });
    if (b !== null) sides[1].push({ path, data: text(b), executable: xb });
  }
  return [await packTar(sides[0], { mtime: mtimes[0] }), await packTar(sides[1], { mtime: mtimes[1] })];
}

/** A minified bundle line long enough to be shown as windows, with `middle` planted at about column 700. */
export function minified(middle: string): string {
  const filler = (n: number) => Array.from({ length: n }, (_, i) => `function f${i}(a){return a*${i}+1}`).join("");
  return `// @bun\n${filler(25)}var BUILT_AT=${middle};${filler(25)}console.log(BUILT_AT);\n`;
}

const reorderedA = "function alpha() {\n  return 1;\n}\nfunction beta() {\n  return 2;\n}\nexport { alpha, beta };\n";
const reorderedB = "function beta() {\n  return 2;\n}\nfunction alpha() {\n  return 1;\n}\nexport { alpha, beta };\n";

/** One planted difference per file, so each file's causes can be asserted exactly. */
export const PLANTED: Plant = {
  "added.txt": [null, "only in the rebuild\n"],
  "env.js": ['const API = "https://api.prod.example";\n', 'const API = "https://api.example.test";\n'],
  "host.js": ['const HOST = "ci-runner-12";\n', 'const HOST = "rebuild-host-7";\n'],
  "index.js": ["// @bun\nexport const BUILT_AT = 1764150000123;\nexport const NAME = \"svc\";\n", "// @bun\nexport const BUILT_AT = 1764150123456;\nexport const NAME = \"svc\";\n"],
  "locale.js": ['export const TOTAL = "1,234.5";\n', 'export const TOTAL = "1.234,5";\n'],
  "min.js": [minified("1764150000123"), minified("1764150123456")],
  "order.js": [reorderedA, reorderedB],
  "order.min.js": ["function a(){return 1}function b(){return 2}export{a,b};", "function b(){return 2}function a(){return 1}export{a,b};"],
  "paths.js": ['const ROOT = "/home/ci/work/app/src";\n', 'const ROOT = "/tmp/bunseal-rebuild-x/app/src";\n'],
  "random.js": ["export const SEED = 0.8123456789012345;\n", "export const SEED = 0.2231234567890123;\n"],
  "removed.txt": ["only in the original\n", null],
  "same.js": ["export const same = true;\n", "export const same = true;\n"],
  "start.sh": { original: "exec bun index.js\n", rebuilt: "exec bun index.js\n", executable: [false, true] },
  "token.js": ['export const ID = "a3f9c2e1b4d5";\n', 'export const ID = "77e0b19cd2aa";\n'],
  "tz.js": ['export const AT = "2025-11-26 09:40:00";\n', 'export const AT = "2025-11-26 18:40:00";\n'],
  "user.js": ['export const WHO = "builder";\n', 'export const WHO = "relengineer";\n'],
};

export function originalFacts(overrides: Partial<BuildFacts> = {}): BuildFacts {
  return {
    bunVersion: "1.4.5",
    lockfileDigest: "sha256:" + "a".repeat(64),
    inputs: new Map([["src/index.ts", "1".repeat(64)], ["bun.lock", "3".repeat(64)]]),
    packages: new Map([["zod@4.6.7", "sha512:" + "b".repeat(128)]]),
    configDigest: "sha256:" + "c".repeat(64),
    sourceDateEpoch: MTIME,
    startedAt: new Date("2025-11-26T09:40:00Z"),
    envNames: ["PUBLIC_API_BASE"],
    ...overrides,
  };
}

export function rebuiltFacts(overrides: Partial<BuildFacts> = {}): BuildFacts {
  return {
    ...originalFacts(),
    startedAt: new Date("2025-11-26T09:42:03Z"),
    buildPath: "/tmp/bunseal-rebuild-x/app",
    hostname: "rebuild-host-7",
    user: "relengineer",
    home: "/home/relengineer",
    timezone: "Europe/Berlin",
    locale: "de_DE.UTF-8",
    env: new Map([["PUBLIC_API_BASE", "https://api.example.test"]]),
    ...overrides,
  };
}
