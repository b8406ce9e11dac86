/**
 * Every Bun.build option of the config against `bun build` itself: the same
 * project, the equivalent flags, the same names, bytes and modes. Each case
 * also proves its option took effect, so an ignored option fails here.
 */
import { describe, expect, test } from "bun:test";
import { comparable, differential, text, type Built, type DifferentialCase } from "./differential.ts";

const PKG = (name: string, files: Record<string, string>, manifest: Record<string, unknown> = {}) =>
  Object.fromEntries([[`node_modules/${name}/package.json`, JSON.stringify({ name, version: "1.0.0", ...manifest })], ...Object.entries(files).map(([f, c]) => [`node_modules/${name}/${f}`, c])]);

/** A stand-in for react's two JSX runtimes, enough to see which one a build imports. */
const JSX_RUNTIME = PKG("react", {
  "jsx-runtime.js": `export const Fragment = "fragment";\nexport function jsx(t, p) { return { t, p }; }\nexport const jsxs = jsx;\n`,
  "jsx-dev-runtime.js": `export const Fragment = "fragment";\nexport function jsxDEV(t, p) { return { t, p, dev: true }; }\n`,
}, { exports: { "./jsx-runtime": "./jsx-runtime.js", "./jsx-dev-runtime": "./jsx-dev-runtime.js" } });

