/**
 * The platform rule, for every machine, on this one. The table mirrors the
 * npm `bun` package's postinstall (bun@1.4.5 install.js) plus bun.sh/install's
 * AVX2 check, which the npm script leaves out.
 */
import { describe, expect, test } from "bun:test";
import { choosePlatformPackage, platformFacts, platformPackage, type PlatformFacts } from "../../src/runtime/platform.ts";
import { rejection } from "../helpers/expect-error.ts";

const glibc = { musl: false };
const CASES: [Partial<PlatformFacts> & { os: string; arch: string }, string][] = [
  [{ os: "linux", arch: "x64", ...glibc, avx2: true }, "@oven/bun-linux-x64"],
  [{ os: "linux", arch: "x64", ...glibc, avx2: false }, "@oven/bun-linux-x64-baseline"],
  [{ os: "linux", arch: "x64", musl: true, avx2: true }, "@oven/bun-linux-x64-musl"],
  [{ os: "linux", arch: "x64", musl: true, avx2: false }, "@oven/bun-linux-x64-musl-baseline"],
  [{ os: "linux", arch: "arm64", ...glibc }, "@oven/bun-linux-aarch64"],
  [{ os: "linux", arch: "arm64", musl: true }, "@oven/bun-linux-aarch64-musl"],
  [{ os: "darwin", arch: "arm64", ...glibc }, "@oven/bun-darwin-aarch64"],
  [{ os: "darwin", arch: "x64", ...glibc, avx2: true }, "@oven/bun-darwin-x64"],
  [{ os: "darwin", arch: "x64", ...glibc, avx2: false }, "@oven/bun-darwin-x64-baseline"],
  // A macOS machine must not be read as musl, whatever the libc probe said.
  [{ os: "darwin", arch: "arm64", musl: true }, "@oven/bun-darwin-aarch64"],
  // Windows flags are not read: baseline runs on every x64 CPU.
  [{ os: "win32", arch: "x64", ...glibc }, "@oven/bun-windows-x64-baseline"],
  [{ os: "win32", arch: "arm64", ...glibc }, "@oven/bun-windows-aarch64"],
  [{ os: "linux", arch: "x64", ...glibc, avx2: undefined }, "@oven/bun-linux-x64-baseline"],
];

describe("choosePlatformPackage", () => {
  for (const [facts, want] of CASES) {
    test(`${facts.os} ${facts.arch}${facts.musl ? " musl" : ""} avx2=${facts.avx2} → ${want}`, () => {
      expect(choosePlatformPackage({ musl: false, avx2: undefined, ...facts })).toBe(want);
    });
  }

  test("refuses a platform Bun is not published for", async () => {
    const error = await rejection((async () => choosePlatformPackage({ os: "sunos", arch: "x64", musl: false, avx2: true }))());
    expect(error.code).toBe("BUN_PLATFORM_UNSUPPORTED");
    expect(error.message).toContain("got sunos on x64");
  });
});

test("this machine's package agrees with its facts and exists for this Bun", async () => {
  const facts = platformFacts();
  expect(platformPackage()).toBe(choosePlatformPackage(facts));
  if (process.platform === "linux" && process.arch === "x64") {
    const cpuinfo = await Bun.file("/proc/cpuinfo").text();
    expect(facts.avx2).toBe(/^flags\s*:.*\bavx2\b/m.test(cpuinfo));
  }
});
