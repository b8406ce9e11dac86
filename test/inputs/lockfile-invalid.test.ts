/**
 * Lockfiles bunseal must refuse rather than guess at, each named after its
 * defect. Most are a real fixture with one edit, so the rest stays exactly as
 * Bun writes it.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BunsealError } from "../../src/errors.ts";
import { parseLockfile, readLockfile } from "../../src/inputs/lockfile.ts";
import { testdir } from "../helpers/testdir.ts";

const KINDS = readFileSync(join(import.meta.dir, "fixtures", "kinds", "bun.lock"), "utf8");
const MS = `"ms": ["ms@2.1.3", "", {}, "sha512-6FlzubTLZG3J2a/NVCAleEhjzq5oxgHyaCU9yYXvcLsvoVaHJq/s5xXI6/XXP6tz7R9xAOtHnSO/tXtF3WRTlA=="],`;

/** The kinds fixture with `from` replaced by `to` (which must be there, or the case tests nothing). */
function edit(from: string, to: string): string {
  if (!KINDS.includes(from)) throw new Error(`fixture has no ${from}`);
  return KINDS.replace(from, to);
}
const withMs = (entry: string) => edit(MS, `"ms": ${entry},`);

function refusal(text: string): BunsealError {
  try {
    parseLockfile(text);
  } catch (error) {
    if (error instanceof BunsealError) return error;
    throw error;
  }
  throw new Error("expected parseLockfile to throw");
}

