/**
 * check's confirmation, without a build: a cause is confirmed for the kind of
 * the variation that changed the file, and for no other; byte patterns are
 * hypotheses, once per kind and file; a varied build is blamed only for what
 * it changed where the builds with nothing varied agree.
 */
import { describe, expect, test } from "bun:test";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { packTar } from "../../src/artifact/tar-pack.ts";
import { confirmByFailure, confirmByVariation, mergeCauses } from "../../src/check/confirm.ts";
import { stableComparer } from "../../src/check/stable-changes.ts";
import { compareTars } from "../../src/rebuild/compare.ts";
import type { Cause } from "../../src/rebuild/cause.ts";
import { makeTempDir } from "../helpers/testdir.ts";

const timestamp: Cause = { kind: "timestamp", file: "index.js", evidence: "at byte 12: two epochs" };

describe("a cause is confirmed only within its own variation", () => {
  test("a byte pattern another variation showed is never confirmed by a culprit of the same kind elsewhere", () => {
    // the umask variation changed index.js; the timestamp pattern in it stays a hypothesis
    const confirmed = confirmByVariation("umask", "umask 077", ["index.js"], [timestamp]);
    expect(confirmed).toEqual([{ kind: "file-mode", file: "index.js", evidence: "at byte 12: two epochs", confirmed: true, experiment: "index.js changes where the builds with nothing varied agree, when only umask is varied: umask 077" }]);
    const merged = mergeCauses(confirmed, [timestamp, { ...timestamp, evidence: "again, from the env variation" }, { ...timestamp, confirmed: true, experiment: "forged" }]);
    expect(merged).toEqual([confirmed[0]!, { kind: "timestamp", file: "index.js", evidence: "at byte 12: two epochs", confirmed: false }]);
  });

  test("a failed build is its variation's cause, and says the build FAILED", () => {
    expect(confirmByFailure("timezone", "TZ=Pacific/Chatham", "bun build failed: src/index.ts:2:13")).toEqual({
      kind: "timezone",
      file: null,
      evidence: "the build FAILED when only timezone was varied (TZ=Pacific/Chatham): bun build failed: src/index.ts:2:13",
      confirmed: true,
      experiment: "the build FAILED when only timezone was varied (TZ=Pacific/Chatham): bun build failed: src/index.ts:2:13",
    });
  });
});

describe("stable regions: a varied build is blamed only where unvaried builds agree", () => {
  test("a host name beside a random value is a change; another random value alone is none", async () => {
    await using dir = await makeTempDir("bunseal-stable-");
    const tar = async (name: string, text: string) => {
      const path = join(dir.path, `${name}.tar`);
      await writeFile(path, await packTar([{ path: "index.js", data: new TextEncoder().encode(text) }, { path: "other.js", data: new TextEncoder().encode("same\n") }], { mtime: 1_700_000_000 }));
      return path;
    };
    const base = await tar("base", 'console.log("vm 0.5321041685489475");\n');
    const repeat = await tar("repeat", 'console.log("vm 0.207386379853312");\n');
    const hostname = await tar("hostname", 'console.log("bunseal-check-host 0.8812");\n');
    const buildPath = await tar("build-path", 'console.log("vm 0.1234567");\n');
    const stable = stableComparer(base);
    stable.addUnvaried(repeat, await compareTars(base, repeat));
    expect(stable.unstable()).toEqual(["index.js"]);
    expect(await stable.changes(hostname, await compareTars(base, hostname))).toEqual({ changed: ["index.js"], cannotTell: [] });
    expect(await stable.changes(buildPath, await compareTars(base, buildPath))).toEqual({ changed: [], cannotTell: [] });
  });
});
