import { describe, expect, test } from "bun:test";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";

import { packTar, type ArtifactFile } from "../../src/artifact/tar-pack.ts";
import { listTar, readTarFiles } from "../../src/artifact/tar-read.ts";
import { showPath } from "../../src/artifact/tar-path.ts";
import { sha256Hex } from "../../src/util/digest.ts";
import { testdir } from "../helpers/testdir.ts";
import { rejection } from "../helpers/expect-error.ts";

const MTIME = 1_700_000_000; // 2023-11-14T22:13:20Z
const text = (s: string) => new TextEncoder().encode(s);
const ascii = (bytes: Uint8Array, from: number, to: number) => new TextDecoder("latin1").decode(bytes.subarray(from, to));

const FILES: ArtifactFile[] = [
  { path: "dist/server.js", data: text("console.log('hi')\n") },
  { path: "bin/start", data: text("#!/bin/sh\nexec bun dist/server.js\n"), executable: true },
  { path: "dist/chunk-a1b2.js", data: text("export const a = 1;\n") },
  { path: "README.md", data: text("# service\n") },
  { path: "empty.txt", data: new Uint8Array(0) },
];


async function gnuTar(args: string[], cwd?: string): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  // LC_ALL/TZ pinned so the listing's date and column layout do not depend on the machine.
  const proc = Bun.spawn(["/usr/bin/tar", ...args], { cwd, env: { ...process.env, LC_ALL: "C", TZ: "UTC" }, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, exitCode };
}

