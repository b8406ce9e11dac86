/**
 * Which of React's JSX runtimes `bun build` would pick (jsx-dev-runtime or
 * jsx-runtime), so bunseal's Bun.build picks the same. The CLI decides from
 * the project's bunfig.toml (its mere presence: Bun then takes bunfig's JSX
 * defaults, development on), the tsconfig's `jsx`, --env and a production
 * NODE_ENV; Bun.build, given the same options, heeds only the NODE_ENV. So the
 * worker passes `jsx.development` explicitly unless the config sets it.
 *
 * Measured on Bun 1.4.5 over every combination; test/build-options/jsx-matrix
 * builds each one with the CLI and with bunseal and fails on any difference,
 * so a Bun that decides otherwise is caught, not shipped.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { BuildOptions } from "../config/schema.ts";

export interface JsxFacts {
  /** a bunfig.toml in the project folder, which `bun build` run there loads */
  bunfig: boolean;
  /** the project tsconfig's `compilerOptions.jsx`, as written */
  tsconfigJsx: string | undefined;
  /** any `--env` given (`build.env` set, even "disable") */
  envFlag: boolean;
  /** NODE_ENV is "production", by a define or in the build's environment */
  production: boolean;
}

export function cliJsxDevelopment(facts: JsxFacts): boolean {
  const jsx = facts.tsconfigJsx?.toLowerCase();
  if (!facts.bunfig) {
    if (jsx === "react-jsx") return false;
    if (jsx === "react-jsxdev") return true;
    return !facts.production;
  }
  if (jsx === "react-jsx") return !(facts.envFlag || facts.production);
  return !facts.production;
}

/** The facts of a project folder and a build's options; reads bunfig.toml and tsconfig.json, which are then recorded as read. */
export function jsxFacts(projectDir: string, options: BuildOptions, env: Readonly<Record<string, string>>): JsxFacts {
  const define = options.define?.["process.env.NODE_ENV"];
  return {
    bunfig: existsSync(join(projectDir, "bunfig.toml")),
    tsconfigJsx: tsconfigJsx(projectDir),
    envFlag: options.env !== undefined,
    production: define !== undefined ? define === '"production"' : env.NODE_ENV === "production",
  };
}

function tsconfigJsx(projectDir: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(join(projectDir, "tsconfig.json"), "utf8");
  } catch {
    return undefined;
  }
  try {
    const jsx = (Bun.JSONC.parse(text) as { compilerOptions?: { jsx?: unknown } } | null)?.compilerOptions?.jsx;
    return typeof jsx === "string" ? jsx : undefined;
  } catch {
    // Bun's own build reports a tsconfig it cannot parse; this only decides a default
    return undefined;
  }
}
