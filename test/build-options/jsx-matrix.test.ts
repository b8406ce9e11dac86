/**
 * Which JSX runtime `bun build` picks (react/jsx-runtime or react/jsx-dev-runtime)
 * depends on more than the jsx options: on whether the project has a bunfig.toml,
 * on its tsconfig's `jsx`, on --env, on a NODE_ENV define. Every combination,
 * built by bunseal and by the CLI, must give the same bytes; the matrix must
 * also show both runtimes, or it tests nothing.
 */
import { describe, expect, test } from "bun:test";
import { comparable, differential, text } from "./differential.ts";

const RUNTIME = {
  "node_modules/react/package.json": JSON.stringify({ name: "react", version: "1.0.0", exports: { "./jsx-runtime": "./jsx-runtime.js", "./jsx-dev-runtime": "./jsx-dev-runtime.js" } }),
  "node_modules/react/jsx-runtime.js": `export const Fragment = "f";\nexport function jsx(t, p) { return { t, p }; }\nexport const jsxs = jsx;\n`,
  // a property name survives minifying, so it tells the runtimes apart in every cell
  "node_modules/react/jsx-dev-runtime.js": `export const Fragment = "f";\nexport function jsxDEV(t, p) { return { t, p, dev: true }; }\n`,
  "src/app.tsx": `export const App = () => <main><h1>hi</h1><p>there</p></main>;\nconsole.log(App());\n`,
};

const BUNFIGS: Record<string, Record<string, string>> = {
  "no bunfig": {},
  // the react template's: nothing about jsx, yet its presence changes the CLI's choice
  bunfig: { "bunfig.toml": `[serve.static]\nenv = "BUN_PUBLIC_*"\n` },
};
const TSCONFIGS: Record<string, Record<string, string>> = {
  "no tsconfig": {},
  "react-jsx": { "tsconfig.json": JSON.stringify({ compilerOptions: { jsx: "react-jsx" } }) },
  "react-jsxdev": { "tsconfig.json": JSON.stringify({ compilerOptions: { jsx: "react-jsxdev" } }) },
};
const FLAGS: Record<string, { build: Record<string, unknown>; cli: string[] }> = {
  "no flag": { build: {}, cli: [] },
  minify: { build: { minify: true }, cli: ["--minify"] },
  "env disable": { build: { env: "disable" }, cli: ["--env=disable"] },
  "env prefix": { build: { env: "PUBLIC_*" }, cli: ["--env=PUBLIC_*"] },
  "NODE_ENV define": { build: { define: { "process.env.NODE_ENV": '"production"' } }, cli: ["--define", 'process.env.NODE_ENV="production"'] },
};

const KNOWN_DIFFERENCE = "no bunfig, react-jsxdev, NODE_ENV define";
const seen = new Set<string>();

describe("jsx runtime: bunseal picks what bun build picks", () => {
  for (const [b, bunfig] of Object.entries(BUNFIGS))
    for (const [t, tsconfig] of Object.entries(TSCONFIGS))
      for (const [f, flag] of Object.entries(FLAGS)) {
        if (`${b}, ${t}, ${f}` === KNOWN_DIFFERENCE) continue;
        test(`${b}, ${t}, ${f}`, async () => {
          const { bunseal, cli } = await differential({
            files: { ...RUNTIME, ...bunfig, ...tsconfig },
            config: { entrypoints: ["src/app.tsx"], build: { target: "browser", ...flag.build } },
            cli: ["./src/app.tsx", "--target=browser", ...flag.cli],
          });
          seen.add(text(cli, "app.js").includes("dev:") ? "development" : "production");
          expect(comparable(bunseal)).toEqual(comparable(cli));
        });
      }
  // Bun.build turns a production NODE_ENV define into a forced production runtime that jsx.development
  // cannot override, while the CLI lets a tsconfig's react-jsxdev win. README: "Known differences".
  // This pins the difference: when a Bun lets bunseal match, it fails, and the cell joins the matrix.
  test(`known difference: ${KNOWN_DIFFERENCE}`, async () => {
    const { bunseal, cli } = await differential({
      files: { ...RUNTIME, ...TSCONFIGS["react-jsxdev"] },
      config: { entrypoints: ["src/app.tsx"], build: { target: "browser", ...FLAGS["NODE_ENV define"]!.build } },
      cli: ["./src/app.tsx", "--target=browser", ...FLAGS["NODE_ENV define"]!.cli],
    });
    expect(text(cli, "app.js")).toContain("dev:");
    expect(text(bunseal, "app.js")).not.toContain("dev:");
  });
  test("the matrix shows both runtimes", () => expect([...seen].sort()).toEqual(["development", "production"]));
});
