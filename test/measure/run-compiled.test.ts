/**
 * An artifact as measure gets it: a tar, unpacked read-only by
 * unpackArtifact, holding a compiled executable (`bun build --compile`) that
 * runOnce starts by its path in the artifact.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { packTar } from "../../src/artifact/tar-pack.ts";
import { runOnce, unpackArtifact } from "../../src/measure/run-artifact.ts";
import { rejection } from "../helpers/expect-error.ts";
import { testdir } from "../helpers/testdir.ts";
import { target } from "./run-helpers.ts";

const SERVER = `await Bun.sleep(150);
Bun.serve({ port: Number(process.env.PORT), fetch: (req) => new Response(new URL(req.url).pathname === "/health" ? "ok" : "compiled") });
`;

describe("a packed artifact, unpacked and run", () => {
  test("unpackArtifact writes the tar's files read-only (0444, 0555 when executable; folders 0555) and removes them on dispose", async () => {
    await using work = await testdir();
    const tar = join(work.path, "app.tar");
    writeFileSync(tar, await packTar([{ path: "bin/tool", data: new TextEncoder().encode("#!/bin/sh\necho hi\n"), executable: true }, { path: "lib/data.json", data: new TextEncoder().encode('{"a":1}') }], { mtime: 0 }));
    const unpacked = await unpackArtifact(tar);
    try {
      expect(unpacked.bytes).toBe(statSync(tar).size);
      expect(readFileSync(join(unpacked.dir, "lib/data.json"), "utf8")).toBe('{"a":1}');
      expect(statSync(join(unpacked.dir, "bin/tool")).mode & 0o7777).toBe(0o555);
      expect(statSync(join(unpacked.dir, "lib/data.json")).mode & 0o7777).toBe(0o444);
      for (const folder of ["", "bin", "lib"]) expect(statSync(join(unpacked.dir, folder)).mode & 0o7777).toBe(0o555);
    } finally {
      await unpacked.dispose();
    }
    expect(existsSync(unpacked.dir)).toBe(false);
  });

  test("unpackArtifact refuses a tar with a path that climbs out (ARCHIVE_INVALID), before it writes a file", async () => {
    await using work = await testdir();
    const tar = join(work.path, "bad.tar");
    const good = await packTar([{ path: "aaa/x.js", data: new TextEncoder().encode("1") }], { mtime: 0 });
    // the same archive with its entry renamed in the header: "../x.js" (ustar name field, checksum redone)
    const bytes = Uint8Array.from(good);
    bytes.fill(0, 0, 100);
    bytes.set(new TextEncoder().encode("../x.js"), 0);
    bytes.fill(0x20, 148, 156);
    const sum = bytes.subarray(0, 512).reduce((a, b) => a + b, 0);
    bytes.set(new TextEncoder().encode(`${sum.toString(8).padStart(6, "0")}\0 `), 148);
    writeFileSync(tar, bytes);
    const error = await rejection(unpackArtifact(tar));
    expect(error.code).toBe("ARCHIVE_INVALID");
    expect(error.message).toContain("..");
  });

  test("a compiled executable (bun build --compile) runs from the unpacked artifact, by its path in it", async () => {
    await using work = await testdir({ "server.ts": SERVER });
    const built = Bun.spawnSync([process.execPath, "build", "--compile", "server.ts", "--outfile", "server"], { cwd: work.path, stderr: "pipe" });
    expect(built.exitCode).toBe(0);
    const tar = join(work.path, "app.tar");
    writeFileSync(tar, await packTar([{ path: "server", data: readFileSync(join(work.path, "server")), executable: true }], { mtime: 0 }));
    const unpacked = await unpackArtifact(tar);
    try {
      const run = await runOnce({ ...target(unpacked.dir, { ready: { http: "/health" }, command: ["./server"] }, { load: { requests: 50 } }) });
      expect(run.crashed).toBe(false);
      expect(run.coldStartMs!).toBeGreaterThanOrEqual(150);
      expect(run.rssAtReadyBytes!).toBeGreaterThan(1024 * 1024);
      expect(run.requests).toBe(50);
      expect(run.failedRequests).toBe(0);
    } finally {
      await unpacked.dispose();
    }
  }, 60_000);

  test("a command that names a file outside the artifact is refused before anything runs", async () => {
    await using dir = await testdir({ "index.js": "" });
    const error = await rejection(runOnce(target(dir.path, { ready: { exit: 0 }, command: ["../../usr/bin/env"] })));
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toBe('bunseal.json: run.command[0] "../../usr/bin/env" lies outside the artifact; expected "bun", an absolute path, or a file of the artifact');
  });

  test("a ready pattern that is no regular expression is refused before anything runs", async () => {
    await using dir = await testdir({ "index.js": "" });
    const error = await rejection(runOnce(target(dir.path, { ready: { stdout: "listening (on" } })));
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toStartWith("bunseal.json: run.ready.stdout is not a regular expression (");
  });
});
