/**
 * The sourcemaps a watched build script wrote, put back where the script
 * writes them. init runs each Bun.build call with its outdir moved under a
 * scratch folder (the project is not the script's to write), and Bun writes
 * a map's `sources` relative to the outdir it got: `../../../../<project>/src/x.ts`
 * where the script, run as its authors run it, writes `../../src/x.ts`. Each
 * source is resolved where Bun wrote it and made relative to the outdir in the
 * project, every other byte of the map (and of a JS or CSS file holding it
 * inline) kept, so the comparison sees the bytes the script makes in place.
 * Pure: the bytes and the paths in, the placed bytes or why not out.
 */
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { rewriteInlineMap, rewriteMapSources, type SourceRewrite } from "../build/map-sources.ts";
import type { ObservedEvent } from "./observed.ts";

/** The call that wrote a file: its outdir (relative to the project) and whether its maps are inline. */
export interface MadeBy {
  outdir: string;
  inline: boolean;
}

export interface Where {
  /** the scratch folder that stands for the project in the script's run */
  outRoot: string;
  /** the project, as the script's run saw it */
  projectDir: string;
}

export type Placed = { bytes: Uint8Array } | { unplaced: string } | undefined;

/** Each file a Bun.build call wrote (relative to the project) → that call. */
export function madeByCall(events: readonly ObservedEvent[]): Map<string, MadeBy> {
  const made = new Map<string, MadeBy>();
  for (const event of events) {
    if (event.kind !== "build" || event.outdir === undefined) continue;
    for (const output of event.outputs) made.set(output, { outdir: event.outdir, inline: event.options.sourcemap === "inline" });
  }
  return made;
}

/**
 * `bytes`, the file `path` (relative to the project) as the script wrote it
 * under the scratch folder, with its map's sources placed; undefined when the
 * file holds no map Bun made (nothing to place). A map whose sources cannot be
 * placed says why: the script can write anything there, so it is not compared
 * rather than read as a bug of bunseal's.
 */
export function placeScriptMap(bytes: Uint8Array, path: string, made: MadeBy | undefined, where: Where): Placed {
  if (made === undefined) return undefined;
  const map = path.endsWith(".map");
  if (!map && !(made.inline && /\.(js|mjs|cjs|css)$/.test(path))) return undefined;
  const rewrite = scratchToProject(join(where.outRoot, made.outdir), join(where.projectDir, made.outdir), where);
  try {
    if (map) return { bytes: rewriteMapSources(bytes, rewrite, path) };
    const placed = rewriteInlineMap(bytes, rewrite, path);
    return placed === undefined ? undefined : { bytes: placed };
  } catch (cause) {
    return { unplaced: `its sourcemap's sources could not be put back where the script writes them (${(cause as Error).message})` };
  }
}

/**
 * A source as Bun wrote it for the scratch outdir, made relative to the
 * project's. A path under the scratch folder stands for the same path in the
 * project; one outside both (a hoisted node_modules above the project) is
 * itself. A namespaced source (`<namespace>:<path>`, a plugin's module) and
 * an absolute one do not depend on the outdir and are kept.
 */
function scratchToProject(scratchOutdir: string, projectOutdir: string, where: Where): SourceRewrite {
  return (raw, value) => {
    if (isAbsolute(value) || /^[^/]*:/.test(value)) return raw;
    const at = resolve(scratchOutdir, value);
    const inScratch = relative(where.outRoot, at);
    const file = inScratch === "" || inScratch.startsWith("..") || isAbsolute(inScratch) ? at : join(where.projectDir, inScratch);
    const placed = relative(projectOutdir, file).split(sep).join("/");
    // only the leading segments change: the rest of the token stays as Bun escaped it
    const [from, to] = [value.split("/"), placed.split("/")];
    let common = 0;
    while (common < from.length && common < to.length && from[from.length - 1 - common] === to[to.length - 1 - common]) common++;
    const tail = from.slice(from.length - common).join("/").length;
    const head = value.slice(0, value.length - (common === 0 ? 0 : tail));
    if (raw.slice(1, 1 + head.length) !== head) throw new Error(`source ${raw}: expected its first ${head.length} characters to need no escape`);
    const newHead = placed.slice(0, placed.length - (common === 0 ? 0 : tail));
    return `"${Buffer.from(JSON.stringify(newHead).slice(1, -1), "utf8").toString("latin1")}${raw.slice(1 + head.length)}`;
  };
}
