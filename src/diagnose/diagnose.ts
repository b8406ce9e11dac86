/**
 * Differential diagnosis for a rebuild whose bytes differ: a cause is named
 * only when an experiment shows it. Heuristics over the bytes (src/rebuild/
 * causes.ts) may choose how a group is split; they never decide, and never
 * spend a build the search would not.
 *
 *   1. repeat: the same checkout built again, same environment. A file that
 *      differs again holds a value that changes from run to run.
 *   2. frozen clock (for those files): two builds with the wall clock stopped
 *      at the same instant. If they agree, the value followed the clock
 *      (`timestamp`). If they still differ, two more with the monotonic clock
 *      stopped too (performance.now, hrtime): agreeing there, it followed the
 *      monotonic clock (`monotonic-clock`); still differing, it is `random`.
 *   3. factors (src/diagnose/search.ts), for every file: builds that change
 *      things (path, directory order, file times, clock, time zone, locale,
 *      umask, host name, user, the allowed variables): all at once first, then
 *      only the groups that moved a file are split, reading every answer so
 *      far. A file that changes run to run counts as moved only where the
 *      unvaried builds agreed (src/diagnose/stable-regions.ts): a host name
 *      beside a random number is still found.
 *
 * A build that fails under a factor is a finding of its own, isolated the same
 * way. At most `maxExperiments` extra builds; what could not be tested stays
 * unconfirmed. Every build is compared with the rebuild itself, never with the
 * original: only the rebuild's environment is known.
 */
import { readTarFiles } from "../artifact/tar-read.ts";
import type { CauseKind } from "../rebuild/cause.ts";
import { combine, type Change, type Factor } from "./factors.ts";
import { errorLine } from "./failure.ts";
import { BUILD_FAILS, searchFactors, type Implication, type Observation } from "./search.ts";
import { changesStableRegion, stableRegions, type StableRegions } from "./stable-regions.ts";

export interface BuildSample {
  /** file path in the artifact → sha256 hex */
  files: ReadonlyMap<string, string>;
  tarPath: string;
}

/**
 * Builds the checkout once more under a change; a failed build is reported as
 * `{ error }`. `aborted`: no build ran, or the change could not be undone, so
 * nothing may be read from it and no further experiment can be trusted.
 */
export type ExperimentBuild = (label: string, change: Change) => Promise<BuildSample | { error: string; aborted?: boolean }>;

export interface Experiment {
  name: string;
  /** what was built */
  ran: string;
  /** what it showed */
  showed: string;
  /** how many builds it took (the frozen-clock pairs take two) */
  builds?: number;
}

export interface Confirmation {
  kind: CauseKind;
  /** the artifact file the experiment moved; null when the cause is no one file of the artifact (an mtime read from a file the record does not name) */
  file: string | null;
  /** the experiment behind it, in one sentence ("index.js byte 3971 differs again in a second build of the same checkout") */
  experiment: string;
  /** true: what the experiments showed leaves this kind the likeliest, not shown (a cause then stays unconfirmed) */
  hypothesis?: boolean;
}

/** A factor under which the build fails, and the build's error. */
export interface FailingFactor {
  factor: string;
  kind: CauseKind;
  error: string;
  experiment: string;
}

export interface DiagnoseInput {
  /** files whose bytes differ between the original and the rebuild */
  differing: readonly string[];
  /** the rebuild */
  reference: BuildSample;
  build: ExperimentBuild;
  /** the factors this machine can vary */
  factors: readonly Factor[];
  /** cause kinds the byte patterns suggest: a group is split with their factors on one side first */
  suspects?: readonly CauseKind[];
  /** the wall clock stopped, when faketime is here */
  frozenClock?: Change;
  /** both clocks stopped, the monotonic one too */
  frozenClocks?: Change;
  maxExperiments: number;
  log?: (message: string) => void;
}

export interface Diagnosis {
  confirmed: Confirmation[];
  experiments: Experiment[];
  /** files no experiment explained (budget spent, or nothing varied here moves them) */
  unexplained: string[];
  /** factors under which the build fails */
  failures: FailingFactor[];
}

