/** Probing a binary, and choosing which Bun a rebuild runs; no network. */
import { describe, expect, test } from "bun:test";
import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { currentBun, probeBun, resolveBun } from "../../src/runtime/bun-runtime.ts";
import { rejection } from "../helpers/expect-error.ts";
import { testdir } from "../helpers/testdir.ts";
import { deadRegistry, fakeBunScript } from "./fake-registry.ts";

async function script(dir: string, text: string): Promise<string> {
  const path = join(dir, "bun");
  await writeFile(path, text);
  await chmod(path, 0o755);
  return path;
}

describe("probeBun", () => {
  test("reads the running Bun as currentBun() describes it, full revision included", async () => {
    const bun = await probeBun(process.execPath);
    expect(bun).toEqual(currentBun());
    expect(bun.revision).toMatch(/^[0-9a-f]{40}$/);
  });

  test("ignores a bunfig.toml preload in the caller's folder", async () => {
    await using dir = await testdir({ "bunfig.toml": 'preload = ["./evil.ts"]\n', "evil.ts": 'process.stdout.write("0".repeat(40)); process.exit(0);\n' });
    const before = process.cwd();
    process.chdir(dir.path);
    try {
      expect((await probeBun(process.execPath)).revision).toBe(Bun.revision);
    } finally {
      process.chdir(before);
    }
  });

  test("a missing binary is BUN_FAILED naming the path", async () => {
    const error = await rejection(probeBun("/nonexistent/bun"));
    expect(error.code).toBe("BUN_FAILED");
    expect(error.kind).toBe("environment");
    expect(error.message).toStartWith("could not run Bun at /nonexistent/bun: it could not be started");
  });

  test("a binary that is not Bun is BUN_FAILED", async () => {
    await using dir = await testdir();
    const path = await script(dir.path, "#!/bin/sh\necho hello\n");
    const error = await rejection(probeBun(path));
    expect(error.code).toBe("BUN_FAILED");
    expect(error.message).toContain('expected `bun --version` to print a version, got "hello"');
  });

  test("a binary whose short and full revisions disagree is BUN_FAILED", async () => {
    await using dir = await testdir();
    const path = await script(dir.path, fakeBunScript("1.0.0").replace('printf "abab', 'printf "cdcd'));
    expect((await rejection(probeBun(path))).message).toContain("to name one commit of Bun 1.0.0");
  });
});

describe("resolveBun", () => {
  test("uses the running Bun when it is the recorded version, without the registry", async () => {
    expect(await resolveBun(Bun.version, { registry: deadRegistry(), cacheDir: "/nonexistent" })).toEqual(currentBun());
    expect(await resolveBun(`v${Bun.version}`, { registry: deadRegistry(), cacheDir: "/nonexistent" })).toEqual(currentBun());
  });

  test("uses an override that reports the recorded version", async () => {
    await using dir = await testdir();
    const path = await script(dir.path, fakeBunScript("1.2.3"));
    expect(await resolveBun("1.2.3", { override: path })).toEqual({ path, version: "1.2.3", revision: "ab".repeat(20) });
  });

  test("rejects an override of another version, naming both", async () => {
    const error = await rejection(resolveBun("1.2.3", { override: process.execPath }));
    expect(error.code).toBe("BUN_VERSION_MISMATCH");
    expect(error.kind).toBe("input");
    expect(error.message).toBe(`expected Bun 1.2.3 (the version the attestation records), got Bun ${Bun.version} at ${process.execPath}`);
  });

  test("an override that does not run is BUN_FAILED", async () => {
    expect((await rejection(resolveBun("1.2.3", { override: "/nonexistent/bun" }))).code).toBe("BUN_FAILED");
  });

  test("fetches another version, reporting why", async () => {
    const messages: string[] = [];
    const error = await rejection(resolveBun("0.0.1", { registry: deadRegistry(), cacheDir: "/nonexistent", onProgress: (m) => messages.push(m) }));
    expect(error.code).toBe("BUN_REGISTRY_FAILED");
    expect(messages).toEqual([`the attestation records Bun 0.0.1; this is Bun ${Bun.version}, so using Bun 0.0.1 from the registry`]);
  });
});
