/**
 * Differential diagnosis for a rebuild whose bytes differ: a cause is named
 * only when an experiment shows it. Heuristics over the bytes (src/rebuild/
 * causes.ts) may choose which experiment runs first; they never decide alone.
 *
 *   1. repeat: the same checkout built again, same environment. A file that
 *      differs again holds a value that changes from run to run.
 *   2. frozen clock (for those files): two builds with the clock stopped at
 *      the same instant. If they agree, the value followed the clock
 *      (`timestamp`); if they still differ, it is `random`.
 *   3. factors (for the files that held still): builds that change one thing
 *      (path, directory order, clock, time zone, locale, umask, host name,
 *      the allowed variables) and see which files move. Suspects are tried
 *      alone first; the rest are bisected: a group is built at once, and only
 *      a group that moves a file is split, down to the single factor.
 *
 * At most `maxExperiments` extra builds; what could not be tested stays
 * unconfirmed. Every build is compared with the rebuild itself, never with
 * the original: only the rebuild's environment is known.
 */
import { readTarFiles } from "../artifact/tar-read.ts";
import type { CauseKind } from "../rebuild/cause.ts";
import { combine, type Change, type Factor } from "./factors.ts";

export interface BuildSample {
  /** file path in the artifact → sha256 hex */
  files: ReadonlyMap<string, string>;
  tarPath: string;
}

/** Builds the checkout once more under a change; a failure is reported as `{ error }`. */
export type ExperimentBuild = (label: string, change: Change) => Promise<BuildSample | { error: string }>;

export interface Experiment {
  name: string;
  /** what was built */
  ran: string;
  /** what it showed */
  showed: string;
}

export interface Confirmation {
  kind: CauseKind;
  file: string;
  /** the experiment behind it, in one sentence ("index.js byte 3971 differs again in a second build of the same checkout") */
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
  /** cause kinds the byte patterns suggest: their factors are tried alone, first */
  suspects?: readonly CauseKind[];
  /** the clock stopped, when faketime is here */
  frozenClock?: Change;
  maxExperiments: number;
  log?: (message: string) => void;
}

export interface Diagnosis {
  confirmed: Confirmation[];
  experiments: Experiment[];
  /** files no experiment explained (budget spent, or nothing varied here moves them) */
  unexplained: string[];
}

