/**
 * Real-world build scripts → bunseal.json: the exact config (every option
 * explicit, the CLI's defaults where the command says nothing) and every token
 * that could not be carried over, with the reason. Pure: no disk.
 */
import { describe, expect, test } from "bun:test";
import { ConfigSchema } from "../../src/config/schema.ts";
import { planInit } from "../../src/init/plan-init.ts";

const NAMING = { chunk: "[name]-[hash].[ext]", asset: "[name]-[hash].[ext]" };
/** `bun build` with no flags, as bunseal.json says it */
const CLI = { target: "browser", format: "esm", minify: false, sourcemap: "none", splitting: false, external: [], define: {}, naming: NAMING, packages: "bundle", env: "disable", bytecode: false, network: false };
const TOP = { env: [], secrets: [], outDir: ".bunseal/out" };
const OUT = "bunseal writes the outputs into its own artifact (config outDir, default .bunseal/out), named by build.naming";

const cases: { name: string; scripts: Record<string, string>; build: Record<string, unknown>; entrypoints: string[]; untranslated: [string, string, RegExp | string][] }[] = [
  {
    // Bun's React template (bun init --react): note its --define: form, which Bun 1.4.5 ignores
    name: "react template",
    scripts: { dev: "bun --hot src/index.ts", build: `bun build ./src/index.html --outdir=dist --sourcemap --target=browser --minify --define:process.env.NODE_ENV='"production"' --env='BUN_PUBLIC_*'` },
    entrypoints: ["src/index.html"],
    build: { ...CLI, target: "browser", minify: true, sourcemap: "linked", env: "BUN_PUBLIC_*" },
    untranslated: [
      ["build", "--outdir=dist", OUT],
      ["build", '--define:process.env.NODE_ENV="production"', /^not a flag of bun build in Bun 1\.4\.5: Bun ignores it.*"--define:" is read as an unknown flag/],
      ["build", "--env=BUN_PUBLIC_*", /^translated as build.env, but bunseal's build sees only the variables named in the config's env/],
    ],
  },
  {
    name: "CLI compiled to an executable",
    scripts: { build: "bun build --compile --minify --sourcemap ./src/cli.ts --outfile dist/mycli" },
    entrypoints: ["src/cli.ts"],
    // an executable runs on Bun: --compile without --target bundles for bun; its name is part of the release
    build: { ...CLI, target: "bun", minify: true, sourcemap: "linked", compile: { outfile: "mycli" } },
    untranslated: [],
  },
  {
    name: "library, dependencies external, chained with tsc",
    scripts: { build: "rm -rf dist && bun build src/index.ts --packages external --format esm --outdir dist && tsc --emitDeclarationOnly" },
    entrypoints: ["src/index.ts"],
    build: { ...CLI, packages: "external", format: "esm" },
    untranslated: [["build", "--outdir dist", OUT]],
  },
  {
    name: "Hono service",
    scripts: { dev: "bun run --hot src/index.ts", build: "bun build src/index.ts --target bun --outdir dist --minify" },
    entrypoints: ["src/index.ts"],
    build: { ...CLI, target: "bun", minify: true },
    untranslated: [["build", "--outdir dist", OUT]],
  },
  {
    name: "env prefix, bun run indirection, repeated and short flags, watch",
    scripts: {
      build: "bun run build:server",
      "build:server": `NODE_ENV=production API=https://x bun build src/server.ts -e pg --external=sharp -d 'VERSION:"1.2"' --define "A=1" --sourcemap=external --watch`,
    },
    entrypoints: ["src/server.ts"],
    build: { ...CLI, external: ["pg", "sharp"], define: { VERSION: '"1.2"', A: "1", "process.env.NODE_ENV": '"production"' }, sourcemap: "external" },
    untranslated: [
      ["build:server", "--watch", "a development mode, not for a release build"],
      ["build:server", "API=https://x", /^a variable the script sets for the build; .* add API to env/],
    ],
  },
  {
    name: "two builds: the first is translated, the second reported",
    scripts: { build: "bun build src/a.ts --outdir dist/a && bun build src/b.ts --target node --outdir dist/b" },
    entrypoints: ["src/a.ts"],
    build: CLI,
    untranslated: [
      ["build", "--outdir dist/a", OUT],
      ["build", "bun build src/b.ts --target node --outdir dist/b", 'another bun build; bunseal.json describes one build, so only the first (script "build") is translated'],
    ],
  },
  {
    name: "bytecode: format defaults to cjs; keep-names and split minify flags",
    scripts: { build: "bunx bun build src/index.ts --target=bun --bytecode --minify-syntax --minify-whitespace --keep-names --no-bundle" },
    entrypoints: ["src/index.ts"],
    build: { ...CLI, target: "bun", format: "cjs", bytecode: true, minify: { whitespace: true, syntax: true, identifiers: false, keepNames: true } },
    untranslated: [["build", "--no-bundle", /^transpiles without bundling/]],
  },
];

