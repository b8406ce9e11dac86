/**
 * Reads of a file's metadata are reads too (issue #21, What 2): a macro that
 * embeds `statSync(file).mtimeMs` makes the output depend on a file it never
 * opens, and a fresh clone gives that file a new mtime. The read trace records
 * such a file with the role "stat", so a rebuild's `mtime` cause can name it.
 * Each test is a real build under each tracer this machine has.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { defaultContext } from "../../src/context.ts";
import { buildArtifact } from "../../src/pipeline/build.ts";
import { fanotifyWorks } from "../../src/sandbox/read-tracer.ts";
import { parseTrace } from "../../src/sandbox/read-trace.ts";
import { readRecordedBuild } from "../../src/rebuild/recorded.ts";
import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { gitCommitAll } from "../helpers/git.ts";
import { hostileRepo, outputsOf } from "./hostile-repo.ts";

setDefaultTimeout(30_000);

const PRINT_PROBE = `import { probe } from "./macro.ts" with { type: "macro" };\nconsole.log(probe());\n`;
const DATA = "prices: 42\n";
const sha256 = (data: string) => new Bun.CryptoHasher("sha256").update(data).digest("hex");

type Built = Awaited<ReturnType<typeof buildArtifact>>;
const dependencies = (built: Built) => built.statementValue.predicate.buildDefinition.resolvedDependencies ?? [];
const named = (built: Built, name: string) => dependencies(built).filter((d) => d.name === name);

const tracers = [...(fanotifyWorks([process.cwd()]) ? ["fanotify" as const] : []), "strace" as const];

describe.each(tracers)("metadata reads (%s)", (tracer) => {
  const macro = `import { fstatSync, lstatSync, openSync, statSync } from "node:fs";
export function probe(): string {
  // every way Bun asks the kernel for a file's metadata: statx (statSync), lstat, Bun.file's, and fstat of
  // a descriptor opened with O_PATH, which reads nothing (no open for reading in the trace)
  const O_PATH = 0o10000000;
  return [statSync("data/stamp.txt").size, lstatSync("data/linked.txt").size, Bun.file("data/bunfile.txt").lastModified > 0, fstatSync(openSync("data/opath.txt", O_PATH)).size].join(",");
}
`;
  const files = { "src/macro.ts": macro, "src/index.ts": PRINT_PROBE, "data/stamp.txt": DATA, "data/linked.txt": "ab\n", "data/bunfile.txt": "c\n", "data/opath.txt": "path\n", "data/untouched.txt": "never\n" };

  if (tracer === "strace") {
    test("a macro that stats a file it never opens: the file is recorded with the role stat and its digest", async () => {
      await using repo = await hostileRepo(files);
      const built = await buildArtifact({ projectDir: repo.path, tracer }, defaultContext());
      expect((await outputsOf(built.artifact.path)).get("index.js")).toContain(`${DATA.length},3,true,5`);
      for (const [name, data] of [["data/stamp.txt", DATA], ["data/linked.txt", "ab\n"], ["data/bunfile.txt", "c\n"], ["data/opath.txt", "path\n"]] as const) {
        const found = named(built, name);
        expect(found).toHaveLength(1);
        expect(found[0]!.annotations).toMatchObject({ role: "stat", size: data.length });
        expect(found[0]!.digest).toEqual({ sha256: sha256(data) });
      }
      // a file nothing asked about is no input
      expect(named(built, "data/untouched.txt")).toHaveLength(0);
      expect(built.statementValue.predicate.buildDefinition.internalParameters?.sandbox).toMatchObject({ reads: "strace", stats: "strace" });
      // what the rebuild reads to name the file behind an mtime cause
      expect(readRecordedBuild(built.statementValue).stats).toEqual(["data/bunfile.txt", "data/linked.txt", "data/opath.txt", "data/stamp.txt"]);
    });
  } else {
    // fanotify has no event for a stat, and strace beside it was measured too costly (src/sandbox/read-tracer.ts)
    test("as root, fanotify's record says the stats were not traced, and claims no stat input", async () => {
      await using repo = await hostileRepo(files);
      const built = await buildArtifact({ projectDir: repo.path, tracer }, defaultContext());
      expect((await outputsOf(built.artifact.path)).get("index.js")).toContain(`${DATA.length},3,true,5`);
      expect(built.statementValue.predicate.buildDefinition.internalParameters?.sandbox).toMatchObject({ reads: "fanotify", stats: "untraced" });
      expect(dependencies(built).filter((d) => d.annotations?.role === "stat")).toEqual([]);
    });
  }

  test("a file both stat'ed and read stays one input, with its read role", async () => {
    const macro = `import { readFileSync, statSync } from "node:fs";
export function probe(): string {
  return statSync("data/prices.txt").size + ":" + readFileSync("data/prices.txt", "utf8").trim();
}
`;
    await using repo = await hostileRepo({ "src/macro.ts": macro, "src/index.ts": PRINT_PROBE, "data/prices.txt": DATA });
    const built = await buildArtifact({ projectDir: repo.path, tracer }, defaultContext());
    expect((await outputsOf(built.artifact.path)).get("index.js")).toContain(`${DATA.length}:prices: 42`);
    const found = named(built, "data/prices.txt");
    expect(found).toHaveLength(1);
    expect(found[0]!.annotations?.role).toBe("read");
    // the modules Bun stats and opens keep their own roles: none of them is a "stat"
    expect(named(built, "src/macro.ts")[0]?.annotations?.role).toBe("macro");
  });

  test("metadata read outside the repository, of a folder, or of a link is not recorded", async () => {
    const macro = `import { lstatSync, statSync } from "node:fs";
export function probe(): string {
  return [statSync("/etc/hostname").isFile(), statSync("data").isDirectory(), lstatSync("data/link.txt").isSymbolicLink(), statSync("../").isDirectory()].join(",");
}
`;
    await using repo = await hostileRepo({ "src/macro.ts": macro, "src/index.ts": PRINT_PROBE, "data/target.txt": DATA });
    symlinkSync("target.txt", join(repo.path, "data/link.txt"));
    await gitCommitAll(repo.path, "a link");
    const built = await buildArtifact({ projectDir: repo.path, tracer }, defaultContext());
    expect((await outputsOf(built.artifact.path)).get("index.js")).toContain("true,true,true,true");
    const stats = dependencies(built).filter((d) => d.annotations?.role === "stat");
    expect(stats).toEqual([]);
  });
});

/**
 * The lines strace 6.1 wrote here (Debian 12, x86-64) around a real build under
 * traceArgv, with their paths put back into hex as `-xx` writes them: a pid below
 * 10,000 is padded to five places (the first parser, anchored on one space, read
 * nothing from such a line), a descriptor's stat names its file through `-y`.
 */
