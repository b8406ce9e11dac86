/**
 * Where two versions of a text file differ, as regions a reader (and the
 * cause detectors) can take in: each differing span widened to the literal or
 * word around it. Comes before comparing and explaining, and imports neither.
 */
import { isReordering, type Span } from "./text-diff.ts";

export interface Region {
  offset: number;
  original: string;
  rebuilt: string;
  /** up to 24 characters before the original snippet (e.g. `debugId=`), for telling what the value is */
  before: string;
}

/** Regions kept per file: enough to see a pattern, few enough to read. */
export const MAX_REGIONS = 8;

/** Stops a snippet at the edge of a literal or word, so a value is quoted whole. */
const DELIMITER = /[\s"'`;,(){}[\]<>=&|!?*%^~]/;

/** Each span widened to the literal or word around it; spans that widen into one another become one region. */
export function regionsOf(a: string, b: string, spans: readonly Span[]): Region[] {
  const widen = (text: string, from: number, to: number): [number, number] => {
    let start = from;
    let end = to;
    while (start > 0 && from - start < 64 && !DELIMITER.test(text[start - 1]!)) start--;
    while (end < text.length && end - to < 64 && !DELIMITER.test(text[end]!)) end++;
    return [start, Math.min(end, start + 512)];
  };
  const ranges: [number, number, number, number][] = [];
  for (const s of spans) {
    const [a0, a1] = widen(a, s.aStart, s.aEnd);
    const [b0, b1] = widen(b, s.bStart, s.bEnd);
    const last = ranges.at(-1);
    if (last && a0 <= last[1] && b0 <= last[3]) [last[1], last[3]] = [Math.max(last[1], a1), Math.max(last[3], b1)];
    else ranges.push([a0, a1, b0, b1]);
  }
  // Neighbouring regions on one line that together are a list in another order are one difference, not many.
  const merged: typeof ranges = [];
  for (let i = 0; i < ranges.length; ) {
    let last = i;
    for (let j = i + 1; j < ranges.length && ranges[j]![0] - ranges[j - 1]![1] <= 64 && !a.slice(ranges[i]![0], ranges[j]![1]).includes("\n"); j++) {
      if (isReordering(a.slice(ranges[i]![0], ranges[j]![1]), b.slice(ranges[i]![2], ranges[j]![3]))) last = j;
    }
    merged.push([ranges[i]![0], ranges[last]![1], ranges[i]![2], ranges[last]![3]]);
    i = last + 1;
  }
  return merged.slice(0, MAX_REGIONS).map(([a0, a1, b0, b1]) => ({ offset: Buffer.byteLength(a.slice(0, a0)), original: a.slice(a0, a1), rebuilt: b.slice(b0, b1), before: a.slice(Math.max(0, a0 - 24), a0) }));
}
