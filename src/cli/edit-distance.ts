/**
 * Optimal string alignment distance (commander suggests names by it):
 * insertions, deletions, substitutions and swaps of neighbours. Three rolling
 * rows of a typed array: the fast path asks this of every flag a command has,
 * in a process that has not warmed up, so allocation is most of its cost.
 */
export function editDistance(a: string, b: string): number {
  const width = b.length + 1;
  let before = new Int32Array(width); // row i - 2
  let previous = new Int32Array(width); // row i - 1
  let current = new Int32Array(width);
  for (let j = 0; j < width; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j < width; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, before[j - 2]! + 1);
      current[j] = best;
    }
    [before, previous, current] = [previous, current, before];
  }
  return previous[width - 1]!;
}

/** Whether two words are within `max` edits; words whose lengths differ by more are not compared at all. */
export function withinDistance(a: string, b: string, max: number): boolean {
  return Math.abs(a.length - b.length) <= max && editDistance(a, b) <= max;
}
