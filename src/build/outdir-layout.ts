/**
 * Where the artifact stands in the project's own build, for the one thing
 * that depends on it: sourcemap `sources`. Measured with Bun 1.4.5, Bun.build
 * with an `outdir` writes each source relative to the outdir (not to the map:
 * `dist/lib/x.js.map` says `../src/lib/x.ts`), and nothing else of any output
 * (JS, CSS, HTML, assets, the debugId) depends on the outdir; without one the
 * outputs stay in memory and `sources` are relative to the working directory,
 * the project. The artifact's root stands for `dist/`, a named build's folder
 * for `dist/<name>/`, as `Bun.build({ outdir: "dist/<name>" })` in a build
 * script writes them.
 *
 * The worker cannot give Bun that outdir: the project is read-only in the
 * sandbox, and an outdir anywhere else puts the path to it, which differs
 * between machines, into every map. So Bun builds in memory and each source,
 * a path relative to the project, is made relative to the outdir here: the
 * same relative path Bun computes, written into Bun's own JSON text.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { BuildOptions } from "../config/schema.ts";
import { rewriteInlineMap, rewriteSourcesArray, type SourceRewrite } from "./map-sources.ts";
import type { OutputSource } from "./output-files.ts";

/** The project folder the artifact's root stands for: `bun build --outdir dist`, the usual place. */
export const ARTIFACT_OUTDIR = "dist";

/** The outdir, relative to the project, whose maps a build's outputs match. */
export function buildOutdir(buildName: string): string {
  return buildName === "" ? ARTIFACT_OUTDIR : `${ARTIFACT_OUTDIR}/${buildName}`;
}

/**
 * `source` (relative to the project, normalised as Bun writes it) made
 * relative to `outdir` as path.relative makes it: the leading segments both
 * share dropped (`drop` characters of the source, never its file name), then
 * one `../` for each outdir segment left (`up`).
 */
export function relativeToOutdir(source: string, outdir: string): { up: number; drop: number } {
  const from = outdir.split("/");
  const to = source.split("/");
  let common = 0;
  while (common < from.length && common < to.length - 1 && from[common] === to[common]) common++;
  const drop = common === 0 ? 0 : to.slice(0, common).join("/").length + 1;
  return { up: from.length - common, drop };
}

/**
 * A rewrite of one source for `outdir`. A source that is no file of the
 * project's is left as Bun wrote it: a plugin's module in a namespace of its
 * own is `<namespace>:<path>` in memory and with an outdir alike. A file
 * whose name merely has a colon is told apart by being there.
 */
export function outdirRewrite(projectDir: string, outdir: string): SourceRewrite {
  return (raw, value) => {
    if (value.startsWith("/") || (/^[^/]*:/.test(value) && !existsSync(join(projectDir, value)))) return raw;
    const { up, drop } = relativeToOutdir(value, outdir);
    // the dropped segments are the outdir's own (a build's name: letters, digits, '.', '_', '-'), the same in the raw token as in the value
    if (raw.slice(1, 1 + drop) !== value.slice(0, drop)) throw new Error(`sourcemap source ${raw}: expected its first ${drop} characters to need no escape`);
    return `"${"../".repeat(up)}${raw.slice(1 + drop)}`;
  };
}

/**
 * The outputs of a build made in memory, with their maps' sources as Bun
 * writes them with `outdir`. External and linked maps are outputs of their
 * own; an inline map is the base64 at the end of its JS or CSS file.
 */
export function withOutdirSources(outputs: readonly Bun.BuildArtifact[], sourcemap: BuildOptions["sourcemap"], rewrite: SourceRewrite): OutputSource[] {
  if (sourcemap === undefined || sourcemap === "none") return [...outputs];
  return outputs.map((output): OutputSource => {
    if (output.kind === "sourcemap") return { path: output.path, arrayBuffer: () => placedMap(output, rewrite) };
    if (sourcemap !== "inline" || !/\.(js|mjs|cjs|css)$/.test(output.path)) return output;
    return {
      path: output.path,
      arrayBuffer: async () => {
        const bytes = new Uint8Array(await output.arrayBuffer());
        return buffer(rewriteInlineMap(bytes, rewrite, output.path) ?? bytes);
      },
    };
  });
}

/**
 * An external or linked map with its sources placed. Only its beginning is
 * read, as far as the sources array goes; the rest is taken as a slice of
 * Bun's blob, so a map of tens of megabytes is copied out of Bun once, as it
 * would be unchanged, not once more (fresh memory is slow to fault in).
 */
async function placedMap(output: Bun.BuildArtifact, rewrite: SourceRewrite): Promise<ArrayBuffer> {
  for (let size = 1 << 20; ; size *= 4) {
    const whole = size >= output.size;
    const placed = rewriteSourcesArray(new Uint8Array(await output.slice(0, size).arrayBuffer()), rewrite, output.path, whole);
    if (placed) return new Blob([placed.head as Uint8Array<ArrayBuffer>, output.slice(placed.end)]).arrayBuffer();
  }
}

/** The bytes' buffer, copied only when the bytes are part of a larger one. */
function buffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes.buffer as ArrayBuffer;
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
