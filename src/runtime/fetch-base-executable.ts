/**
 * The base executable `bun build --compile` wraps for another platform: the
 * Bun release of the target, from the npm registry's `@oven/bun-<os>-<arch>`
 * packages (the same the `bun` package installs from), checked against the
 * registry's sha512 integrity and cached. Bun would otherwise download it from
 * GitHub during the build, which the sandbox (no network) rightly forbids and
 * the record would not show. Never run: it is another platform's binary.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { z } from "../vendor/zod.js";
import { BunsealError } from "../errors.ts";
import { writeFileAtomic } from "../util/atomic-write.ts";
import { sha256File, sha256Hex } from "../util/digest.ts";
import { defaultCacheDir } from "./bun-cache.ts";
import { get } from "./download.ts";
import { extractBunBinary } from "./extract-bun.ts";
import { checkSha512, expectedSha512 } from "./integrity.ts";
import { lookupVersion, registryBase } from "./registry.ts";
import { checkVersionName } from "./version-name.ts";

export interface BaseExecutable {
  /** the compile target, as the config names it (`bun-linux-arm64`) */
  target: string;
  /** `@oven/bun-linux-aarch64` */
  package: string;
  version: string;
  path: string;
  sha256: string;
  /** `sha512-…`, the registry's integrity of the package tarball */
  integrity: string;
}

const TARGET = /^bun-(linux|darwin|windows|freebsd)-(x64|arm64|aarch64)((?:-(?:musl|glibc|baseline|modern))*)$/;

/** The npm package and the binary's path in it for a compile target; undefined for a target no package serves. */
export function targetPackage(target: string): { name: string; exe: string } | undefined {
  const match = TARGET.exec(target);
  if (!match) return undefined;
  const [, os, arch, rest = ""] = match;
  const flags = new Set(rest.split("-").filter(Boolean));
  // the registry's packages: @oven/bun-<os>-<x64|aarch64>[-musl][-baseline] (glibc and modern are the defaults)
  const name = `@oven/bun-${os}-${arch === "arm64" ? "aarch64" : arch}${flags.has("musl") ? "-musl" : ""}${flags.has("baseline") ? "-baseline" : ""}`;
  return { name, exe: os === "windows" ? "bin/bun.exe" : "bin/bun" };
}

const Entry = z.strictObject({ package: z.string(), version: z.string(), integrity: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) });

/** bun-linux-x64 is 52 MB; room to grow, not for a registry to fill memory. */
const MAX_TARBALL_BYTES = 256 * 1024 * 1024;

export async function fetchBaseExecutable(version: string, target: string, options: { cacheDir?: string; registry?: string; onProgress?: (m: string) => void } = {}): Promise<BaseExecutable> {
  const wanted = checkVersionName(version);
  const pkg = targetPackage(target);
  if (!pkg) {
    throw new BunsealError("COMPILE_TARGET_UNSUPPORTED", `build.compile: ${JSON.stringify(target)} is no target the npm registry serves a Bun for; expected bun-<linux|darwin|windows|freebsd>-<x64|arm64>[-musl][-baseline]`, { field: "build.compile", expected: "a Bun compile target", found: target });
  }
  const dir = join(options.cacheDir ?? defaultCacheDir(), `base-${wanted}-${pkg.name.replace(/^@oven\/bun-/, "")}`);
  const binary = join(dir, pkg.exe.split("/").at(-1)!);
  // a cache hit is re-hashed: the entry is trusted only for the bytes it was checked with
  if (existsSync(join(dir, "entry.json")) && existsSync(binary)) {
    const entry = Entry.safeParse(await Bun.file(join(dir, "entry.json")).json().catch(() => undefined));
    if (entry.success && (await sha256File(binary)).hex === entry.data.sha256) {
      return { target, package: pkg.name, version: wanted, path: binary, sha256: entry.data.sha256, integrity: entry.data.integrity };
    }
  }
  const published = await lookupVersion(registryBase(options.registry), pkg.name, wanted);
  const where = `${pkg.name}@${wanted} from ${published.tarball.href}`;
  const expected = expectedSha512(published.integrity, `${pkg.name}@${wanted} in ${published.packumentUrl}`);
  options.onProgress?.(`downloading the ${target} base executable (${pkg.name}@${wanted})`);
  const got = await get(published.tarball, { accept: "application/octet-stream", maxBytes: MAX_TARBALL_BYTES, what: `${pkg.name}@${wanted}` });
  if (got.status < 200 || got.status > 299) {
    throw new BunsealError("BUN_REGISTRY_FAILED", `could not download ${where}: HTTP ${got.status}`, { found: `HTTP ${got.status}` });
  }
  checkSha512(expected, got.sha512, where);
  const bytes = await extractBunBinary(got.bytes, pkg.exe, where);
  mkdirSync(dir, { recursive: true });
  await writeFileAtomic(binary, bytes);
  const sha256 = sha256Hex(bytes);
  const integrity = `sha512-${got.sha512}`;
  await writeFileAtomic(join(dir, "entry.json"), `${JSON.stringify({ package: pkg.name, version: wanted, integrity, sha256 })}\n`);
  return { target, package: pkg.name, version: wanted, path: binary, sha256, integrity };
}