export async function diagnose(input: DiagnoseInput): Promise<Diagnosis> {
  const experiments: Experiment[] = [];
  const confirmed: Confirmation[] = [];
  let budget = input.maxExperiments;
  const bytes = byteReader();

  const run = async (name: string, ran: string, change: Change): Promise<BuildSample | { error: string } | undefined> => {
    if (budget <= 0) return undefined;
    budget--;
    input.log?.(`experiment ${name}: ${ran}`);
    const result = await input.build(name, change);
    if ("error" in result && result.aborted) {
      budget = 0;
      experiments.push({ name, ran, showed: `could not be run: ${firstLine(result.error)}; no further experiment was run`, builds: 0 });
      return undefined;
    }
    return result;
  };
  /**
   * A build that varies nothing (the repeat, a frozen pair's) and fails has no
   * factor to blame: seen failing once under load on a shared machine, it is
   * tried once more before the diagnosis does without it. A timeout is not
   * retried: under a stopped monotonic clock it is the answer.
   */
  const runUnvaried = async (name: string, ran: string, change: Change) => {
    const first = await run(name, ran, change);
    if (!first || !("error" in first) || first.error.startsWith("TIMED_OUT")) return first;
    experiments.push({ name, ran, showed: `the build failed: ${firstLine(first.error)}; tried once more`, builds: 1 });
    return run(name, ran, change);
  };
  const failed = (name: string, ran: string, error: string, builds = 1) => experiments.push({ name, ran, showed: `the build failed: ${firstLine(error)}`, builds });
  const sampleOf = (result: BuildSample | { error: string } | undefined, name: string, ran: string): BuildSample | undefined => {
    if (result && "error" in result) failed(name, ran, result.error);
    return result && !("error" in result) ? result : undefined;
  };
  const moved = (sample: BuildSample, files: readonly string[]) => files.filter((f) => sample.files.get(f) !== input.reference.files.get(f));
  const where = async (file: string, a: BuildSample, b: BuildSample) => {
    const at = await bytes.firstDifference(file, a.tarPath, b.tarPath);
    return at === undefined ? file : `${file} byte ${at}`;
  };
  const list = (files: readonly string[]) => `${files.join(", ")} ${files.length === 1 ? "differs" : "differ"}`;

  // 1. repeat
  const differing = [...input.differing];
  const repeatRan = "a second build of the same checkout in the same environment";
  const repeat = differing.length > 0 ? sampleOf(await runUnvaried("repeat", repeatRan, {}), "repeat", repeatRan) : undefined;
  const unstable = repeat ? moved(repeat, differing) : [];
  if (repeat) experiments.push({ name: "repeat", ran: repeatRan, showed: unstable.length > 0 ? `${list(unstable)} again` : "every file came out the same", builds: 1 });
  const stable = repeat ? differing.filter((f) => !unstable.includes(f)) : [];
  /** builds where nothing but the clocks was varied: where they agree with the rebuild, a file is stable */
  const unvaried: BuildSample[] = repeat ? [repeat] : [];

  // 2. the clocks, for what changes from run to run
  if (unstable.length > 0) {
    /** two builds under one change; a failure is its error and the builds it took */
    const pair = async (name: string, ran: string, change: Change | undefined): Promise<[BuildSample, BuildSample] | { error: string; builds: number } | undefined> => {
      if (!change || budget < 2) return undefined;
      const first = await runUnvaried(`${name}-1`, ran, change);
      if (!first || "error" in first) return first && { error: first.error, builds: 1 };
      const second = await runUnvaried(`${name}-2`, ran, change);
      if (!second || "error" in second) return second && { error: second.error, builds: 2 };
      return [first, second];
    };
    const wallRan = "two builds with the wall clock stopped at the same instant";
    const wall = await pair("frozen-clock", wallRan, input.frozenClock);
    if (wall && !Array.isArray(wall)) failed("frozen-clock", wallRan, wall.error, wall.builds);
    if (Array.isArray(wall)) {
      unvaried.push(...wall);
      const agree = unstable.filter((f) => wall[0].files.get(f) === wall[1].files.get(f));
      const still = unstable.filter((f) => !agree.includes(f));
      experiments.push({ name: "frozen-clock", ran: wallRan, showed: agree.length > 0 ? `${agree.join(", ")} came out the same in both: ${agree.length === 1 ? "it follows" : "they follow"} the clock${still.length > 0 ? `; ${list(still)} still` : ""}` : "the files still differ with the wall clock stopped", builds: 2 });
      for (const file of agree) confirmed.push({ kind: "timestamp", file, experiment: `${await where(file, input.reference, repeat!)} differs again in a second build, and comes out the same in two builds with the clock stopped at the same instant` });
      const monoRan = "two builds with both clocks stopped at the same instant, the monotonic clock (performance.now, hrtime) too";
      const mono = still.length > 0 ? await pair("frozen-monotonic", monoRan, input.frozenClocks) : undefined;
      if (mono && !Array.isArray(mono)) failed("frozen-monotonic", monoRan, mono.error, mono.builds);
      if (Array.isArray(mono)) {
        unvaried.push(...mono);
        const monoAgree = still.filter((f) => mono[0].files.get(f) === mono[1].files.get(f));
        const random = still.filter((f) => !monoAgree.includes(f));
        experiments.push({ name: "frozen-monotonic", ran: monoRan, showed: monoAgree.length > 0 ? `${monoAgree.join(", ")} came out the same in both: ${monoAgree.length === 1 ? "it follows" : "they follow"} the monotonic clock${random.length > 0 ? `; ${list(random)} still` : ""}` : "the files still differ with both clocks stopped", builds: 2 });
        for (const file of monoAgree) confirmed.push({ kind: "monotonic-clock", file, experiment: `${await where(file, wall[0], wall[1])} differs between two builds with the wall clock stopped, and comes out the same in two builds with the monotonic clock (performance.now, hrtime) stopped too` });
        for (const file of random) confirmed.push({ kind: "random", file, experiment: `${await where(file, mono[0], mono[1])} differs again even between two builds with both the wall clock and the monotonic clock stopped at the same instant` });
      } else {
        // the monotonic clock could not be stopped here: random is the likelier reading, and no more than that
        for (const file of still) confirmed.push({ kind: "random", file, hypothesis: true, experiment: `${await where(file, wall[0], wall[1])} differs with the wall clock stopped; the monotonic clock (performance.now, hrtime) was not stopped` });
      }
    } else {
      // no faketime here (or no budget): a value that differs again in the same environment may follow either clock, or none
      for (const file of unstable) confirmed.push({ kind: "random", file, hypothesis: true, experiment: `${await where(file, input.reference, repeat!)} differs again in a second build of the same checkout; the clock could not be stopped to tell a time from a random value` });
    }
  }

  // 3. factors, for every file: a file that changes run to run only where the unvaried builds agreed
  const regions = new Map<string, StableRegions>();
  // one unvaried build beside the rebuild is too few to tell a random value's every token: a prefix two samples share by chance would read as stable
  for (const file of unvaried.length >= MIN_UNVARIED ? unstable : []) {
    const base = await bytes.of(file, input.reference.tarPath);
    const others = await Promise.all(unvaried.map((s) => bytes.of(file, s.tarPath)));
    const r = base && others.every((o) => o !== undefined) ? stableRegions(base, others as Uint8Array[]) : undefined;
    if (r) regions.set(file, r);
  }
  const searched = [...stable, ...regions.keys()];
  const suspects = new Set(input.factors.filter((f) => input.suspects?.includes(f.kind)).map((f) => f.name));
  const { implications, table } = searched.length === 0 || input.factors.length === 0 ? { implications: [], table: [] } : await searchFactors<BuildSample>({
    factors: input.factors,
    files: searched,
    suspects,
    probe: async (group) => {
      const name = group.map((f) => f.name).join("+");
      const ran = group.map((f) => f.describe).join("; ");
      const result = await run(name, ran, combine(group));
      if (!result) return undefined;
      if ("error" in result) {
        failed(name, ran, result.error);
        return { group, outcome: new Map(), failed: result.error };
      }
      const outcome = new Map<string, boolean>();
      for (const file of stable) outcome.set(file, result.files.get(file) !== input.reference.files.get(file));
      for (const [file, r] of regions) {
        const other = await bytes.of(file, result.tarPath);
        const changed = other === undefined ? undefined : changesStableRegion(r, other);
        if (changed !== undefined) outcome.set(file, changed);
      }
      const movedFiles = searched.filter((f) => outcome.get(f) === true);
      const untold = searched.filter((f) => !outcome.has(f));
      experiments.push({ name, ran, showed: `${movedFiles.length > 0 ? `${movedFiles.join(", ")} changed` : `none of ${searched.join(", ")} changed`}${untold.length > 0 ? `; cannot tell for ${untold.join(", ")}` : ""}`, builds: 1 });
      return { group, outcome, sample: result };
    },
  });

  const failures: FailingFactor[] = [];
  const explained = new Set<string>();
  for (const i of implications) {
    if (i.file === BUILD_FAILS) {
      // a failure is a finding only when it comes again: once, it may be the machine's
      const name = `${i.factor.name}-again`;
      const again = await run(name, i.factor.describe, combine([i.factor]));
      if (again && !("error" in again)) {
        experiments.push({ name, ran: i.factor.describe, showed: "the build succeeded: the failure did not come again, so it is not put on this factor", builds: 1 });
        continue;
      }
      if (again) experiments.push({ name, ran: i.factor.describe, showed: `the build failed again: ${firstLine(again.error)}`, builds: 1 });
      failures.push({ factor: i.factor.name, kind: i.factor.kind, error: i.moved.failed ?? "", experiment: `the build fails ${because(i, table)}${again ? " (and again in a build of it alone)" : " (seen in one build)"}: ${firstLine(i.moved.failed ?? "")}` });
      continue;
    }
    explained.add(i.file);
    const place = regions.has(i.file) ? `${i.file}, where builds of the same checkout agree,` : await where(i.file, input.reference, i.moved.sample!);
    confirmed.push({ kind: i.factor.kind, file: i.file, experiment: `${place} changes ${because(i, table)}` });
  }

  const unexplained = differing.filter((f) => !unstable.includes(f) && !explained.has(f));
  return { confirmed, experiments, unexplained, failures };
}