describe("refuses a lockfile it cannot vouch for", () => {
  test.each([
    ["unknown-lockfile-version", edit(`"lockfileVersion": 2`, `"lockfileVersion": 4`), "lockfileVersion", "bun.lock: lockfileVersion: expected one of 0, 1, 2, 3, got number 4"],
    ["missing-lockfile-version", edit(`"lockfileVersion": 2,`, ""), "lockfileVersion", "bun.lock: lockfileVersion: expected one of 0, 1, 2, 3, got nothing"],
    ["lockfile-version-as-string", edit(`"lockfileVersion": 2`, `"lockfileVersion": "2"`), "lockfileVersion", 'got "2"'],
    ["unknown-top-level-key", edit(`"configVersion": 1,`, `"configVersion": 1, "resolutions": {},`), "resolutions", "bun.lock: resolutions: expected no such key"],
    ["top-level-array", "[]", "(top level)", "bun.lock: (top level): expected an object, got an array of 0"],
    ["packages-not-object", edit(`"packages": {`, `"packages": [], "x": {`), "x", "expected no such key"],
    ["entry-not-array", withMs(`"ms@2.1.3"`), 'packages["ms"]', 'bun.lock: packages["ms"]: expected an array, got "ms@2.1.3"'],
    ["empty-entry", withMs(`[]`), 'packages["ms"][0]', 'expected a "name@resolution" string, got nothing'],
    ["spec-without-name", withMs(`["2.1.3", "", {}, ""]`), 'packages["ms"][0]', 'with a valid package name, got "2.1.3"'],
    ["name-escapes-node-modules", withMs(`["../../evil@2.1.3", "", {}, ""]`), 'packages["ms"][0]', 'with a valid package name, got "../../evil@2.1.3"'],
    ["scope-without-name", withMs(`["@scope@2.1.3", "", {}, ""]`), 'packages["ms"][0]', "with a valid package name"],
    ["dist-tag-resolution", withMs(`["ms@latest", "", {}, ""]`), 'packages["ms"][0]', 'expected a resolution bunseal knows (a version, git+, github:, a tarball, file:, link:, workspace:, root:), got "ms@latest"'],
    ["catalog-resolution", withMs(`["ms@catalog:", "", {}, ""]`), 'packages["ms"][0]', "a resolution bunseal knows"],
    ["npm-entry-missing-integrity", withMs(`["ms@2.1.3", "", {}]`), 'packages["ms"]', 'bun.lock: packages["ms"]: expected ["name@version", "<registry>", {info}, "<integrity>"] (4 items), got an array of 3'],
    ["npm-entry-extra-item", withMs(`["ms@2.1.3", "", {}, "", "x"]`), 'packages["ms"]', "(4 items), got an array of 5"],
    ["registry-not-a-url", withMs(`["ms@2.1.3", "evil.example/ms.tgz", {}, ""]`), 'packages["ms"][1]', 'expected the tarball URL, or "" for the default registry, got "evil.example/ms.tgz"'],
    ["metadata-not-object", withMs(`["ms@2.1.3", "", [], ""]`), 'packages["ms"][2]', "expected a metadata object, got an array of 0"],
    ["renamed-install-script-flag", withMs(`["ms@2.1.3", "", { "hasInstallScripts": true }, ""]`), 'packages["ms"][2].hasInstallScripts', "expected no such key (bunseal knows dependencies,"],
    ["install-script-flag-not-boolean", withMs(`["ms@2.1.3", "", { "hasInstallScript": "yes" }, ""]`), 'packages["ms"][2].hasInstallScript', 'expected a boolean, got "yes"'],
    ["dependencies-not-strings", withMs(`["ms@2.1.3", "", { "dependencies": { "a": 1 } }, ""]`), 'packages["ms"][2].dependencies', "expected strings, got an object"],
    ["weak-or-unknown-integrity", withMs(`["ms@2.1.3", "", {}, "md5-abc"]`), 'packages["ms"][3]', 'expected an integrity string like "sha512-<base64>", got "md5-abc"'],
    ["integrity-not-string", withMs(`["ms@2.1.3", "", {}, 7]`), 'packages["ms"][3]', "got number 7"],
    ["git-tag-not-a-commit", edit(`"a19d1e659187708186db151ba3932362c2136d64"]`, `"../../../etc"]`), 'packages["gitdep"][2]', 'expected the resolved commit (40 or 64 hex digits), got "../../../etc"'],
    ["github-tag-escapes-cache", edit(`"fakeowner-ghdep-1a2b3c4"`, `".."`), 'packages["ghdep"][2]', 'expected the resolved tag <owner>-<repo>-<sha>, got ".."'],
    ["github-entry-missing-tag", edit(`{ "hasInstallScript": true }, "fakeowner-ghdep-1a2b3c4", `, `{ "hasInstallScript": true }, `), 'packages["ghdep"][2]', 'expected the resolved tag <owner>-<repo>-<sha>, got "sha512-'],
    ["git-entry-missing-commit", edit(`{ "hasInstallScript": true }, "a19d1e659187708186db151ba3932362c2136d64"]`, `{ "hasInstallScript": true }]`), 'packages["gitdep"]', "(3 or 4 items), got an array of 2"],
    ["workspace-with-metadata", edit(`["@kinds/lib@workspace:packages/lib"]`, `["@kinds/lib@workspace:packages/lib", {}]`), 'packages["@kinds/lib"]', '["name@workspace:path"] (1 items), got an array of 2'],
    ["root-with-dependencies", edit(`["kinds@root:", {}]`, `["kinds@root:", { "dependencies": {} }]`), 'packages["kinds"][1].dependencies', "expected no such key (bunseal knows bin, binDir)"],
    ["folder-without-metadata", edit(`["linkme@link:../deps/linkme", {}]`, `["linkme@link:../deps/linkme"]`), 'packages["linkme"]', "(2 items), got an array of 1"],
    ["trusted-dependencies-not-array", edit(`"trustedDependencies": [\n    "gitdep",\n  ]`, `"trustedDependencies": "gitdep"`), "trustedDependencies", 'expected an array of package names, got "gitdep"'],
    ["trusted-dependency-not-string", edit(`"gitdep",\n  ]`, `{},\n  ]`), "trustedDependencies[0]", "expected a package name, got an object"],
    ["patch-for-no-package", edit(`"packages": {`, `"patchedDependencies": { "ms@9.9.9": "patches/ms.patch" }, "packages": {`), 'patchedDependencies["ms@9.9.9"]', 'expected a "name@version" of a package in "packages"'],
    ["patch-path-not-string", edit(`"packages": {`, `"patchedDependencies": { "ms@2.1.3": true }, "packages": {`), 'patchedDependencies["ms@2.1.3"]', "expected a patch file path, got boolean true"],
  ])("%s", (_defect, text, field, message) => {
    const error = refusal(text);
    expect(error.code).toBe("LOCKFILE_INVALID");
    expect(error.kind).toBe("input");
    expect(error.file).toBe("bun.lock");
    expect(error.field).toBe(field);
    expect(error.message).toContain(message);
  });

  test("not-jsonc: a syntax error names the file and keeps the parser's message", () => {
    const error = refusal(KINDS.slice(0, 200));
    expect(error.code).toBe("LOCKFILE_INVALID");
    expect(error.field).toBe("(top level)");
    expect(error.message).toStartWith("bun.lock: expected JSONC, got a syntax error: JSONC Parse error:");
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  test("not-utf8: readLockfile refuses bytes that are not text", async () => {
    await using dir = await testdir({ "bun.lock": new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) });
    const error = await readLockfile(dir.path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BunsealError);
    expect((error as BunsealError).code).toBe("LOCKFILE_INVALID");
    expect((error as BunsealError).message).toBe("bun.lock: expected UTF-8 text, got bytes that are not");
  });

  test("a lockfile that is a folder cannot be read (INPUT_UNREADABLE, not 'no lockfile')", async () => {
    await using dir = await testdir({ "bun.lock/x": "" });
    const error = await readLockfile(dir.path).catch((e: unknown) => e);
    expect((error as BunsealError).code).toBe("INPUT_UNREADABLE");
  });
});

test("lockfileVersion 0 (the first text lockfile) allows a workspace entry to carry metadata", () => {
  const v0 = edit(`"lockfileVersion": 2`, `"lockfileVersion": 0`).replace(`["@kinds/lib@workspace:packages/lib"]`, `["@kinds/lib@workspace:packages/lib", { "dependencies": { "ms": "2.0.0" } }]`);
  expect(parseLockfile(v0).packages.find((p) => p.key === "@kinds/lib")).toMatchObject({ source: "workspace", installScripts: false });
});