const cases: (DifferentialCase & { name: string; proof: (b: Built) => void })[] = [
  {
    name: "bytecode",
    files: { "src/index.ts": `export function add(a: number, b: number) { return a + b; }\nconsole.log(add(1, 2));\n` },
    config: { entrypoints: ["src/index.ts"], build: { target: "bun", format: "cjs", bytecode: true } },
    cli: ["./src/index.ts", "--target=bun", "--format=cjs", "--bytecode"],
    proof: (b) => expect([...b.files.keys()].some((p) => p.endsWith(".jsc"))).toBe(true),
  },
  {
    name: "env: inline (allowed names only)",
    files: { "src/index.ts": `console.log(process.env.PUBLIC_API, process.env.OTHER_NAME);\n` },
    config: { entrypoints: ["src/index.ts"], env: ["PUBLIC_API"], build: { env: "inline" } },
    cli: ["./src/index.ts", "--env=inline"],
    env: { PUBLIC_API: "https://api.example" },
    proof: (b) => expect(text(b, "index.js")).toContain(`"https://api.example"`),
  },
  {
    name: "env: a prefix",
    files: { "src/index.ts": `console.log(process.env.PUBLIC_API, process.env.PRIVATE_NAME);\n` },
    config: { entrypoints: ["src/index.ts"], env: ["PUBLIC_API", "PRIVATE_NAME"], build: { env: "PUBLIC_*" } },
    cli: ["./src/index.ts", "--env=PUBLIC_*"],
    env: { PUBLIC_API: "https://api.example", PRIVATE_NAME: "not-inlined" },
    proof: (b) => expect(text(b, "index.js")).toContain(`"https://api.example", process.env.PRIVATE_NAME`),
  },
  {
    name: "packages: external",
    files: { "src/index.ts": `import pad from "leftish";\nconsole.log(pad("x"));\n`, ...PKG("leftish", { "index.js": `export default (s) => " " + s;\n` }, { main: "index.js" }) },
    config: { entrypoints: ["src/index.ts"], build: { packages: "external" } },
    cli: ["./src/index.ts", "--packages=external"],
    proof: (b) => expect(text(b, "index.js")).toContain(`from "leftish"`),
  },
  {
    name: "minify.keepNames",
    files: { "src/index.ts": `class Widget {}\nfunction makeWidget() { return new Widget(); }\nconsole.log(makeWidget().constructor.name, makeWidget.name);\n` },
    config: { entrypoints: ["src/index.ts"], build: { minify: { whitespace: true, syntax: true, identifiers: true, keepNames: true } } },
    cli: ["./src/index.ts", "--minify", "--keep-names"],
    // Bun 1.4.5 keeps no name in this sample either way (CLI and Bun.build alike); the option is passed, and the bytes agree
    proof: (b) => expect(text(b, "index.js")).toContain("class e{}"),
  },
  {
    name: "conditions",
    files: { "src/index.ts": `import which from "forked";\nconsole.log(which);\n`, ...PKG("forked", { "custom.js": `export default "custom build";\n`, "default.js": `export default "default build";\n` }, { exports: { ".": { custom: "./custom.js", default: "./default.js" } } }) },
    config: { entrypoints: ["src/index.ts"], build: { conditions: ["custom"] } },
    cli: ["./src/index.ts", "--conditions=custom"],
    proof: (b) => expect(text(b, "index.js")).toContain("custom build"),
  },
  {
    name: "root",
    files: { "src/a/one.ts": `console.log(1);\n`, "src/b/two.ts": `console.log(2);\n` },
    config: { entrypoints: ["src/a/one.ts", "src/b/two.ts"], build: { root: "." } },
    cli: ["./src/a/one.ts", "./src/b/two.ts", "--root=."],
    proof: (b) => expect([...b.files.keys()].sort()).toEqual(["src/a/one.js", "src/b/two.js"]),
  },
  {
    name: "publicPath",
    files: { "src/index.ts": `import logo from "./logo.svg";\nconsole.log(logo);\n`, "src/logo.svg": `<svg xmlns="http://www.w3.org/2000/svg"/>\n` },
    config: { entrypoints: ["src/index.ts"], build: { target: "browser", publicPath: "https://cdn.example/" } },
    cli: ["./src/index.ts", "--target=browser", "--public-path=https://cdn.example/"],
    proof: (b) => expect(text(b, "index.js")).toContain("https://cdn.example/logo-"),
  },
  {
    name: "banner and footer",
    files: { "src/index.ts": `console.log("body");\n` },
    config: { entrypoints: ["src/index.ts"], build: { banner: `"use client";`, footer: "// built with bun" } },
    cli: ["./src/index.ts", `--banner="use client";`, "--footer=// built with bun"],
    proof: (b) => expect(text(b, "index.js")).toMatch(/"use client";[\s\S]*\/\/ built with bun/),
  },
  {
    name: "drop",
    files: { "src/index.ts": `console.log("dropped");\nexport const kept = 1;\n` },
    config: { entrypoints: ["src/index.ts"], build: { drop: ["console"] } },
    cli: ["./src/index.ts", "--drop=console"],
    proof: (b) => expect(text(b, "index.js")).not.toContain("dropped"),
  },
  {
    name: "loader",
    files: { "src/index.ts": `import notes from "./notes.data";\nconsole.log(notes);\n`, "src/notes.data": "plain notes\n" },
    config: { entrypoints: ["src/index.ts"], build: { loader: { ".data": "text" } } },
    cli: ["./src/index.ts", "--loader=.data:text"],
    proof: (b) => expect(text(b, "index.js")).toContain("plain notes"),
  },
  {
    name: "jsx (classic runtime, factory, fragment)",
    files: { "src/index.tsx": `const h = (...a: unknown[]) => a; const Frag = "frag";\nconsole.log(<><b>hi</b></>);\n` },
    config: { entrypoints: ["src/index.tsx"], build: { jsx: { runtime: "classic", factory: "h", fragment: "Frag" } } },
    cli: ["./src/index.tsx", "--jsx-runtime=classic", "--jsx-factory=h", "--jsx-fragment=Frag"],
    proof: (b) => expect(text(b, "index.js")).toContain("h(Frag"),
  },
  {
    name: "glob entrypoints, expanded and sorted",
    files: { "src/pages/home.ts": `console.log("home");\n`, "src/pages/about.ts": `console.log("about");\n`, "src/pages/nested/deep.ts": `console.log("deep");\n` },
    config: { entrypoints: ["src/pages/**/*.ts"], build: {} },
    cli: ["./src/pages/about.ts", "./src/pages/home.ts", "./src/pages/nested/deep.ts"],
    proof: (b) => expect([...b.files.keys()].sort()).toEqual(["about.js", "home.js", "nested/deep.js"]),
  },
  {
    name: "HTML entrypoint: the CLI's chunk names, when naming.chunk says so (Bun.build's default is chunk-[hash])",
    files: {
      "src/index.html": `<!doctype html><html><head><link rel="stylesheet" href="./style.css"></head><body><img src="./logo.svg"><script type="module" src="./app.ts"></script></body></html>\n`,
      "src/style.css": "body { color: red }\n",
      "src/logo.svg": `<svg xmlns="http://www.w3.org/2000/svg"/>\n`,
      "src/app.ts": `console.log("app");\n`,
    },
    config: { entrypoints: ["src/index.html"], build: { target: "browser", naming: { chunk: "[name]-[hash].[ext]" } } },
    cli: ["./src/index.html", "--target=browser"],
    proof: (b) => expect([...b.files.keys()].some((p) => /^index-[a-z0-9]+\.js$/.test(p))).toBe(true),
  },
  {
    name: "splitting: the CLI's chunk names, when naming.chunk says so",
    files: { "src/a.ts": `import { s } from "./shared.ts";\nconsole.log("a", s);\n`, "src/b.ts": `import { s } from "./shared.ts";\nconsole.log("b", s);\n`, "src/shared.ts": `export const s = String(Math.random());\n` },
    config: { entrypoints: ["src/a.ts", "src/b.ts"], build: { splitting: true, naming: { chunk: "[name]-[hash].[ext]" } } },
    cli: ["./src/a.ts", "./src/b.ts", "--splitting"],
    proof: (b) => expect([...b.files.keys()].some((p) => !p.startsWith("chunk-") && /-[a-z0-9]{8}\.js$/.test(p))).toBe(true),
  },
  {
    name: "external",
    files: { "src/index.ts": `import pad from "leftish";\nimport { join } from "node:path";\nconsole.log(pad("x"), join("a", "b"));\n`, ...PKG("leftish", { "index.js": `export default (s) => " " + s;\n` }, { main: "index.js" }) },
    config: { entrypoints: ["src/index.ts"], build: { external: ["leftish"] } },
    cli: ["./src/index.ts", "--external=leftish"],
    proof: (b) => expect(text(b, "index.js")).toContain(`from "leftish"`),
  },
  {
    name: "define",
    files: { "src/index.ts": `declare const BUILD_FLAVOUR: string;\nconsole.log(BUILD_FLAVOUR, process.env.NODE_ENV);\n` },
    config: { entrypoints: ["src/index.ts"], build: { define: { BUILD_FLAVOUR: '"blue"', "process.env.NODE_ENV": '"production"' } } },
    cli: ["./src/index.ts", "--define", 'BUILD_FLAVOUR="blue"', "--define", 'process.env.NODE_ENV="production"'],
    proof: (b) => expect(text(b, "index.js")).toContain(`"blue"`),
  },
  {
    name: "naming, as configured",
    files: { "src/a.ts": `import { s } from "./shared.ts";\nconsole.log("a", s);\n`, "src/b.ts": `import { s } from "./shared.ts";\nconsole.log("b", s);\n`, "src/shared.ts": `export const s = "shared";\n` },
    config: { entrypoints: ["src/a.ts", "src/b.ts"], build: { splitting: true, naming: { entry: "[dir]/[name].entry.[ext]", chunk: "chunks/[hash].[ext]" } } },
    cli: ["./src/a.ts", "./src/b.ts", "--splitting", "--entry-naming=[dir]/[name].entry.[ext]", "--chunk-naming=chunks/[hash].[ext]"],
    proof: (b) => {
      expect(b.files.has("a.entry.js")).toBe(true);
      expect([...b.files.keys()].some((p) => p.startsWith("chunks/"))).toBe(true);
    },
  },
  {
    name: "sourcemap external (sources normalised)",
    files: { "src/index.ts": `export const x: number = 1;\nconsole.log(x);\n` },
    config: { entrypoints: ["src/index.ts"], build: { sourcemap: "external" } },
    cli: ["./src/index.ts", "--sourcemap=external"],
    proof: (b) => expect(b.files.has("index.js.map")).toBe(true),
  },
  {
    name: "a #! output is executable (0755), as bun build writes it",
    files: { "src/cli.ts": `#!/usr/bin/env bun\nconsole.log("run me");\n` },
    config: { entrypoints: ["src/cli.ts"], build: {} },
    cli: ["./src/cli.ts"],
    proof: (b) => expect(b.modes.get("cli.js")).toBe(0o755),
  },
  // which runtime bun build picks without jsx.development: test/build-options/jsx-matrix.test.ts
  {
    name: "jsx.development set in the config wins over --env",
    files: { ...JSX_RUNTIME, "src/app.tsx": `export const App = () => <main><h1>hi</h1></main>;\nconsole.log(App());\n` },
    config: { entrypoints: ["src/app.tsx"], build: { target: "browser", env: "PUBLIC_*", jsx: { development: true } } },
    script: `const r = await Bun.build({ entrypoints: ["./src/app.tsx"], target: "browser", outdir: process.env.OUTDIR, env: "PUBLIC_*", jsx: { development: true }, naming: { chunk: "[name]-[hash].[ext]", asset: "[name]-[hash].[ext]" } }); if (!r.success) { console.error(r.logs); process.exit(1); }`,
    proof: (b) => expect(text(b, "app.js")).toContain("jsxDEV"),
  },
  {
    name: "plugins (a project module; the CLI has no flag, so Bun.build is run as a script)",
    files: {
      "src/index.ts": `import greeting from "virtual:greeting";\nconsole.log(greeting);\n`,
      "plugins/greeting.ts": `import { WORD } from "./word.ts";\nexport default { name: "greeting", setup(build: any) { build.onResolve({ filter: /^virtual:greeting$/ }, () => ({ path: "greeting", namespace: "greeting" })); build.onLoad({ filter: /.*/, namespace: "greeting" }, () => ({ contents: "export default " + JSON.stringify(WORD), loader: "js" })); } };\n`,
      "plugins/word.ts": `export const WORD = "hello from a plugin";\n`,
    },
    config: { entrypoints: ["src/index.ts"], build: { plugins: ["./plugins/greeting.ts"] } },
    script: `const { default: plugin } = await import(process.cwd() + "/plugins/greeting.ts"); const r = await Bun.build({ entrypoints: ["./src/index.ts"], outdir: process.env.OUTDIR, plugins: [plugin] }); if (!r.success) { console.error(r.logs); process.exit(1); }`,
    proof: (b) => expect(text(b, "index.js")).toContain("hello from a plugin"),
  },
];

