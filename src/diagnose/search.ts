/**
 * Which factor moves which file, by group testing: every factor is built at
 * once, then only the groups that moved something are split. Every build's
 * answer is kept in one table and read with the rule that holds when a file
 * moves as soon as any of its causes is varied: a group that did not move a
 * file clears each of its factors for that file, and a group that moved it
 * while some of its factors are cleared implicates the rest ("moved with
 * {A, B}, not with {A}" ⇒ B). No group is built twice, and a group is built
 * only when the table cannot answer it.
 *
 * A build that fails is an answer too: the pseudo-file BUILD_FAILS "moves"
 * in it, so the factor that makes the build fail is isolated like any other.
 * A failed build says nothing of the files; while the factor that breaks it
 * is not known, the files wait.
 *
 * Pure: the builds come from `probe`; the caller decides what "moved" means.
 */
import type { Factor } from "./factors.ts";

/** The pseudo-file that moves when a build fails. */
export const BUILD_FAILS = "(the build)";

export interface Observation<S = unknown> {
  group: readonly Factor[];
  /** file → whether this build moved it; a file absent could not be told (a failed build tells none) */
  outcome: ReadonlyMap<string, boolean>;
  /** the error, when the build failed */
  failed?: string;
  /** the caller's handle on the build (its tar), for quoting bytes */
  sample?: S;
}

export interface Implication<S = unknown> {
  file: string;
  factor: Factor;
  /** a build that varied `factor` and moved the file */
  moved: Observation<S>;
  /** the other factors of that build, each shown by some build not to move the file */
  cleared: Factor[];
}

export interface SearchInput<S> {
  factors: readonly Factor[];
  files: readonly string[];
  /** factor names the byte patterns suggest: a group is split with them on one side first */
  suspects?: ReadonlySet<string>;
  /** builds a group once; `undefined` when no build is left in the budget */
  probe: (group: readonly Factor[]) => Promise<Observation<S> | undefined>;
}

export interface SearchResult<S> {
  implications: Implication<S>[];
  /** every build, in order */
  table: Observation<S>[];
}

export async function searchFactors<S>(input: SearchInput<S>): Promise<SearchResult<S>> {
  const table: Observation<S>[] = [];
  const found = new Map<string, Implication<S>[]>();
  const files = [BUILD_FAILS, ...input.files];
  const seen = (group: readonly Factor[]) => table.some((o) => sameGroup(o.group, group));

  const answer = (file: string, o: Observation<S>): boolean | undefined => (file === BUILD_FAILS ? o.failed !== undefined : o.failed !== undefined ? undefined : o.outcome.get(file));
  const clearedFor = (file: string) => new Set(table.filter((o) => answer(file, o) === false).flatMap((o) => o.group));
  const foundFor = (file: string) => found.get(file) ?? [];
  const failing = () => new Set(foundFor(BUILD_FAILS).map((i) => i.factor));

  /** the candidate sets of a file: each build that moved it and holds none of its known causes, less what is cleared */
  const openSets = (file: string) => {
    const cleared = clearedFor(file);
    const known = new Set(foundFor(file).map((i) => i.factor));
    return table
      .filter((o) => answer(file, o) === true && !o.group.some((f) => known.has(f)))
      .map((o) => ({ o, rest: o.group.filter((f) => !cleared.has(f)) }))
      .filter((c) => c.rest.length > 0)
      .sort((a, b) => a.rest.length - b.rest.length);
  };

  /** records every implication the table already proves; true when one was added */
  const infer = (): boolean => {
    let added = false;
    for (const file of files) {
      for (const { o, rest } of openSets(file)) {
        if (rest.length !== 1) continue;
        const cleared = o.group.filter((f) => f !== rest[0]);
        found.set(file, [...foundFor(file), { file, factor: rest[0]!, moved: o, cleared }]);
        added = true;
        break;
      }
    }
    return added;
  };

  /** the next group worth a build, or undefined when the table answers everything it can */
  const next = (): Factor[] | undefined => {
    while (infer());
    const broken = failing();
    const split = (set: readonly Factor[]): Factor[][] => {
      const suspected = set.filter((f) => input.suspects?.has(f.name));
      const half = Math.ceil(set.length / 2);
      const first = suspected.length > 0 && suspected.length <= half ? suspected : set.slice(0, half);
      return [first, set.filter((f) => !first.includes(f))];
    };
    const bisect = (file: string) => {
      for (const { rest } of openSets(file)) for (const side of split(rest)) if (!seen(side)) return side;
      return undefined;
    };
    // what else a file may depend on: every factor that is not known to break the build, not yet cleared, not yet found
    const remainder = (file: string) => {
      const cleared = clearedFor(file);
      const known = new Set(foundFor(file).map((i) => i.factor));
      const rest = input.factors.filter((f) => !broken.has(f) && !cleared.has(f) && !known.has(f));
      return rest.length > 0 && !seen(rest) ? rest : undefined;
    };
    // first what makes builds fail (until then no build answers for the files), then a first cause for every file, then any further causes
    const failures = bisect(BUILD_FAILS);
    if (failures) return failures;
    const real = files.slice(1);
    for (const file of real) {
      if (foundFor(file).length > 0) continue;
      const group = bisect(file) ?? (openSets(file).length === 0 ? remainder(file) : undefined);
      if (group) return group;
    }
    for (const file of real) {
      const group = bisect(file) ?? (openSets(file).length === 0 ? remainder(file) : undefined);
      if (group) return group;
    }
    return undefined;
  };

  for (let group = next(); group; group = next()) {
    const observation = await input.probe(group);
    if (!observation) break;
    table.push(observation);
  }
  while (infer());
  return { implications: [...found.values()].flat(), table };
}

function sameGroup(a: readonly Factor[], b: readonly Factor[]): boolean {
  return a.length === b.length && a.every((f) => b.includes(f));
}
