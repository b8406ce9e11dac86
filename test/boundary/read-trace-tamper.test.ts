/**
 * The record of what the build read is kept where the build cannot reach it
 * (issue #18, Why 7): strace runs outside the sandbox and writes to a file no
 * mount of the sandbox shows; fanotify is read by bunseal itself, and a read
 * made from a namespace nested inside the sandbox is not dropped. Each test is
 * a macro trying to empty the record, through a real build.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { defaultContext } from "../../src/context.ts";
import { buildArtifact } from "../../src/pipeline/build.ts";
import { fanotifyWorks } from "../../src/sandbox/read-tracer.ts";
import { straceCanWrap } from "../../src/sandbox/read-trace.ts";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeTempDir } from "../helpers/testdir.ts";
import { hostileRepo, outputsOf } from "./hostile-repo.ts";

setDefaultTimeout(30_000);

const PRINT_PROBE = `import { probe } from "./macro.ts" with { type: "macro" };\nconsole.log(probe());\n`;
const DATA = "prices: 42\n";
const sha256 = (data: string) => new Bun.CryptoHasher("sha256").update(data).digest("hex");

const readOf = (built: Awaited<ReturnType<typeof buildArtifact>>, name: string) => built.statementValue.predicate.buildDefinition.resolvedDependencies?.find((d) => d.name === name);

describe("the read trace", () => {
  // The macro reads a data file no import names (only the trace can record it), then blanks
  // every file the sandbox shows writable besides the tar, where the trace used to be.
  const BLANK_THE_TRACE = `import { readFileSync, statSync, writeFileSync } from "node:fs";
export function probe(): string {
  const data = readFileSync("data/prices.txt", "utf8").trim();
  const blanked: string[] = [];
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\\n")) {
    const [, , , , mountPoint, options] = line.split(" ");
    if (!mountPoint || !options?.split(",").includes("rw") || mountPoint.endsWith(".tar.tmp")) continue;
    try {
      if (!statSync(mountPoint).isFile()) continue;
      writeFileSync(mountPoint, "");
      blanked.push(mountPoint);
    } catch {}
  }
  return data + ";blanked=" + JSON.stringify(blanked);
}
`;

  test("a macro that finds the strace output in /proc/self/mountinfo cannot blank it: the file is not in the sandbox, and the read is recorded", async () => {
    await using repo = await hostileRepo({ "src/macro.ts": BLANK_THE_TRACE, "src/index.ts": PRINT_PROBE, "data/prices.txt": DATA });
    // strace whoever runs the test: as root the default would be fanotify
    const built = await buildArtifact({ projectDir: repo.path, tracer: "strace" }, defaultContext());
    expect(built.statementValue.predicate.buildDefinition.internalParameters?.sandbox).toMatchObject({ kind: "bubblewrap", reads: "strace" });
    expect((await outputsOf(built.artifact.path)).get("index.js")).toContain("prices: 42;blanked=[]");
    const read = readOf(built, "data/prices.txt");
    expect(read?.annotations?.role).toBe("read");
    expect(read?.digest?.sha256).toBe(sha256(DATA));
  });

  // A nested user and mount namespace needs no capability; a read from there must be
  // refused (the sandbox's seccomp filter) or recorded, never dropped as "another namespace".
  const READ_FROM_NESTED = `import { spawnSync } from "node:child_process";
export function probe(): string {
  const nested = spawnSync("unshare", ["-Urm", "cat", "data/prices.txt"], { encoding: "utf8" });
  return nested.status === 0 ? "nested-read=" + nested.stdout.trim() : "nested-refused";
}
`;
  const tracers = [...(fanotifyWorks([process.cwd()]) ? ["fanotify" as const] : []), "strace" as const];

  test.each(tracers)("a read made from a mount namespace nested in the sandbox is refused or recorded (%s)", async (tracer) => {
    await using repo = await hostileRepo({ "src/macro.ts": READ_FROM_NESTED, "src/index.ts": PRINT_PROBE, "data/prices.txt": DATA });
    const built = await buildArtifact({ projectDir: repo.path, tracer }, defaultContext());
    const index = (await outputsOf(built.artifact.path)).get("index.js")!;
    const read = readOf(built, "data/prices.txt");
    if (index.includes("nested-read=")) {
      expect(index).toContain("nested-read=prices: 42");
      expect(read?.annotations?.role).toBe("read");
      expect(read?.digest?.sha256).toBe(sha256(DATA));
    } else {
      expect(index).toContain("nested-refused");
      expect(read).toBeUndefined();
    }
  });
});

describe("strace around the sandbox", () => {
  test("is not used around a setuid bwrap for a user: under a tracer the kernel drops its privilege, and every build would fail", async () => {
    await using dir = await makeTempDir("bunseal-bwrap-");
    const bwrap = join(dir.path, "bwrap");
    writeFileSync(bwrap, "");
    chmodSync(bwrap, 0o755);
    expect(straceCanWrap(bwrap, 1000)).toBe(true);
    chmodSync(bwrap, 0o4755);
    expect(straceCanWrap(bwrap, 1000)).toBe(false);
    // root needs no setuid bit to make namespaces
    expect(straceCanWrap(bwrap, 0)).toBe(true);
  });
});
