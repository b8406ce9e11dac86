/**
 * What a command loads is what it uses (issue #23): the real CLI runs under
 * `strace -f -e trace=openat`, and every file it opens under node_modules is
 * read off the trace. A key-mode verify and trace DIGEST / trace FILE of a
 * key-signed artifact open no Sigstore protobuf code (@sigstore/protobuf-specs,
 * @sigstore/bundle), no @sigstore/verify and no commander. Controls keep the
 * mechanism honest: `verify --help` does open commander, and a keyless verify
 * does open @sigstore/verify, so a trace that saw nothing would fail them.
 * The same trace shows which of bunseal's modules that build zod schemas at
 * load were opened: a schema a path does not use is not built on it (the
 * DSSE envelope's and the runtime measurement's on verify and trace, the
 * build type's parameters and the config's on a keyless verify of another
 * predicate), and one it uses is built when first used.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { cliCommand, REPO_ROOT, runCli, runCommand } from "../helpers/cli.ts";
import { makeTempDir } from "../helpers/testdir.ts";
import { conformanceArgs } from "../verify/conformance-cases.ts";

const KEY = join(REPO_ROOT, "test", "fixtures", "attestations", "valid", "key-signed");
const DIGEST = "sha256:3739d31e3113636570470557bf8440d10411aec571125da5e4745b5c9792163e";
const NOT_LOADED = ["@sigstore/protobuf-specs", "@sigstore/bundle", "@sigstore/verify", "commander"];
/** modules that build schemas at load which verify and trace never use: the DSSE envelope's (the bundle's own shape is checked), the runtime measurement's (only a store that writes one) */
const UNUSED_ON_VERIFY = ["src/attest/dsse.ts", "src/measure/predicate.ts"];

/** The packages under node_modules whose files the command opened, bunseal's own modules it opened (src/…), and how it ended. */
async function packagesOpened(args: string[], cwd = REPO_ROOT): Promise<{ packages: string[]; sources: string[]; exitCode: number; stdout: string; stderr: string }> {
  await using scratch = await makeTempDir("bunseal-strace-");
  const log = join(scratch.path, "openat.log");
  const run = await runCommand(["strace", "-f", "-qq", "-e", "trace=openat", "-o", log, ...cliCommand(args)], { cwd });
  const opened = [...(await Bun.file(log).text()).matchAll(/openat\([^,]+, "([^"]+)"[^)]*\) = \d+/g)].map((m) => m[1]!);
  const packages = new Set<string>();
  for (const path of opened) {
    const at = path.lastIndexOf("/node_modules/");
    if (at < 0) continue;
    const [scope, name] = path.slice(at + "/node_modules/".length).split("/");
    if (scope && name !== undefined && (scope.startsWith("@") ? name : true)) packages.add(scope.startsWith("@") ? `${scope}/${name}` : scope);
  }
  const sources = opened.filter((path) => path.startsWith(`${REPO_ROOT}/src/`)).map((path) => path.slice(REPO_ROOT.length + 1));
  return { packages: [...packages].sort(), sources: [...new Set(sources)].sort(), exitCode: run.exitCode, stdout: run.stdout, stderr: run.stderr };
}

describe("a command loads only what it uses", () => {
  test("a key-mode verify opens no Sigstore protobuf code, no @sigstore/verify and no commander", async () => {
    const run = await packagesOpened(["verify", join(KEY, "artifact.tar"), "--bundle", join(KEY, "bundle.sigstore.json"), "--key", join(KEY, "key.pub")]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain("verifies");
    expect(run.packages.filter((p) => NOT_LOADED.includes(p))).toEqual([]);
    expect(run.sources.filter((f) => UNUSED_ON_VERIFY.includes(f))).toEqual([]);
    // the statement claims bunseal's build type: its parameters' schemas are built for it, and not the config file's
    expect(run.sources).toContain("src/attest/build-type.ts");
    expect(run.sources).not.toContain("src/config/schema.ts");
    // nor the SBOM module (and the inventory under it) for the name of its predicate type
    expect(run.sources).not.toContain("src/sbom/cyclonedx.ts");
    // its --key is a public key: the key holder (its file reads and its child's spawn) is not loaded to find that out
    expect(run.sources).not.toContain("src/sign/key-holder.ts");
  });

  test("trace DIGEST and trace FILE of a key-signed artifact open none of them either", async () => {
    await using dir = await makeTempDir();
    const store = `sqlite:${join(dir.path, "store.db")}`;
    const imported = await runCli(["store", "import", join(KEY, "bundle.sigstore.json"), "--key", join(KEY, "key.pub"), "--store", store]);
    expect(imported.exitCode).toBe(0);
    const unpacked = await runCommand(["tar", "xf", join(KEY, "artifact.tar"), "dist/index.js"], { cwd: dir.path });
    expect(unpacked.exitCode).toBe(0);
    for (const target of [DIGEST, "dist/index.js"]) {
      const run = await packagesOpened(["trace", target, "--store", store], dir.path);
      expect({ target, exitCode: run.exitCode, stderr: run.stderr }).toEqual({ target, exitCode: 0, stderr: "" });
      expect(run.stdout).toContain("verifies     yes");
      expect({ target, loaded: run.packages.filter((p) => NOT_LOADED.includes(p)) }).toEqual({ target, loaded: [] });
      expect({ target, built: run.sources.filter((f) => [...UNUSED_ON_VERIFY, "src/trace/package-spec.ts"].includes(f)) }).toEqual({ target, built: [] });
    }
  });

  test("controls: command help opens commander, a keyless verify opens @sigstore/verify", async () => {
    const help = await packagesOpened(["verify", "--help"]);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain("Usage: bunseal verify");
    expect(help.packages).toContain("commander");
    const keyless = await packagesOpened(conformanceArgs("happy-path-intoto-in-dsse-v3"));
    expect(keyless.exitCode).toBe(0);
    expect(keyless.packages).toContain("@sigstore/verify");
    expect(keyless.packages).not.toContain("commander");
    // a conformance statement does not claim bunseal's build type: neither its parameters' schemas nor the config's are built
    expect(keyless.sources.filter((f) => ["src/attest/build-type.ts", "src/config/schema.ts", ...UNUSED_ON_VERIFY].includes(f))).toEqual([]);
  });
});
