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
  return async (label: string, change: Change): Promise<BuildSample | { error: string }> => {
    const repo = change.renamed ? `${checkout.repo}-at-a-longer-path` : checkout.repo;
    const projectDir = join(repo, relative(checkout.repo, checkout.projectDir));
    const undo: (() => void)[] = [];
    let onDisk: FilesystemCopy | undefined;
    try {
      if (change.renamed) {
        renameSync(checkout.repo, repo);
        undo.push(() => renameSync(repo, checkout.repo));
      }
      if (change.reordered) undo.push(relist(projectDir, (names) => [...names].sort().reverse()));
      // after the rename and the re-listing: the copy is of the checkout as this experiment shows it
      if (change.otherFilesystem) {
        onDisk = copyOnProjectFilesystem(repo, tmpdir());
        undo.push(() => onDisk!.dispose());
      }
      const outDir = join(checkout.root, `experiment-${label}`);
      // the user switch is the innermost wrapper, so the others (a clock, a namespace) still run as root
      const variation = change.asUser ? { ...change.variation, wrapper: [...(change.variation?.wrapper ?? []), ...change.asUser(outDir)] } : change.variation;
      const outcome = await buildArtifact(
        { projectDir, outDir, bun: setup.bun, source: { ...setup.source, repoRoot: repo }, recorded: setup.recorded, siblings: setup.siblings?.map((s) => ({ ...s, at: join(repo, relative(checkout.repo, s.at)) })), variation, timeoutMs: setup.timeoutMs, deny: setup.deny, sandbox: setup.sandbox, rootFrom: onDisk ? { path: onDisk.path, packages: onDisk.packages } : undefined },
        { ...setup.ctx, log: () => {} },
      );
      return { files: new Map(outcome.files.map((f) => [f.path, f.digest.slice("sha256:".length)])), tarPath: outcome.artifact.path };
    } catch (error) {
      return { error: isBunsealError(error) ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error) };
    } finally {
      for (const step of undo.reverse()) step();
    }
  };
}

/**
 * Lists every folder of the project (not node_modules, not .git) in the order
 * `order` gives, by renaming each entry away and back in that order: on a
 * memory file system a folder lists its entries in the order they were
 * (re)made. Returns how to put the original order back the same way.
 */
function relist(dir: string, order: (names: readonly string[]) => string[]): () => void {
  const original = new Map<string, string[]>();
  const visit = (folder: string) => {
    const names = readdirSync(folder).filter((name) => name !== "node_modules" && name !== ".git");
    original.set(folder, names);
    for (const name of names) if (statSync(join(folder, name)).isDirectory()) visit(join(folder, name));
  };
  visit(dir);
  const remake = (folder: string, names: readonly string[]) => {
    for (const name of names) {
      renameSync(join(folder, name), join(folder, `${name}.bunseal-relist`));
      renameSync(join(folder, `${name}.bunseal-relist`), join(folder, name));
    }
  };
  for (const [folder, names] of original) remake(folder, order(names));
  return () => {
    for (const [folder, names] of original) remake(folder, names);
  };
}
