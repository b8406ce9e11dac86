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
 * Sourcemaps included: the caller has put the script's maps back where the
 * script writes them (place-script-maps.ts). One it could not place is in
 * `unplaced`, with why: its bytes say where init ran the script, not what the
 * config builds, so it is not compared.
 */
export function compareOutputs(expected: ReadonlyMap<string, Uint8Array>, actual: ReadonlyMap<string, Uint8Array>, unplaced: ReadonlyMap<string, string> = new Map()): Comparison {
  const result: Comparison = { same: [], differ: [], notCompared: [] };
  const paths = [...new Set([...expected.keys(), ...actual.keys()])].sort();
  for (const path of paths) {
    const mine = expected.get(path);
    const built = actual.get(path);
    if (!mine) result.differ.push({ path, why: "the config's build makes it; the script does not" });
    else if (!built) result.differ.push({ path, why: "the script writes it; the config's build does not" });
    else if (unplaced.has(path)) result.notCompared.push({ path, why: unplaced.get(path)! });
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
