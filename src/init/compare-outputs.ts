/**
 * The script's files against the artifact the new config builds, file by
 * file: the same bytes, or what differs. Pure: both sides in memory.
 */

export interface Comparison {
  /** artifact paths whose bytes are the script's */
  same: string[];
  differ: { path: string; why: string }[];
  /** files not compared, and why */
  notCompared: { path: string; why: string }[];
}

/**
 * Sourcemaps are not compared here: the script wrote its maps under init's
 * scratch folder, and a map's `sources` are relative to where it is written,
 * so its bytes say where init ran it, not what the config builds.
 */
const MAP_REASON = "a sourcemap: the script's was written under init's scratch folder, and a map's sources are relative to where it is written";

export function compareOutputs(expected: ReadonlyMap<string, Uint8Array>, actual: ReadonlyMap<string, Uint8Array>): Comparison {
  const result: Comparison = { same: [], differ: [], notCompared: [] };
  const paths = [...new Set([...expected.keys(), ...actual.keys()])].sort();
  for (const path of paths) {
    const mine = expected.get(path);
    const built = actual.get(path);
    if (path.endsWith(".map")) {
      if (mine && built) result.notCompared.push({ path, why: MAP_REASON });
      else result.differ.push({ path, why: mine ? "the script writes it; the config's build does not" : "the config's build makes it; the script does not" });
      continue;
    }
    if (!mine) result.differ.push({ path, why: "the config's build makes it; the script does not" });
    else if (!built) result.differ.push({ path, why: "the script writes it; the config's build does not" });
    else if (Buffer.compare(mine, built) === 0) result.same.push(path);
    else result.differ.push({ path, why: difference(mine, built) });
  }
  return result;
}

function difference(mine: Uint8Array, built: Uint8Array): string {
  let at = 0;
  while (at < mine.length && at < built.length && mine[at] === built[at]) at++;
  const excerpt = (bytes: Uint8Array) => JSON.stringify(new TextDecoder().decode(bytes.subarray(Math.max(0, at - 20), at + 40)));
  return `${mine.length} bytes from the script, ${built.length} from the config's build; first difference at byte ${at}: script ${excerpt(mine)}, config ${excerpt(built)}`;
}