/** Unvaried builds (besides the rebuild) needed before a file that changes run to run is searched: the repeat and a frozen pair. */
const MIN_UNVARIED = 3;

/** Why a factor is implicated, in the words of the builds that show it. */
function because(i: Implication, table: readonly Observation[]): string {
  if (i.cleared.length === 0) return `when only this changes: ${i.factor.describe}`;
  const names = (fs: readonly Factor[]) => `{${fs.map((f) => f.name).join(", ")}}`;
  // a single build that varied exactly the cleared factors, where there is one, is the plainest proof
  const plain = table.find((o) => o.group.length === i.cleared.length && o.group.every((f) => i.cleared.includes(f)));
  return `with ${names(i.moved.group)} varied together, and not with ${names(i.cleared)}${plain ? "" : " (each in a build that left this file as it was)"}: so ${i.factor.name} (${i.factor.describe})`;
}

const firstLine = errorLine;

/** Reads files out of tars, each tar once. */
function byteReader() {
  const tars = new Map<string, Promise<Map<string, Uint8Array>>>();
  const filesOf = (tar: string) => {
    let files = tars.get(tar);
    if (!files) tars.set(tar, (files = readTarFiles(tar)));
    return files;
  };
  return {
    async of(file: string, tar: string): Promise<Uint8Array | undefined> {
      return (await filesOf(tar)).get(file);
    },
    async firstDifference(file: string, a: string, b: string): Promise<number | undefined> {
      const [x, y] = await Promise.all([filesOf(a).then((m) => m.get(file)), filesOf(b).then((m) => m.get(file))]);
      if (!x || !y) return undefined;
      const n = Math.min(x.byteLength, y.byteLength);
      for (let i = 0; i < n; i++) if (x[i] !== y[i]) return i;
      return x.byteLength === y.byteLength ? undefined : n;
    },
  };
}
