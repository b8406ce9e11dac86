/**
 * Source Map v3 lookups: which input module a byte of a bundle came from, so a
 * difference is reported as `src/config.ts:12:7` rather than as column 48 213
 * of a minified line. The map comes from the artifact under comparison, so it
 * is attacker-controlled: anything malformed means "no origin", never a throw.
 */

export interface Origin {
  /** the input module as the map names it: relative to the outdir the artifact stands for (`dist/`, `dist/<build>/`; src/build/outdir-layout.ts), or to the project in artifacts built before that and in compiled ones */
  input: string;
  /** 1-based */
  line: number;
  /** 1-based, in UTF-16 code units as the spec counts them */
  column: number;
}

interface SourceMapV3 { sources: (string | null)[]; sourceRoot?: string; mappings: string }

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE64.length; i++) DIGIT[BASE64.charCodeAt(i)] = i;

export function parseSourceMap(text: string): SourceMapV3 | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof json !== "object" || json === null) return undefined;
  const { version, sources, sourceRoot, mappings } = json as Record<string, unknown>;
  // Index maps ("sections") are not what Bun writes; they get no origin rather than a wrong one.
  if (version !== 3 || typeof mappings !== "string" || !Array.isArray(sources)) return undefined;
  if (!sources.every((s) => s === null || typeof s === "string")) return undefined;
  return { sources, mappings, sourceRoot: typeof sourceRoot === "string" ? sourceRoot : undefined };
}

/**
 * The original position of generated (line, column), both 0-based: the segment
 * on that line with the greatest column not after it, as mozilla/source-map's
 * default bias does. Undefined when the line has no such segment.
 */
export function originalPosition(map: SourceMapV3, line: number, column: number): Origin | undefined {
  const text = map.mappings;
  // Fields 2-5 are deltas carried across lines; only the generated column restarts on each line.
  let source = 0, srcLine = 0, srcCol = 0, name = 0;
  let genLine = 0;
  let best: [number, number, number, number] | undefined; // [genCol, source, srcLine, srcCol]
  let i = 0;
  while (i <= text.length && genLine <= line) {
    let genCol = 0;
    // one generated line
    while (i < text.length && text[i] !== ";") {
      const fields: number[] = [];
      while (i < text.length && text[i] !== "," && text[i] !== ";") {
        const decoded = vlq(text, i);
        if (decoded === undefined) return undefined;
        fields.push(decoded[0]);
        i = decoded[1];
      }
      if (text[i] === ",") i++;
      if (fields.length === 0) continue;
      if (fields.length !== 1 && fields.length !== 4 && fields.length !== 5) return undefined;
      genCol += fields[0]!;
      if (fields.length >= 4) {
        source += fields[1]!;
        srcLine += fields[2]!;
        srcCol += fields[3]!;
        if (fields.length === 5) name += fields[4]!;
      }
      if (genLine === line && genCol <= column && (best === undefined || genCol >= best[0])) {
        // A one-field segment maps generated code to no source: it ends the previous mapping.
        best = fields.length === 1 ? [genCol, -1, 0, 0] : [genCol, source, srcLine, srcCol];
      }
    }
    i++;
    genLine++;
  }
  if (best === undefined || best[1] < 0) return undefined;
  const input = map.sources[best[1]];
  if (typeof input !== "string" || best[2] < 0 || best[3] < 0) return undefined;
  const root = map.sourceRoot ? map.sourceRoot.replace(/\/?$/, "/") : "";
  return { input: root + input, line: best[2] + 1, column: best[3] + 1 };
}

/** One base64 VLQ from text[i]: [value, next index], or undefined when malformed. */
function vlq(text: string, i: number): [number, number] | undefined {
  let result = 0;
  let shift = 0;
  for (;;) {
    const code = text.charCodeAt(i);
    const digit = code < 128 ? DIGIT[code]! : -1;
    // 32 bits is the spec's ceiling; a longer run is junk meant to overflow.
    if (digit < 0 || shift > 30) return undefined;
    result += (digit & 31) * 2 ** shift;
    shift += 5;
    i++;
    if ((digit & 32) === 0) break;
  }
  const value = Math.floor(result / 2);
  return [result % 2 === 1 ? -value : value, i];
}

/** 0-based line and UTF-16 column of a byte offset in UTF-8 `bytes`. */
export function positionAt(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let start = Math.min(offset, bytes.length);
  // Back up to the start of the character the offset falls in.
  while (start > 0 && (bytes[start]! & 0xc0) === 0x80) start--;
  let lineStart = start;
  let line = 0;
  while (lineStart > 0 && bytes[lineStart - 1] !== 0x0a) lineStart--;
  for (let i = 0; i < lineStart; i++) if (bytes[i] === 0x0a) line++;
  const column = new TextDecoder().decode(bytes.subarray(lineStart, start)).length;
  return { line, column };
}

/**
 * The map for `path` among the artifact's files: `<path>.map`, or the file a
 * trailing `sourceMappingURL` comment names relative to it. Inline `data:` maps
 * are read too; URLs elsewhere are not fetched.
 */
export function findSourceMap(path: string, text: string, file: (path: string) => Uint8Array | undefined): string | undefined {
  const sibling = file(`${path}.map`);
  if (sibling !== undefined) return new TextDecoder().decode(sibling);
  const url = /[#@] sourceMappingURL=(\S+)\s*(?:\*\/)?\s*$/.exec(text.slice(-65536))?.[1];
  if (url === undefined) return undefined;
  const inline = /^data:application\/json(?:;charset=utf-?8)?;base64,([A-Za-z0-9+/=]+)$/i.exec(url);
  if (inline) return Buffer.from(inline[1]!, "base64").toString("utf8");
  if (/^[a-z]+:|^\//i.test(url)) return undefined;
  const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/") + 1) : "";
  const target = file(dir + url);
  return target === undefined ? undefined : new TextDecoder().decode(target);
}