describe("parseTrace's stat calls", () => {
  const hex = (text: string) => [...Buffer.from(text)].map((b) => `\\x${b.toString(16).padStart(2, "0")}`).join("");
  const trace = [
    `6421  statx(AT_FDCWD<${hex("/repo")}>, "${hex("data/stamp.txt")}", AT_STATX_SYNC_AS_STAT, STATX_ALL, {stx_mask=STATX_ALL|STATX_MNT_ID, stx_attributes=0, stx_mode=S_IFREG|0644, stx_size=11, ...}) = 0`,
    `16784 statx(AT_FDCWD<${hex("/repo")}>, "${hex("lnk.txt")}", AT_STATX_SYNC_AS_STAT|AT_SYMLINK_NOFOLLOW, STATX_ALL, {stx_mask=STATX_ALL|STATX_MNT_ID, stx_attributes=0, stx_mode=S_IFLNK|0777, stx_size=5, ...}) = 0`,
    `16784 statx(AT_FDCWD<${hex("/repo")}>, "${hex("sub")}", AT_STATX_SYNC_AS_STAT, STATX_ALL, {stx_mask=STATX_ALL|STATX_MNT_ID, stx_attributes=0, stx_mode=S_IFDIR|0755, stx_size=4096, ...}) = 0`,
    `6421  newfstatat(7<${hex("/repo/src")}>, "${hex("../data/bunfile.txt")}", {st_mode=S_IFREG|0644, st_size=2, ...}, 0) = 0`,
    `6409  newfstatat(4<${hex("/repo/data/opath.txt")}>, "", {st_mode=S_IFREG|0644, st_size=38759, ...}, AT_EMPTY_PATH) = 0`,
    `6415  fstat(4<${hex("/repo/src/worker.ts")}>, {st_mode=S_IFREG|0644, st_size=14461, ...}) = 0`,
    `6415  stat("${hex("data/legacy.txt")}", {st_mode=S_IFREG|0644, st_size=3, ...}) = 0`,
    `6415  openat(AT_FDCWD<${hex("/repo")}>, "${hex("data/read.txt")}", O_RDONLY|O_CLOEXEC) = 5<${hex("/repo/data/read.txt")}>`,
  ].join("\n");

  test("each stat call's file, absolute: by its folder descriptor, by its own descriptor, or (legacy stat) by the folder the build starts in; links and folders are not files", () => {
    const { opened, stated } = parseTrace(trace, "/repo");
    expect(opened).toEqual(["/repo/data/read.txt"]);
    expect(stated).toEqual(["/repo/data/bunfile.txt", "/repo/data/legacy.txt", "/repo/data/opath.txt", "/repo/data/stamp.txt", "/repo/src/worker.ts"]);
  });
});
