/**
 * What a varied build changed, seen past what changes from run to run: a
 * file that differs between builds where nothing was varied (the repeats, the
 * frozen-clock pairs) is compared with the baseline only where those builds
 * agree (src/diagnose/stable-regions.ts), so a host name beside Math.random()
 * is still seen, and the random value blames no variation.
 */
import { readTarFiles } from "../artifact/tar-read.ts";
import { changesStableRegion, stableRegions, type StableRegions } from "../diagnose/stable-regions.ts";
import type { Comparison } from "../rebuild/compare.ts";

export interface StableChanges {
  /** files changed where the unvaried builds agree; `null`: the archive changed with no file's bytes (entry order, framing) */
  changed: (string | null)[];
  /** files whose change could not be placed (binary, a diff too costly): "cannot tell", never a culprit's */
  cannotTell: string[];
}

export interface StableComparer {
  /**
   * a build where nothing was varied, compared with the baseline. `samplesOnly`: a build
   * with the clock stopped, which is a change of its own: it adds samples of the files
   * the repeats already found unstable, never makes another file unstable (a date it
   * moves is the clock variation's to show)
   */
  addUnvaried(tar: string, comparison: Comparison, samplesOnly?: boolean): void;
  /** files that differed in some unvaried build */
  unstable(): string[];
  /** `comparison` (of the baseline with the varied build at `tar`), file by file */
  changes(tar: string, comparison: Comparison): Promise<StableChanges>;
}

export function stableComparer(baselineTar: string): StableComparer {
  const tars = new Map<string, Promise<Map<string, Uint8Array>>>();
  const filesOf = (tar: string) => {
    let files = tars.get(tar);
    if (!files) tars.set(tar, (files = readTarFiles(tar)));
    return files;
  };
  const unvaried: string[] = [];
  const unstable = new Set<string>();
  const regions = new Map<string, StableRegions | undefined>();
  const regionsOf = async (path: string) => {
    if (!regions.has(path)) {
      const base = (await filesOf(baselineTar)).get(path);
      const others = (await Promise.all(unvaried.map(async (tar) => (await filesOf(tar)).get(path)))).filter((b): b is Uint8Array => b !== undefined);
      regions.set(path, base === undefined ? undefined : stableRegions(base, others));
    }
    return regions.get(path);
  };
  return {
    addUnvaried(tar, comparison, samplesOnly = false) {
      if (comparison.identical) return;
      unvaried.push(tar);
      if (!samplesOnly) for (const f of comparison.files) unstable.add(f.path);
      regions.clear();
    },
    unstable: () => [...unstable].sort(),
    async changes(tar, comparison) {
      const out: StableChanges = { changed: [], cannotTell: [] };
      if (comparison.identical) return out;
      if (comparison.files.length === 0) out.changed.push(null);
      for (const file of comparison.files) {
        // a file every unvaried build made alike, or one that appeared, vanished or changed its header, changed outright
        if (!unstable.has(file.path) || file.kind !== "changed") {
          out.changed.push(file.path);
          continue;
        }
        const stable = await regionsOf(file.path);
        const other = (await filesOf(tar)).get(file.path);
        const moved = stable === undefined || other === undefined ? undefined : changesStableRegion(stable, other);
        if (moved === true) out.changed.push(file.path);
        else if (moved === undefined) out.cannotTell.push(file.path);
      }
      return out;
    },
  };
}
