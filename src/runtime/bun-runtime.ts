/**
 * The Bun a rebuild runs: the one running bunseal when it is the version the
 * attestation records, a path the user names, or the exact release fetched
 * from the npm registry.
 */
import { BunsealError } from "../errors.ts";
import { fetchBun, type FetchBunOptions } from "./fetch-bun.ts";
import { probeBun, type BunRuntime } from "./probe-bun.ts";
import { checkVersionName } from "./version-name.ts";

export { probeBun, type BunRuntime } from "./probe-bun.ts";

/** The Bun running bunseal. */
export function currentBun(): BunRuntime {
  return { path: process.execPath, version: Bun.version, revision: Bun.revision };
}

export interface ResolveBunOptions extends FetchBunOptions {
  /** a Bun binary to use instead; it must report the version asked for */
  override?: string;
}

/** The Bun to build with for `version`: the override if given, the running Bun if it is that version, else the fetched release. */
export async function resolveBun(version: string, options: ResolveBunOptions = {}): Promise<BunRuntime> {
  const wanted = checkVersionName(version);
  if (options.override !== undefined) {
    const bun = await probeBun(options.override);
    if (bun.version !== wanted) {
      // A different Bun would make the rebuild compare two compilers, not two builds.
      throw new BunsealError("BUN_VERSION_MISMATCH", `expected Bun ${wanted} (the version the attestation records), got Bun ${bun.version} at ${options.override}`, {
        file: options.override,
        expected: wanted,
        found: bun.version,
      });
    }
    return bun;
  }
  const current = currentBun();
  if (current.version === wanted) return current;
  options.onProgress?.(`the attestation records Bun ${wanted}; this is Bun ${current.version}, so using Bun ${wanted} from the registry`);
  return fetchBun(wanted, options);
}
