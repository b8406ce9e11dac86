/**
 * The builds the rebuild's experiments run (src/diagnose): the same pipeline
 * as the rebuild, in the same checkout at the same path, with one change —
 * the checkout renamed to a longer path, its folders re-listed in reverse
 * order, or a variation of the build's environment — undone after the build,
 * so every experiment differs from the rebuild in exactly what it names.
 */
import { readdirSync, renameSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { Context } from "../context.ts";
import { isBunsealError } from "../errors.ts";
import type { BuildSample, ExperimentBuild } from "../diagnose/diagnose.ts";
import type { Change } from "../diagnose/factors.ts";
import { buildArtifact } from "../pipeline/build.ts";
import type { RecordedOptions } from "../config/load.ts";
import type { BunRuntime } from "../runtime/bun-runtime.ts";
import type { SourceInfo } from "../source/git.ts";
import type { SiblingOutputs } from "../workspace/sibling-outputs.ts";
import type { Checkout } from "./checkout.ts";
import { tmpdir } from "node:os";
import { copyOnProjectFilesystem, type FilesystemCopy } from "../check/filesystem-copy.ts";
import { MTIME_SHIFT_DAYS, setTimesNs } from "../check/keep-times.ts";

export interface ExperimentSetup {
  checkout: Checkout;
  bun: BunRuntime;
  source: SourceInfo;
  /** the recorded build options, which every experiment builds with, as the rebuild does */
  recorded?: RecordedOptions;
  timeoutMs?: number;
  deny?: readonly string[];
  /** the workspace members' outputs the rebuild was shown (src/rebuild/siblings.ts), shown to every experiment where its checkout puts them */
  siblings?: readonly SiblingOutputs[];
  /** the rebuild's own choice (`--no-sandbox`), kept by every experiment */
  sandbox?: false;
  ctx: Context;
}

export function experimentBuilds(setup: ExperimentSetup): ExperimentBuild {
  const { checkout } = setup;
  /** set when a change could not be undone: the checkout is no longer the rebuild's, and no later build would vary only what it names */
  let broken: string | undefined;
  return async (label: string, change: Change) => {
    if (broken) return { error: broken, aborted: true };
    const repo = change.renamed ? `${checkout.repo}-at-a-longer-path` : checkout.repo;
    const projectDir = join(repo, relative(checkout.repo, checkout.projectDir));
    const undo: (() => void)[] = [];
    const putBack = (): string | undefined => {
      for (const step of undo.reverse()) {
        try {
          step();
        } catch (error) {
          broken = `the checkout could not be put back after the experiment ${label}: ${message(error)}`;
        }
      }
      return broken;
    };
    let onDisk: FilesystemCopy | undefined;
    try {
      if (change.renamed) {
        renameSync(checkout.repo, repo);
        undo.push(() => renameSync(repo, checkout.repo));
      }
      if (change.reordered) undo.push(relist(projectDir, (names) => [...names].reverse()));
      // before the copy below, which carries the times over
      if (change.mtimeShifted) undo.push(shiftTimes(repo, SHIFT_MS));
      // after the rename and the re-listing: the copy is of the checkout as this experiment shows it
      if (change.otherFilesystem) {
        onDisk = copyOnProjectFilesystem(repo, tmpdir());
        undo.push(() => onDisk!.dispose());
        // a copy made now has new modification times: the experiment would vary those too (a build that reads an mtime would blame the file system)
        copyAttributes(repo, onDisk.path);
      }
    } catch (error) {
      // the change itself could not be made: no build ran, so nothing may be read as the build failing under it
      return { error: putBack() ?? `the experiment ${label} could not be set up: ${message(error)}`, aborted: true };
    }
    let result: BuildSample | { error: string; aborted?: boolean };
    try {
      const outDir = join(checkout.root, `experiment-${label}`);
      // the user switch is the innermost wrapper, so the others (a clock, a namespace) still run as root
      const variation = change.asUser ? { ...change.variation, wrapper: [...(change.variation?.wrapper ?? []), ...change.asUser(outDir)] } : change.variation;
      const build = () =>
        buildArtifact(
          { projectDir, outDir, bun: setup.bun, source: { ...setup.source, repoRoot: repo }, recorded: setup.recorded, siblings: setup.siblings?.map((s) => ({ ...s, at: join(repo, relative(checkout.repo, s.at)) })), variation, timeoutMs: change.timeoutMs === undefined ? setup.timeoutMs : Math.min(change.timeoutMs, setup.timeoutMs ?? change.timeoutMs), deny: setup.deny, sandbox: setup.sandbox, rootFrom: onDisk ? { path: onDisk.path, packages: onDisk.packages } : undefined },
          { ...setup.ctx, log: () => {} },
        );
      const outcome = await withClockRetries(build);
      result = { files: new Map(outcome.files.map((f) => [f.path, f.digest.slice("sha256:".length)])), tarPath: outcome.artifact.path };
    } catch (error) {
      result = { error: isBunsealError(error) ? `${error.code}: ${error.message}` : message(error) };
    }
    const failedBack = putBack();
    return failedBack ? { error: failedBack, aborted: true } : result;
  };
}

/**
 * faketime names its semaphore after its own pid and refuses to start when one
 * by that name is left in /dev/shm (a faketime killed before it removed its
 * own, by anyone on the machine): measured on the CI machine, 429 such were
 * left and about one experiment build in twenty failed so before running
 * anything. The build never started, so it is started again (a new pid),
 * a few times at most; any other failure is the build's own.
 */
async function withClockRetries<T>(build: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await build();
    } catch (error) {
      if (attempt >= 3 || !(error instanceof Error) || !error.message.includes("faketime: sem_open: File exists")) throw error;
    }
  }
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Lists every folder of the project (not node_modules, not .git) in the order
 * `order` gives, by renaming each entry away and back: a memory file system
 * lists a folder by when its entries were (re)made — tmpfs newest first, so
 * the renames go in the opposite order, and the listing is read back to be
 * sure. Returns how to put each folder's listing back as it was, which must
 * hold exactly: every later experiment would otherwise differ in its order too.
 */
