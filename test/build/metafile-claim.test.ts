/**
 * checkMetafileClaim: the worker's metafile summary names files bunseal's own
 * process then reads and hashes, outside the sandbox. A forged summary must not
 * make it read the host's files (a link out, a path up, a device that never ends).
 */
import { describe, expect, test } from "bun:test";
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { checkMetafileClaim } from "../../src/build/metafile-claim.ts";
import type { MetafileSummary } from "../../src/build/worker-protocol.ts";
import { testdir } from "../helpers/testdir.ts";

const claim = (inputs: string[], more: Partial<MetafileSummary> = {}): MetafileSummary => ({ inputs, relativeExternals: [], ...more });

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error("expected a refusal");
};

describe("checkMetafileClaim", () => {
  test("takes a workspace member's inputs up the repository, virtual modules and a link inside it", async () => {
    await using repo = await testdir({ "apps/web/src/index.ts": "", "packages/lib/index.ts": "" });
    mkdirSync(join(repo.path, "apps/web/node_modules"));
    symlinkSync("../../../packages/lib", join(repo.path, "apps/web/node_modules/lib"));
    const project = join(repo.path, "apps/web");
    const summary = claim(["src/index.ts", "../../packages/lib/index.ts", "node_modules/lib/index.ts", "bunseal:bunseal:build-info"], { relativeExternals: [{ importer: "src/index.ts", path: "./macro.ts" }] });
    expect(checkMetafileClaim(summary, project, repo.path)).toBe(summary);
  });

  test("rejects a path up and out of the repository", async () => {
    await using repo = await testdir({ "src/index.ts": "" });
    const error = refusal(() => checkMetafileClaim(claim(["src/index.ts", "../../etc/passwd"]), repo.path, repo.path));
    expect(error.code).toBe("BUILD_FAILED");
    expect(error.message).toContain('names "../../etc/passwd", outside the folder the build could see');
  });

  test("rejects a link inside the repository that leads out of it", async () => {
    await using repo = await testdir({ "src/index.ts": "" });
    symlinkSync("/etc/passwd", join(repo.path, "src/passwd.ts"));
    const error = refusal(() => checkMetafileClaim(claim(["src/passwd.ts"]), repo.path, repo.path));
    expect(error.code).toBe("BUILD_FAILED");
    expect(error.message).toContain("a link to outside the folder the build could see");
  });

  test("rejects a FIFO in the repository (a read that never ends)", async () => {
    await using repo = await testdir({ "src/index.ts": "" });
    expect(Bun.spawnSync(["mkfifo", join(repo.path, "src/pipe.ts")]).exitCode).toBe(0);
    const error = refusal(() => checkMetafileClaim(claim(["src/pipe.ts"]), repo.path, repo.path));
    expect(error.code).toBe("BUILD_FAILED");
    expect(error.message).toContain('names "src/pipe.ts", not a regular file');
  });

  test("rejects a macro importer or a plugin outside the repository", async () => {
    await using repo = await testdir({ "src/index.ts": "" });
    const external = refusal(() => checkMetafileClaim(claim(["src/index.ts"], { relativeExternals: [{ importer: "src/index.ts", path: "../../../etc/shadow" }] }), repo.path, repo.path));
    expect(external.message).toContain("outside the folder the build could see");
    const plugin = refusal(() => checkMetafileClaim(claim(["src/index.ts"], { plugins: ["../outside.ts"] }), repo.path, repo.path));
    expect(plugin.message).toContain('names "../outside.ts"');
  });
});