describe("packTar", () => {
  test("the same files in any order give the same bytes and digest", async () => {
    const first = await packTar(FILES, { mtime: MTIME });
    for (const order of [[...FILES].reverse(), [FILES[2]!, FILES[0]!, FILES[4]!, FILES[1]!, FILES[3]!]]) {
      const again = await packTar(order, { mtime: MTIME });
      expect(Buffer.compare(again, first)).toBe(0);
      expect(sha256Hex(again)).toBe(sha256Hex(first));
    }
    // Sanity: the digest does depend on what is packed.
    expect(sha256Hex(await packTar(FILES, { mtime: MTIME + 1 }))).not.toBe(sha256Hex(first));
  });

  test("entries are sorted by UTF-8 bytes, not locale or UTF-16 order", async () => {
    const paths = ["b", "😀.js", "a/b", "\uFF21.js", "B", "a-b", "a.js"];
    const packed = await packTar(paths.map((path) => ({ path, data: text(path) })), { mtime: MTIME });
    // "B" before "a" (no locale folding); U+FF21 (EF BC A1) before U+1F600 (F0 9F ...), though UTF-16 says otherwise.
    expect((await listTar(packed)).map((e) => e.path)).toEqual(["B", "a-b", "a.js", "a/b", "b", "\uFF21.js", "😀.js"]);
  });

  test("every entry carries the fixed metadata, read back and in the raw header bytes", async () => {
    const packed = await packTar(FILES, { mtime: MTIME });
    const entries = await listTar(packed);
    expect(entries.map((e) => e.path)).toEqual(["README.md", "bin/start", "dist/chunk-a1b2.js", "dist/server.js", "empty.txt"]);
    for (const e of entries) {
      expect({ mtime: e.mtime, uid: e.uid, gid: e.gid, uname: e.uname, gname: e.gname }).toEqual({ mtime: MTIME, uid: 0, gid: 0, uname: "", gname: "" });
      const source = FILES.find((f) => f.path === e.path)!;
      expect(e.size).toBe(source.data.length);
      expect(e.sha256).toBe(sha256Hex(source.data));
      expect(e.mode).toBe(e.path === "bin/start" ? 0o755 : 0o644);
    }
    // The first header block: README.md, at the POSIX ustar offsets.
    expect(ascii(packed, 0, 10)).toBe("README.md\0");
    expect(ascii(packed, 100, 108)).toBe("000644 \0"); // mode
    expect(ascii(packed, 108, 116)).toBe("000000 \0"); // uid
    expect(ascii(packed, 116, 124)).toBe("000000 \0"); // gid
    expect(ascii(packed, 136, 148)).toBe(`${MTIME.toString(8).padStart(11, "0")} `); // mtime
    expect(ascii(packed, 156, 157)).toBe("0"); // regular file: no directory entries
    expect(ascii(packed, 257, 265)).toBe("ustar\x0000");
    expect(packed.subarray(265, 329).every((b) => b === 0)).toBe(true); // uname and gname empty
    // The second header (after README.md's one data block) is the executable.
    expect(ascii(packed, 1024, 1033)).toBe("bin/start");
    expect(ascii(packed, 1024 + 100, 1024 + 108)).toBe("000755 \0");
    expect(packed.length % 512).toBe(0);
    expect(packed.subarray(-1024).every((b) => b === 0)).toBe(true);
  });

  test("a path over 100 bytes round-trips the same way every time", async () => {
    const nested = `${"deep/".repeat(25)}chunk.js`; // 133 bytes: fits the ustar prefix field
    const flat = `${"x".repeat(150)}.js`; // one segment: needs a pax header
    const files = [{ path: flat, data: text("flat") }, { path: nested, data: text("nested") }];
    const packed = await packTar(files, { mtime: MTIME });
    expect(Buffer.compare(await packTar([...files].reverse(), { mtime: MTIME }), packed)).toBe(0);
    const read = await readTarFiles(packed);
    expect([...read.keys()]).toEqual([nested, flat]);
    expect(new TextDecoder().decode(read.get(flat))).toBe("flat");
    // The pax header tar-stream writes holds the path and nothing that varies between runs.
    const raw = ascii(packed, 0, packed.length);
    expect(raw).toContain(` path=${flat}\n`);
    for (const key of ["mtime=", "atime=", "ctime="]) expect(raw).not.toContain(key);
  });

  const BAD_PATHS: [string, string, string][] = [
    ["an empty path", "", "an empty path"],
    ["an absolute path", "/etc/passwd", "an absolute path"],
    ["a Windows drive path", "C:/x.js", "an absolute path"],
    ["an entry that climbs out with ..", "dist/../../x.js", "climbs out with '..'"],
    ["a backslash that climbs out on Windows", "dist\\..\\x.js", "a backslash"],
    ["a second spelling of a path", "dist/./x.js", "an empty or '.' segment"],
    ["a path longer than PATH_MAX", `${"x".repeat(4097)}.js`, "longer than 4096 bytes"],
  ];
  for (const [attack, path, problem] of BAD_PATHS) {
    test(`rejects ${attack}`, async () => {
      const error = await rejection(packTar([{ path, data: text("x") }], { mtime: MTIME }));
      expect(error.code).toBe("BUILD_FAILED");
      expect(error.message).toContain(`artifact file ${showPath(path)}`); // long paths are shortened in the middle
      expect(error.message).toContain(problem);
      expect(error.field).toBe(path);
    });
  }

  test("rejects a duplicate path that would let one copy shadow the other", async () => {
    const error = await rejection(packTar([{ path: "a.js", data: text("1") }, { path: "a.js", data: text("2") }], { mtime: MTIME }));
    expect(error.code).toBe("BUILD_FAILED");
    expect(error.message).toBe('artifact file "a.js": expected each path once and no file used as a directory, got a duplicate entry');
  });

  test("rejects a file that is also used as a directory", async () => {
    const error = await rejection(packTar([{ path: "a", data: text("1") }, { path: "a/b.js", data: text("2") }], { mtime: MTIME }));
    expect(error.code).toBe("BUILD_FAILED");
    expect(error.message).toContain('artifact file "a/b.js"');
    expect(error.message).toContain('a path inside the file "a"');
  });

  for (const mtime of [-1, 1.5, Number.NaN, 2 ** 31]) {
    test(`rejects SOURCE_DATE_EPOCH ${mtime}, which tar-stream would write as a corrupt header`, async () => {
      const error = await rejection(packTar(FILES, { mtime }));
      expect(error.code).toBe("BUILD_FAILED");
      expect(error.message).toBe(`expected SOURCE_DATE_EPOCH to be whole seconds from 0 to 2147483647, got ${mtime}`);
    });
  }

  test("GNU tar lists and extracts the archive with the expected names, modes, owners and time", async () => {
    const long = `${"x".repeat(150)}.js`;
    const packed = await packTar([...FILES, { path: long, data: text("long") }], { mtime: MTIME });
    await using dir = await testdir({ "artifact.tar": packed });
    const listing = await gnuTar(["-tvf", "artifact.tar"], dir.path);
    expect(listing.stderr).toBe("");
    expect(listing.exitCode).toBe(0);
    const rows = listing.stdout.trim().split("\n").map((line) => line.split(/\s+/));
    // mode, owner, size, date, time, name
    expect(rows.map((r) => [r[0], r[1], r[3], r[4], r[5]])).toEqual(
      ["README.md", "bin/start", "dist/chunk-a1b2.js", "dist/server.js", "empty.txt", long].map((name) => [
        name === "bin/start" ? "-rwxr-xr-x" : "-rw-r--r--",
        "0/0",
        "2023-11-14",
        "22:13",
        name,
      ]),
    );
    await mkdir(join(dir.path, "out"));
    const extracted = await gnuTar(["-xf", "artifact.tar", "-C", "out"], dir.path);
    expect(extracted.exitCode).toBe(0);
    expect(await Bun.file(join(dir.path, "out", long)).text()).toBe("long");
    expect(await Bun.file(join(dir.path, "out", "dist/server.js")).text()).toBe("console.log('hi')\n");
  });
});

