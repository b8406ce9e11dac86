/**
 * One exact Bun release from the npm registry, for rebuilding an artifact with
 * the Bun that built it: cache → packument → download → integrity → extract →
 * store and probe.
 *
 * The registry is trusted to serve Bun: the sha512 check ties the tarball to
 * the packument (so a CDN, proxy or truncated download cannot substitute
 * bytes), and the cache ties later runs to that check. The rebuild compares the
 * probed revision with the one the attestation records, which catches a
 * registry serving some other build under the right version number.
 */
import { basename } from "node:path";
import { BunsealError } from "../errors.ts";
import { cacheEntryDir, defaultCacheDir, readCachedBun, storeCachedBun } from "./bun-cache.ts";
import { get } from "./download.ts";
import { extractBunBinary } from "./extract-bun.ts";
import { checkSha512, expectedSha512 } from "./integrity.ts";
import { platformPackage } from "./platform.ts";
import type { BunRuntime } from "./probe-bun.ts";
import { lookupVersion, registryBase } from "./registry.ts";
import { checkVersionName } from "./version-name.ts";

export interface FetchBunOptions {
  /** default: $BUNSEAL_CACHE, else ~/.bunseal/cache/bun */
  cacheDir?: string;
  /** default: $npm_config_registry, $NPM_CONFIG_REGISTRY, else https://registry.npmjs.org */
  registry?: string;
  onProgress?: (msg: string) => void;
}

/** bun-linux-x64 is 52 MB; room for Bun to grow, not for a registry to fill memory. */
const MAX_TARBALL_BYTES = 256 * 1024 * 1024;

export async function fetchBun(version: string, options: FetchBunOptions = {}): Promise<BunRuntime> {
  const wanted = checkVersionName(version);
  const packageName = platformPackage();
  const exe = packageName.startsWith("@oven/bun-windows-") ? "bin/bun.exe" : "bin/bun";
  const dir = cacheEntryDir(options.cacheDir ?? defaultCacheDir(), wanted, packageName);
  const progress = options.onProgress ?? (() => {});

  // The cache comes first, so a rebuild that has fetched this Bun before needs no network.
  const cached = await readCachedBun(dir, { version: wanted, packageName, exe: basename(exe) }, progress);
  if (cached !== undefined) return cached;

  const published = await lookupVersion(registryBase(options.registry), packageName, wanted);
  const url = published.tarball.href;
  const where = `${packageName}@${wanted} from ${url}`;
  // Before the download: a packument without a sha512 is refused without spending 50 MB on it.
  const expected = expectedSha512(published.integrity, `${packageName}@${wanted} in ${published.packumentUrl}`);

  progress(`downloading Bun ${wanted} (${packageName}) from ${url}`);
  const started = performance.now();
  const got = await get(published.tarball, { accept: "application/octet-stream", maxBytes: MAX_TARBALL_BYTES, what: `Bun ${wanted} (${packageName})` });
  if (got.status < 200 || got.status > 299) {
    throw new BunsealError("BUN_REGISTRY_FAILED", `could not download Bun ${wanted} (${packageName}) from ${url}: HTTP ${got.status}, though ${published.packumentUrl} lists it`, { found: `HTTP ${got.status}` });
  }
  checkSha512(expected, got.sha512, where);
  progress(`downloaded ${(got.bytes.byteLength / 1e6).toFixed(1)} MB in ${((performance.now() - started) / 1000).toFixed(1)}s; sha512 matches the registry's integrity`);

  const binary = await extractBunBinary(got.bytes, exe, where);
  return storeCachedBun(dir, basename(exe), binary, { version: wanted, package: packageName, tarball: url, integrity: `sha512-${got.sha512}` });
}