describe("build options: bunseal's bytes are bun build's", () => {
  for (const c of cases) {
    test(c.name, async () => {
      const { bunseal, cli } = await differential(c);
      c.proof(bunseal);
      expect(comparable(bunseal)).toEqual(comparable(cli));
      expect(Object.fromEntries(bunseal.modes)).toEqual(Object.fromEntries(cli.modes));
    });
  }
});

describe("compile", () => {
  test("compile: true makes the executable bun build --compile makes, packed 0755", async () => {
    const { bunseal, cli } = await differential({
      files: { "src/tool.ts": `console.log("compiled tool");\n` },
      config: { entrypoints: ["src/tool.ts"], build: { compile: true } },
      // the CLI refuses --compile with --outdir; the outfile keeps the name Bun.build gives
      cli: ["./src/tool.ts", "--target=bun", "--compile", "--outfile=cli-out/tool"],
    });
    expect([...bunseal.files.keys()]).toEqual(["tool"]);
    expect(bunseal.modes.get("tool")).toBe(0o755);
    expect(bunseal.files.get("tool")!.byteLength).toBeGreaterThan(1_000_000);
    expect(comparable(bunseal)).toEqual(comparable(cli));
    expect(Object.fromEntries(bunseal.modes)).toEqual(Object.fromEntries(cli.modes));
  }, 120_000);
});