describe("listTar / readTarFiles on archives other tools made", () => {
  for (const format of ["gnu", "posix", "ustar"]) {
    test(`reads a GNU tar --format=${format} archive with directories and a long path`, async () => {
      const long = `${"deep/".repeat(22)}${"y".repeat(60)}.js`; // 173 bytes: GNU L, pax, or ustar prefix
      await using dir = await testdir({ "pkg/index.js": "export {};\n", [`pkg/${long}`]: "long\n", "pkg/bin/run": "#!/bin/sh\n" });
      await gnuTar(["--format", format, "-cf", "out.tar", "-C", "pkg", "."], dir.path).then((r) => expect(r.stderr).toBe(""));
      const files = await readTarFiles(join(dir.path, "out.tar"));
      expect([...files.keys()].sort()).toEqual(["bin/run", "index.js", long].sort());
      expect(new TextDecoder().decode(files.get(long))).toBe("long\n");
      const listed = await listTar(join(dir.path, "out.tar"));
      expect(listed.find((e) => e.path === "index.js")?.sha256).toBe(sha256Hex("export {};\n"));
    });
  }

  test("a path argument is streamed and gives what the bytes give", async () => {
    // Several MiB with odd sizes, so the file's stream chunks end mid-header and mid-entry.
    const big = Array.from({ length: 7 }, (_, i) => ({ path: `chunk-${i}.js`, data: new Uint8Array(700_001 * (i + 1)).fill(i) }));
    const packed = await packTar([...FILES, ...big], { mtime: MTIME });
    await using dir = await testdir({ "a.tar": packed });
    const fromFile = await listTar(join(dir.path, "a.tar"));
    expect(fromFile).toEqual(await listTar(packed));
    expect(fromFile.find((e) => e.path === "chunk-6.js")?.sha256).toBe(sha256Hex(big[6]!.data));
    expect(await readTarFiles(join(dir.path, "a.tar"))).toEqual(await readTarFiles(packed));
  });

  test("a missing file is INPUT_UNREADABLE, naming the file", async () => {
    const error = await rejection(listTar("/nonexistent/bunseal/a.tar"));
    expect(error.code).toBe("INPUT_UNREADABLE");
    expect(error.message).toContain("/nonexistent/bunseal/a.tar");
  });
});
