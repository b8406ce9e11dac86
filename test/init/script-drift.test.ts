/** scriptDrift: where the project's own build script and bunseal.json would build different things. */
import { describe, expect, test } from "bun:test";
import { ConfigSchema } from "../../src/config/schema.ts";
import { planInit } from "../../src/init/plan-init.ts";
import { scriptDrift } from "../../src/init/script-drift.ts";

const pkg = (build: string) => ({ name: "svc", scripts: { build } });

describe("scriptDrift", () => {
  test("a config written by init from the same script has no drift", () => {
    const p = pkg("NODE_ENV=production bun build src/index.ts --target bun --minify -e pg --sourcemap=external --outdir dist");
    expect(scriptDrift(p, ConfigSchema.parse(planInit(p).config))).toEqual([]);
  });

  test("a script without --target and a config without target agree: both build for the browser", () => {
    const config = ConfigSchema.parse({ service: "svc", entrypoints: ["src/index.ts"] });
    expect(scriptDrift(pkg("bun build ./src/index.ts --outdir dist"), config)).toEqual([]);
  });

  test("warns that a split build's chunks are named by the CLI as [name]-[hash] and by the config's default as chunk-[hash]", () => {
    const config = ConfigSchema.parse({ service: "svc", entrypoints: ["src/a.ts", "src/b.ts"], build: { splitting: true } });
    expect(scriptDrift(pkg("bun build ./src/a.ts ./src/b.ts --splitting --outdir dist"), config)).toEqual([
      `package.json script "build" builds with naming {"chunk":"[name]-[hash].[ext]","asset":"[name]-[hash].[ext]"} (bun build's default), bunseal.json with build.naming {"chunk":"chunk-[hash].[ext]","asset":"[name]-[hash].[ext]"}`,
    ]);
  });

  test("warns of a flag the config lacks, naming the flag, and of other entrypoints", () => {
    const config = ConfigSchema.parse({ service: "svc", entrypoints: ["src/main.ts"], build: { target: "bun" } });
    expect(scriptDrift(pkg("bun build src/index.ts --target=bun --minify --external sharp"), config)).toEqual([
      "package.json script \"build\" builds src/index.ts, bunseal.json's entrypoints are src/main.ts",
      'package.json script "build" builds with minify true (--minify), bunseal.json with build.minify false',
      'package.json script "build" builds with external ["sharp"] (--external sharp), bunseal.json with build.external []',
    ]);
  });

  test("warns of a variable the script sets that the build will not see", () => {
    const config = ConfigSchema.parse({ service: "svc", entrypoints: ["src/index.ts"], build: { target: "browser" } });
    expect(scriptDrift(pkg("API_URL=https://x bun build src/index.ts"), config)).toEqual([
      "package.json script \"build\" sets API_URL=https://x for the build; bunseal's build does not see API_URL unless the config's env lists it",
    ]);
  });

  test("no bun build script: nothing to compare", () => {
    expect(scriptDrift({ name: "svc" }, ConfigSchema.parse({ service: "svc", entrypoints: ["a.ts"] }))).toEqual([]);
  });
});