describe("bunseal init translates real-world build scripts", () => {
  for (const c of cases) {
    test(c.name, () => {
      const plan = planInit({ name: "@acme/my-app", scripts: c.scripts });
      expect(plan.config).toEqual({ service: "my-app", entrypoints: c.entrypoints, build: c.build, ...TOP });
      expect(plan.untranslated.map((u) => u.script)).toEqual(c.untranslated.map((u) => u[0]));
      expect(plan.untranslated.map((u) => u.token)).toEqual(c.untranslated.map((u) => u[1]));
      plan.untranslated.forEach((u, i) => (typeof c.untranslated[i]![2] === "string" ? expect(u.reason).toBe(c.untranslated[i]![2] as string) : expect(u.reason).toMatch(c.untranslated[i]![2])));
      // the tool never hands out a config bunseal would refuse
      expect(ConfigSchema.safeParse(plan.config).success).toBe(true);
    });
  }
});

describe("what init will not write", () => {
  test("an option bunseal.json does not accept is reported against its flag, not written", () => {
    const plan = planInit({ name: "x", scripts: { build: "bun build src/index.ts --react-compiler --windows-title=X" } });
    expect(plan.config.build).not.toHaveProperty("reactCompiler");
    expect(plan.untranslated).toEqual([
      { script: "build", token: "--windows-title=X", reason: "an option of the compiled executable that bunseal.json does not hold (compile.windows: Windows executables)" },
      { script: "build", token: "--react-compiler", reason: "bunseal.json has no build.reactCompiler yet (Bun.build's reactCompiler); the artifact would be built without it" },
    ]);
  });

  test("an unknown flag is reported: Bun ignores it, so the config does not gain it", () => {
    const plan = planInit({ name: "x", scripts: { build: "bun build src/index.ts --minfy" } });
    expect(plan.config.build).toMatchObject({ minify: false });
    expect(plan.untranslated[0]!.token).toBe("--minfy");
  });

  test("no script runs bun build: BUILD_SCRIPT_NOT_FOUND naming the Bun.build script it found instead", () => {
    expect(() => planInit({ name: "x", scripts: { build: "bun run build.ts", test: "bun test" } })).toThrow(expect.objectContaining({ code: "BUILD_SCRIPT_NOT_FOUND", message: expect.stringContaining('script "build" runs build.ts, a build written in code') }));
  });

  test("a package name that is not a service name is refused, not written (CONFIG_INVALID)", () => {
    expect(() => planInit({ name: "@acme/-bad", scripts: { build: "bun build src/index.ts" } })).toThrow(expect.objectContaining({ code: "CONFIG_INVALID", field: "service" }));
  });

  test("an entrypoint outside the project is not written", () => {
    const plan = planInit({ name: "x", scripts: { build: "bun build ../shared/index.ts src/index.ts" } });
    expect(plan.config.entrypoints).toEqual(["src/index.ts"]);
    expect(plan.untranslated[0]).toMatchObject({ token: "../shared/index.ts" });
  });
});