export async function diagnose(input: DiagnoseInput): Promise<Diagnosis> {
  const experiments: Experiment[] = [];
  const confirmed: Confirmation[] = [];
  let budget = input.maxExperiments;
  const bytes = byteReader();

  const run = async (name: string, ran: string, change: Change): Promise<BuildSample | undefined> => {
    if (budget <= 0) return undefined;
    budget--;
    input.log?.(`experiment ${name}: ${ran}`);
    const result = await input.build(name, change);
    if ("error" in result) {
      experiments.push({ name, ran, showed: `the build failed: ${result.error.split("\n")[0]}` });
      return undefined;
    }
    return result;
  };
  const moved = (sample: BuildSample, files: readonly string[]) => files.filter((f) => sample.files.get(f) !== input.reference.files.get(f));
  const where = async (file: string, a: BuildSample, b: BuildSample) => {
    const at = await bytes.firstDifference(file, a.tarPath, b.tarPath);
    return at === undefined ? file : `${file} byte ${at}`;
  };

  // 1. repeat
  const differing = [...input.differing];
  const repeat = differing.length > 0 ? await run("repeat", "a second build of the same checkout in the same environment", {}) : undefined;
  const unstable = repeat ? moved(repeat, differing) : [];
  if (repeat) experiments.push({ name: "repeat", ran: "a second build of the same checkout in the same environment", showed: unstable.length > 0 ? `${unstable.join(", ")} differ${unstable.length === 1 ? "s" : ""} again` : "every file came out the same" });
  const stable = repeat ? differing.filter((f) => !unstable.includes(f)) : [];

  // 2. frozen clock, for what changes from run to run
  if (unstable.length > 0) {
    const first = input.frozenClock ? await run("frozen-clock-1", "a build with the clock stopped", input.frozenClock) : undefined;
    const second = first ? await run("frozen-clock-2", "another build with the clock stopped at the same instant", input.frozenClock!) : undefined;
    if (first && second) {
      const agree = unstable.filter((f) => first.files.get(f) === second.files.get(f));
      experiments.push({ name: "frozen-clock", ran: "two builds with the clock stopped at the same instant", showed: agree.length > 0 ? `${agree.join(", ")} came out the same in both: ${agree.length === 1 ? "it follows" : "they follow"} the clock` : "the files still differ with the clock stopped" });
      for (const file of unstable) {
        if (agree.includes(file)) confirmed.push({ kind: "timestamp", file, experiment: `${await where(file, input.reference, repeat!)} differs again in a second build, and comes out the same in two builds with the clock stopped at the same instant` });
        else confirmed.push({ kind: "random", file, experiment: `${await where(file, first, second)} differs again even between two builds with the clock stopped at the same instant` });
      }
    } else {
      // no faketime here (or no budget): a value that differs again in the same environment is random as far as can be shown
      for (const file of unstable) confirmed.push({ kind: "random", file, experiment: `${await where(file, input.reference, repeat!)} differs again in a second build of the same checkout` });
    }
  }

  // 3. factors, for what holds still across identical builds
  const explained = new Set<string>();
  /** builds `group` at once; returns the files (of `files`) it moved, confirming them when the group is one factor */
  const tryGroup = async (group: readonly Factor[], files: readonly string[]): Promise<string[] | undefined> => {
    const name = group.map((f) => f.name).join("+");
    const ran = group.map((f) => f.describe).join("; ");
    const sample = await run(name, ran, combine(group));
    if (!sample) return undefined;
    const movedFiles = moved(sample, files);
    experiments.push({ name, ran, showed: movedFiles.length > 0 ? `${movedFiles.join(", ")} changed` : `none of ${files.join(", ")} changed` });
    if (group.length === 1) {
      for (const file of movedFiles) {
        explained.add(file);
        confirmed.push({ kind: group[0]!.kind, file, experiment: `${await where(file, input.reference, sample)} changes when only this changes: ${group[0]!.describe}` });
      }
    }
    return movedFiles;
  };
  /** `files` move when all of `group` changes: halve the group until single factors are left */
  const narrow = async (group: readonly Factor[], files: readonly string[]): Promise<void> => {
    if (group.length === 1) {
      await tryGroup(group, files);
      return;
    }
    const half = Math.ceil(group.length / 2);
    const [left, right] = [group.slice(0, half), group.slice(half)];
    const movedByLeft = await tryGroup(left, files);
    if (movedByLeft === undefined) {
      // the left half's build failed (or the budget is spent): the right half may still be told apart
      await narrow(right, files);
      return;
    }
    if (left.length > 1 && movedByLeft.length > 0) await narrow(left, movedByLeft);
    // what moved with the whole group but not with its left half moved because of the right half
    const rest = files.filter((f) => !movedByLeft.includes(f));
    if (rest.length > 0) await narrow(right, rest);
  };
  // suspects (chosen by the heuristics) alone first: one build each, the cheapest confirmation there is
  const suspects = input.factors.filter((f) => input.suspects?.includes(f.kind));
  for (const factor of suspects) {
    const open = stable.filter((f) => !explained.has(f));
    if (open.length > 0) await tryGroup([factor], open);
  }
  const others = input.factors.filter((f) => !suspects.includes(f));
  const open = stable.filter((f) => !explained.has(f));
  if (open.length > 0 && others.length > 0) {
    const movedByAll = await tryGroup(others, open);
    // a combination that does not build says nothing of its parts: they are narrowed down as if it had moved everything
    if (movedByAll === undefined && others.length > 1) await narrow(others, open);
    else if (movedByAll && movedByAll.length > 0 && others.length > 1) await narrow(others, movedByAll);
  }

  const unexplained = differing.filter((f) => !unstable.includes(f) && !explained.has(f));
  return { confirmed, experiments, unexplained };
}

/** Reads files out of tars, each tar once. */
function byteReader() {
  const tars = new Map<string, Promise<Map<string, Uint8Array>>>();
  const filesOf = (tar: string) => {
    let files = tars.get(tar);
    if (!files) tars.set(tar, (files = readTarFiles(tar)));
    return files;
  };
  return {
    async firstDifference(file: string, a: string, b: string): Promise<number | undefined> {
      const [x, y] = await Promise.all([filesOf(a).then((m) => m.get(file)), filesOf(b).then((m) => m.get(file))]);
      if (!x || !y) return undefined;
      const n = Math.min(x.byteLength, y.byteLength);
      for (let i = 0; i < n; i++) if (x[i] !== y[i]) return i;
      return x.byteLength === y.byteLength ? undefined : n;
    },
  };
}