export function relist(dir: string, order: (names: readonly string[]) => string[]): () => void {
  const original = new Map<string, string[]>();
  const visit = (folder: string) => {
    const names = readdirSync(folder).filter((name) => name !== "node_modules" && name !== ".git");
    original.set(folder, names);
    for (const name of names) if (statSync(join(folder, name)).isDirectory()) visit(join(folder, name));
  };
  visit(dir);
  for (const [folder, names] of original) listAs(folder, order(names));
  return () => {
    for (const [folder, names] of original) listAs(folder, names);
  };
}

function listAs(folder: string, wanted: readonly string[]): void {
  const remake = (names: readonly string[]) => {
    for (const name of names) {
      renameSync(join(folder, name), join(folder, `${name}.bunseal-relist`));
      renameSync(join(folder, `${name}.bunseal-relist`), join(folder, name));
    }
  };
  const listed = () => readdirSync(folder).filter((name) => name !== "node_modules" && name !== ".git");
  const same = (a: readonly string[]) => a.length === wanted.length && a.every((name, i) => name === wanted[i]);
  if (same(listed())) return;
  remake([...wanted].reverse());
  if (same(listed())) return;
  // a file system that lists in the order entries were made (oldest first); one that lists by hash keeps its order whatever is renamed
  remake(wanted);
}

/** How far the `mtime` factor moves every modification time: as far as the clock factor moves the clock. */
const SHIFT_MS = MTIME_SHIFT_DAYS * 86_400_000;

/** Entries of a checkout that are not its files: git's own, and what the install put there (at any depth: a workspace member has its own) */
const NOT_THE_CHECKOUT = new Set([".git", "node_modules"]);

/** The checkout's regular files, relative to `dir` (links are the install's, or point at files listed anyway). */
function checkoutFiles(dir: string): string[] {
  const files: string[] = [];
  const visit = (rel: string) => {
    for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
      if (NOT_THE_CHECKOUT.has(entry.name)) continue;
      const path = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) visit(path);
      else if (entry.isFile()) files.push(path);
    }
  };
  visit("");
  return files;
}

/**
 * Copies the modification times and modes of the checkout's files in `from`
 * onto the same files in `to`, to the nanosecond: GNU cp's --attributes-only
 * sets them with utimensat, where node's utimes rounds through a float of
 * seconds and a restored mtimeMs would differ in its last digits. A file
 * missing in `to` is made empty there, with the times.
 */
export function copyAttributes(from: string, to: string, files: readonly string[] = checkoutFiles(from)): void {
  for (let i = 0; i < files.length; i += 500) {
    const proc = Bun.spawnSync(["cp", "--no-dereference", "--attributes-only", "--preserve=timestamps,mode", "--parents", "-t", to, "--", ...files.slice(i, i + 500)], { cwd: from, stdout: "ignore", stderr: "pipe" });
    if (proc.exitCode !== 0) throw new Error(`copying the checkout's modification times failed: ${proc.stderr.toString().trim()}`);
  }
}

/**
 * Moves the modification time of every file of the checkout in `dir` ahead
 * by `ms` (folders keep theirs: renaming nothing, the listing order stays),
 * and returns how to put each back exactly: the times are kept on the side
 * first (empty files with the same times and modes), and copied back.
 */
export function shiftTimes(dir: string, ms: number): () => void {
  const shift = BigInt(ms) * 1_000_000n;
  // the times as they were, in memory, set back with utimensat as check's copies are (src/check/keep-times.ts)
  const saved = checkoutFiles(dir).map((file) => {
    const path = join(dir, file);
    const { atimeNs, mtimeNs } = statSync(path, { bigint: true });
    return { path, atimeNs, mtimeNs };
  });
  const restore = () => {
    for (const { path, atimeNs, mtimeNs } of saved) setTimesNs(path, atimeNs, mtimeNs);
  };
  try {
    for (const { path, atimeNs, mtimeNs } of saved) setTimesNs(path, atimeNs, mtimeNs + shift);
  } catch (error) {
    restore();
    throw error;
  }
  return restore;
}
