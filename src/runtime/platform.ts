/**
 * Which `@oven/bun-*` package holds the Bun binary for this machine.
 *
 * The rule follows the npm `bun` package's own postinstall (bun@1.4.5
 * install.js, from packages/bun-release/src/platform.ts), plus the one thing it
 * leaves out:
 * - os: process.platform; "win32" is named "windows" in package names.
 * - arch: "arm64" → "aarch64", "x64" → "x64". An x64 process on macOS under
 *   Rosetta 2 (`sysctl -n sysctl.proc_translated` is 1) takes the aarch64 build.
 * - libc: on Linux, musl when `process.report` shows no glibcVersionRuntime,
 *   or, if the report is unavailable, when /etc/alpine-release exists.
 * - baseline: the npm script never picks a `-baseline` package (they are
 *   "aliases" it skips), so a CPU without AVX2 gets a binary that dies of an
 *   illegal instruction. We add the check bun.sh/install makes: x64 only;
 *   `avx2` among /proc/cpuinfo flags on Linux, `AVX2` in
 *   `sysctl machdep.cpu.leaf7_features` on macOS. Where the flags cannot be read
 *   (Windows, a locked-down /proc) we take baseline: it runs on every x64 CPU,
 *   and it is the same Bun release, only slower.
 */
import { existsSync, readFileSync } from "node:fs";
import { BunsealError } from "../errors.ts";

export interface PlatformFacts {
  os: string;
  arch: string;
  /** only meaningful on Linux */
  musl: boolean;
  /** undefined when the CPU's flags could not be read */
  avx2: boolean | undefined;
}

const OS_NAMES: Record<string, string> = { linux: "linux", darwin: "darwin", win32: "windows", freebsd: "freebsd" };
const ARCH_NAMES: Record<string, string> = { x64: "x64", arm64: "aarch64" };
/** Only these are published in a baseline flavour (bun@1.4.5 optionalDependencies and aliases). */
const HAS_BASELINE = new Set(["linux-x64", "linux-x64-musl", "darwin-x64", "windows-x64"]);

/** The pure rule, so it can be tested for every machine on this one. */
export function choosePlatformPackage(facts: PlatformFacts): string {
  const os = OS_NAMES[facts.os];
  const arch = ARCH_NAMES[facts.arch];
  if (os === undefined || arch === undefined) {
    throw new BunsealError("BUN_PLATFORM_UNSUPPORTED", `expected an operating system and CPU Bun is published for (linux, darwin, win32, freebsd on x64 or arm64), got ${facts.os} on ${facts.arch}`, {
      expected: "linux, darwin, win32 or freebsd on x64 or arm64",
      found: `${facts.os} ${facts.arch}`,
    });
  }
  let name = `${os}-${arch}${os === "linux" && facts.musl ? "-musl" : ""}`;
  if (HAS_BASELINE.has(name) && facts.avx2 !== true) name += "-baseline";
  return `@oven/bun-${name}`;
}

export function platformPackage(): string {
  return choosePlatformPackage(platformFacts());
}

export function platformFacts(): PlatformFacts {
  const os = process.platform;
  let arch: string = process.arch;
  if (os === "darwin" && arch === "x64" && sysctl("sysctl.proc_translated") === "1") arch = "arm64";
  return { os, arch, musl: os === "linux" && isMusl(), avx2: arch === "x64" ? hasAvx2(os) : undefined };
}

function isMusl(): boolean {
  try {
    const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
    if (header !== undefined) return !header.glibcVersionRuntime;
  } catch {
    // fall through to the file the npm script also falls back on
  }
  return existsSync("/etc/alpine-release");
}

function hasAvx2(os: string): boolean | undefined {
  if (os === "linux") {
    try {
      const flags = readFileSync("/proc/cpuinfo", "utf8").match(/^flags\s*:(.*)$/m)?.[1];
      return flags === undefined ? undefined : flags.split(/\s+/).includes("avx2");
    } catch {
      return undefined;
    }
  }
  if (os === "darwin") {
    const features = sysctl("machdep.cpu.leaf7_features");
    return features === undefined ? undefined : /\bAVX2\b/.test(features);
  }
  return undefined;
}

function sysctl(name: string): string | undefined {
  try {
    const proc = Bun.spawnSync(["sysctl", "-n", name], { stdout: "pipe", stderr: "ignore" });
    return proc.exitCode === 0 ? proc.stdout.toString().trim() : undefined;
  } catch {
    return undefined;
  }
}
