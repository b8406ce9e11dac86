/**
 * What the observed build script did, as the preload (observe-preload.ts)
 * writes it: every Bun.build call and every file it wrote into the project.
 * Written by code in the script's own process, so it is parsed as untrusted
 * input: a shape that is not this one is refused, never half-used.
 */
import { BunsealError } from "../errors.ts";

export interface ObservedPlugin {
  /** the plugin's `name` */
  name: string;
  /** the module whose default export it is: a package (by the specifier the script imports) or a project file (`./…`) */
  module?: { package: string; path: string } | { file: string };
  /** for a plugin built in the script: `file:line` where it is written */
  site?: string;
}

export type ObservedEvent =
  | {
      kind: "build";
      /** `file:line` of the call, relative to the project */
      site: string;
      /** the options as Bun.build got them, plugins aside; a value JSON cannot hold is `{"bunseal:unexpressible": what}` */
      options: Record<string, unknown>;
      plugins: ObservedPlugin[];
      /** the outdir relative to the project, when it is inside it */
      outdir?: string;
      /** the files Bun.build wrote, relative to the project */
      outputs: string[];
      success?: boolean;
      /** the Bun that made the call: `bun run` puts the project's node_modules/.bin first, where a `bun` package's binary may be */
      bun?: { version: string; path: string };
    }
  | {
      kind: "write";
      site: string;
      /** the file written, relative to the project */
      to: string;
      /** the project file it is a copy of, when the call names one */
      from?: string;
    };

const isString = (v: unknown): v is string => typeof v === "string";
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The events of one process's file, checked; `file` names it in the error. */
export function parseObserved(text: string, file: string): ObservedEvent[] {
  const fail = (why: string) => new BunsealError("BUILD_FAILED", `${file}: the observed build's record is not what bunseal's preload writes (${why}); the script can write that file, so nothing is taken from it`, { file, expected: "the preload's record", found: why });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw fail(`not JSON: ${(cause as Error).message}`);
  }
  if (!Array.isArray(raw)) throw fail("not a list");
  return raw.map((event, index) => {
    if (!isObject(event) || !isString(event.site)) throw fail(`event ${index} has no site`);
    if (event.kind === "write") {
      if (!isString(event.to) || (event.from !== undefined && !isString(event.from))) throw fail(`write ${index} has no path`);
      return { kind: "write", site: event.site, to: event.to, ...(isString(event.from) ? { from: event.from } : {}) };
    }
    if (event.kind !== "build" || !isObject(event.options) || !Array.isArray(event.plugins) || !Array.isArray(event.outputs) || !event.outputs.every(isString)) throw fail(`event ${index} is no Bun.build call`);
    if (event.outdir !== undefined && !isString(event.outdir)) throw fail(`build ${index} has an outdir that is not a path`);
    const plugins = event.plugins.map((p) => {
      if (!isObject(p) || !isString(p.name)) throw fail(`build ${index} has a plugin without a name`);
      const m = p.module;
      if (m === undefined) return { name: p.name, ...(isString(p.site) ? { site: p.site } : {}) };
      if (isObject(m) && isString(m.file)) return { name: p.name, module: { file: m.file } };
      if (isObject(m) && isString(m.package) && isString(m.path)) return { name: p.name, module: { package: m.package, path: m.path } };
      throw fail(`build ${index} has a plugin module of another shape`);
    });
    const bun = isObject(event.bun) && isString(event.bun.version) && isString(event.bun.path) ? { bun: { version: event.bun.version, path: event.bun.path } } : {};
    return { kind: "build", site: event.site, options: event.options, plugins, ...(isString(event.outdir) ? { outdir: event.outdir } : {}), outputs: event.outputs as string[], ...(typeof event.success === "boolean" ? { success: event.success } : {}), ...bun };
  });
}
