/**
 * The floors the benches hold bunseal to (issue #23): each does only the work it
 * names and loads nothing else, and still checks what it claims. A floor that
 * loaded more than its work would flatter bunseal (the old `verify-baseline.ts
 * bare` loaded three Sigstore packages it never used: 50 ms where the work takes
 * 27); one that checked nothing would flatter it too.
 *
 * What a floor loads is watched from outside: the floor runs under
 * `strace -f -y`, and every file it opens under a node_modules folder names a
 * package. That set must equal the packages its work needs (those it names,
 * with their dependencies as their package.json files declare them; a package
 * read only for data, such as @sigstore/tuf's seed, adds itself alone).
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";
import { bareBuildCommand, rebuildFloor } from "../../bench/lib.ts";
import { makeTempDir } from "../helpers/testdir.ts";
import { CONFORMANCE_CORPUS } from "../verify/conformance-cases.ts";

const ROOT = join(import.meta.dir, "..", "..");
const FLOORS_DIR = join(ROOT, "bench", "floors");
const KEY = join(ROOT, "test", "fixtures", "attestations", "valid", "key-signed");
const IDENTITY = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const ISSUER = "https://token.actions.githubusercontent.com";
const DSSE = join(CONFORMANCE_CORPUS, "happy-path-intoto-in-dsse-v3", "bundle.sigstore.json");
const MESSAGE = join(CONFORMANCE_CORPUS, "happy-path-v0.3", "bundle.sigstore.json");
const A_TXT = join(CONFORMANCE_CORPUS, "a.txt");
// each test starts Bun under strace, a few times; the 2-core machine is shared
const SLOW = 30_000;

interface Floor {
  /** the command after `bun`: the script, then its arguments on inputs that verify */
  script: string;
  args: string[];
  /** the packages whose code the work runs; their dependencies are added from their package.json */
  uses: string[];
  /** packages read for data only (a JSON file), which run no code of theirs */
  data?: string[];
}

const FLOORS: Record<string, Floor> = {
  "verify, bare (node:crypto's DSSE check and the subject)": {
    script: "bench/floors/verify-bare.ts",
    args: [join(KEY, "bundle.sigstore.json"), join(KEY, "key.pub"), join(KEY, "artifact.tar")],
    uses: [],
  },
  "verify, key (@sigstore/verify with the key)": {
    script: "bench/floors/verify-key.ts",
    args: [join(KEY, "bundle.sigstore.json"), join(KEY, "key.pub"), join(KEY, "artifact.tar")],
    uses: ["@sigstore/bundle", "@sigstore/verify"],
  },
  "verify, keyless (@sigstore/verify with the production root), DSSE": {
    script: "bench/floors/verify-keyless.ts",
    args: [DSSE, A_TXT, IDENTITY, ISSUER],
    uses: ["@sigstore/bundle", "@sigstore/protobuf-specs", "@sigstore/verify"],
    data: ["@sigstore/tuf"],
  },
  "verify, keyless (@sigstore/verify with the production root), message signature": {
    script: "bench/floors/verify-keyless.ts",
    args: [MESSAGE, A_TXT, IDENTITY, ISSUER],
    uses: ["@sigstore/bundle", "@sigstore/protobuf-specs", "@sigstore/verify"],
    data: ["@sigstore/tuf"],
  },
};

interface Traced {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** every package a file was opened in, by name */
  packages: string[];
  /** every path opened, as the kernel resolved it */
  paths: string[];
}

/** Runs `cmd` under strace and collects what it opened (successful opens only: a resolver's misses load nothing). */
async function traced(cmd: string[], cwd = ROOT): Promise<Traced> {
  await using dir = await makeTempDir("bunseal-floors-");
  const log = join(dir.path, "strace.log");
  const proc = Bun.spawn(["strace", "-f", "-qq", "-y", "-e", "trace=open,openat,openat2", "-o", log, "--", ...cmd], { cwd, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  const paths = new Set<string>();
  // -y prints the opened fd with its path, resolved by the kernel (symlinks followed, relative opens made absolute)
  for (const line of (await Bun.file(log).text()).split("\n")) {
    const opened = /= \d+<(.+)>$/.exec(line);
    if (opened) paths.add(opened[1]!);
  }
  const packages = new Set<string>();
  for (const path of paths) {
    const at = path.lastIndexOf("/node_modules/");
    if (at === -1) continue;
    const parts = path.slice(at + "/node_modules/".length).split("/");
    const name = parts[0]!.startsWith("@") ? (parts[1] ? `${parts[0]}/${parts[1]}` : "") : parts[0]!;
    // the node_modules folder itself, a scope's folder, .bin and .cache are not packages
    if (name && !name.startsWith(".")) packages.add(name);
  }
  return { exitCode, stdout, stderr, packages: [...packages].sort(), paths: [...paths] };
}

/** The package a bare specifier names (`@scope/name/sub` → `@scope/name`); undefined for a builtin. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith("node:") || specifier === "bun" || specifier.startsWith("bun:") || builtinModules.includes(specifier)) return undefined;
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
}

/** `names` with every dependency their installed package.json files declare, transitively. */
async function withDependencies(names: readonly string[]): Promise<string[]> {
  const found = new Set<string>();
  const queue = [...names];
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (found.has(name)) continue;
    found.add(name);
    const manifest = await Bun.file(join(ROOT, "node_modules", name, "package.json")).json();
    queue.push(...Object.keys(manifest.dependencies ?? {}));
  }
  return [...found].sort();
}

/** What a floor's work needs loaded: the packages it uses with their dependencies, and those it reads data from. */
async function needs(floor: Floor): Promise<string[]> {
  return [...new Set([...(await withDependencies(floor.uses)), ...(floor.data ?? [])])].sort();
}

/**
 * Why a floor script's imports are not what its work needs, read with Bun's own
 * parser: anything but a static import at the top (a dynamic import or a
 * require loads per mode, which one file per floor replaces), code of this
 * repository, an import for its side effects, and an imported name the file
 * never uses (Bun's `trimUnusedImports` would drop it).
 */
function importProblems(source: string): string[] {
  const plain = new Bun.Transpiler({ loader: "ts" });
  const problems: string[] = [];
  for (const { kind, path } of plain.scanImports(source)) {
    if (kind !== "import-statement") problems.push(`${path}: a ${kind}, expected a static import`);
    else if (path.startsWith(".") || path.startsWith("/")) problems.push(`${path}: code of this repository, expected a builtin or a package`);
  }
  const before = plain.transformSync(source).split("\n").filter((line) => line.startsWith("import"));
  const after = new Set(new Bun.Transpiler({ loader: "ts", trimUnusedImports: true }).transformSync(source).split("\n"));
  for (const line of before) {
    if (/^import\s*["']/.test(line)) problems.push(`${line}: imported for its side effects`);
    else if (!after.has(line)) problems.push(`${line}: imports a name the file never uses`);
  }
  return problems;
}

/** The same file with one byte changed in the middle. */
async function tampered(path: string, into: string): Promise<string> {
  const bytes = await Bun.file(path).bytes();
  bytes[bytes.length >> 1]! ^= 0x01;
  await Bun.write(into, bytes);
  return into;
}

/** The bundle with one bit of its first signature flipped, still well-formed. */
async function badSignature(bundlePath: string, into: string): Promise<string> {
  const json = await Bun.file(bundlePath).json();
  const holder = json.dsseEnvelope ? json.dsseEnvelope.signatures[0] : json.messageSignature;
  const field = json.dsseEnvelope ? "sig" : "signature";
  const sig = Buffer.from(holder[field], "base64");
  sig[sig.length - 1]! ^= 0x01;
  holder[field] = sig.toString("base64");
  await Bun.write(into, JSON.stringify(json));
  return into;
}

describe("every floor script", () => {
  test("is in this test's table, so none escapes its rules", () => {
    const onDisk = readdirSync(FLOORS_DIR).map((f) => `bench/floors/${f}`).sort();
    expect(onDisk).toEqual([...new Set(Object.values(FLOORS).map((f) => f.script))].sort());
  });

  for (const script of new Set(Object.values(FLOORS).map((f) => f.script))) {
    test(`${script} imports only what its work names, and uses every name it imports`, async () => {
      const source = await Bun.file(join(ROOT, script)).text();
      expect(importProblems(source)).toEqual([]);
      const named = new Set(Object.values(FLOORS).filter((f) => f.script === script).flatMap((f) => [...f.uses, ...(f.data ?? [])]));
      const imported = new Bun.Transpiler({ loader: "ts" }).scanImports(source).map((i) => packageOf(i.path)).filter((p) => p !== undefined);
      expect([...new Set(imported)].sort()).toEqual([...named].sort());
    });
  }

  test("the import check sees an unused name, a side-effect import, a dynamic import and repository code", () => {
    expect(importProblems(`import { a, b } from "x";\nimport "y";\nimport { c } from "../src/z.ts";\nconsole.log(a, c, await import("w"));`)).toEqual([
      "../src/z.ts: code of this repository, expected a builtin or a package",
      "w: a dynamic-import, expected a static import",
      'import { a, b } from "x";: imports a name the file never uses',
      'import"y";: imported for its side effects',
    ]);
    expect(importProblems(`import { verify } from "node:crypto";\nimport seeds from "p/seeds.json" with { type: "json" };\nconsole.log(verify, seeds);`)).toEqual([]);
  });
});

describe("each floor loads only the packages its work needs", () => {
  for (const [name, floor] of Object.entries(FLOORS)) {
    test(name, async () => {
      const run = await traced([process.execPath, join(ROOT, floor.script), ...floor.args]);
      expect({ exitCode: run.exitCode, stdout: run.stdout, stderr: run.stderr }).toEqual({ exitCode: 0, stdout: "OK\n", stderr: "" });
      expect(run.packages).toEqual(await needs(floor));
      // a package read for data runs none of its code: only its JSON files are opened
      for (const name of floor.data ?? []) {
        const files = run.paths.filter((p) => p.includes(`/node_modules/${name}/`) && !statSync(p).isDirectory());
        expect(files.filter((p) => !p.endsWith(".json"))).toEqual([]);
      }
    }, SLOW);
  }

  test("bench/startup.ts's floor, bun -e 0, loads no package", async () => {
    const run = await traced([process.execPath, "-e", "0"]);
    expect(run.exitCode).toBe(0);
    expect(run.packages).toEqual([]);
  }, SLOW);

  test("bench/trace.ts's floor, bunseal --version, loads no package", async () => {
    const run = await traced([process.execPath, "--no-env-file", "--config=/dev/null", join(ROOT, "bin", "bunseal"), "--version"]);
    expect(run.exitCode).toBe(0);
    expect(run.packages).toEqual([]);
  }, SLOW);

  test("bench/startup.ts's attribution line, bun -e 'require(\"commander\")', loads commander alone", async () => {
    const run = await traced([process.execPath, "-e", 'require("commander")']);
    expect(run.exitCode).toBe(0);
    expect(run.packages).toEqual(await withDependencies(["commander"]));
  }, SLOW);

  /** A generated project of 20 modules, as bench/gen-large-project.ts makes the 10,000-module one, and its declared dependencies. */
  async function project(parent: string): Promise<{ path: string; config: any; declared: string[] }> {
    const path = join(parent, "project");
    const gen = Bun.spawnSync([process.execPath, join(ROOT, "bench", "gen-large-project.ts"), path, "--modules", "20"], { stdout: "ignore", stderr: "pipe" });
    expect(gen.stderr.toString()).toBe("");
    const declared = Object.keys((await Bun.file(join(path, "package.json")).json()).dependencies);
    return { path, config: await Bun.file(join(path, "bunseal.json")).json(), declared };
  }

  test("the build floor, bare bun build, opens nothing of bunseal's and no package the project does not declare", async () => {
    await using dir = await makeTempDir("bunseal-floors-build-");
    const { path, config, declared } = await project(dir.path);
    const run = await traced(bareBuildCommand(config, join(dir.path, "out")), path);
    expect(run.exitCode).toBe(0);
    expect(run.paths.filter((p) => p.startsWith(`${ROOT}/`))).toEqual([]);
    expect(run.packages.filter((p) => !declared.includes(p))).toEqual([]);
    // it did the work: the modules are in the output
    expect(await Bun.file(join(dir.path, "out", "index.js")).text()).toContain("/api/v1/");
  }, SLOW);

  test("the rebuild floor, clone + frozen install + bare build, opens nothing of bunseal's and no package the project does not declare", async () => {
    await using dir = await makeTempDir("bunseal-floors-rebuild-");
    const { path, config, declared } = await project(dir.path);
    const clone = join(dir.path, "clone");
    for (const step of rebuildFloor(path, clone, config)) {
      const run = await traced(step.cmd, step.cwd);
      expect({ step: step.cmd.slice(0, 2), exitCode: run.exitCode, stderr: run.stderr }).toEqual({ step: step.cmd.slice(0, 2), exitCode: 0, stderr: "" });
      expect(run.paths.filter((p) => p.startsWith(`${ROOT}/`))).toEqual([]);
      expect(run.packages.filter((p) => !declared.includes(p))).toEqual([]);
    }
    expect(await Bun.file(join(clone, "dist", "index.js")).text()).toContain("/api/v1/");
  }, SLOW);
});

describe("each floor still checks what it claims", () => {
  const fail = async (script: string, args: string[]) => {
    const run = await traced([process.execPath, join(ROOT, script), ...args]);
    return { exitCode: run.exitCode, ok: run.stdout.includes("OK"), stderr: run.stderr };
  };

  for (const script of ["bench/floors/verify-bare.ts", "bench/floors/verify-key.ts"]) {
    test(`${script} rejects a tampered artifact`, async () => {
      await using dir = await makeTempDir("bunseal-floors-");
      const result = await fail(script, [join(KEY, "bundle.sigstore.json"), join(KEY, "key.pub"), await tampered(join(KEY, "artifact.tar"), join(dir.path, "artifact.tar"))]);
      expect(result.exitCode).toBe(1);
      expect(result.ok).toBe(false);
      expect(result.stderr).toContain("is not among the statement's subjects");
    }, SLOW);

    test(`${script} rejects a bundle whose signature was altered`, async () => {
      await using dir = await makeTempDir("bunseal-floors-");
      const result = await fail(script, [await badSignature(join(KEY, "bundle.sigstore.json"), join(dir.path, "bundle.json")), join(KEY, "key.pub"), join(KEY, "artifact.tar")]);
      expect(result.exitCode).toBe(1);
      expect(result.ok).toBe(false);
      expect(result.stderr).toContain(script.endsWith("bare.ts") ? "the DSSE signature does not verify" : 'code: "SIGNATURE_ERROR"');
    }, SLOW);
  }

  test("bench/floors/verify-keyless.ts rejects a tampered artifact (DSSE: the subject; message signature: the signature)", async () => {
    await using dir = await makeTempDir("bunseal-floors-");
    const artifact = await tampered(A_TXT, join(dir.path, "a.txt"));
    const dsse = await fail("bench/floors/verify-keyless.ts", [DSSE, artifact, IDENTITY, ISSUER]);
    expect(dsse.exitCode).toBe(1);
    expect(dsse.stderr).toContain("is not among the statement's subjects");
    const message = await fail("bench/floors/verify-keyless.ts", [MESSAGE, artifact, IDENTITY, ISSUER]);
    expect(message.exitCode).toBe(1);
    expect(message.ok).toBe(false);
    expect(message.stderr).toContain('code: "SIGNATURE_ERROR"');
  }, SLOW);

  test("bench/floors/verify-keyless.ts rejects an altered signature and another signer's identity", async () => {
    await using dir = await makeTempDir("bunseal-floors-");
    for (const bundle of [DSSE, MESSAGE]) {
      const altered = await fail("bench/floors/verify-keyless.ts", [await badSignature(bundle, join(dir.path, "bundle.json")), A_TXT, IDENTITY, ISSUER]);
      expect(altered.exitCode).toBe(1);
      expect(altered.ok).toBe(false);
      // the log entry records the signature it logged, so an altered one is caught there first
      expect(altered.stderr).toContain('code: "TLOG_BODY_ERROR"');
      const other = await fail("bench/floors/verify-keyless.ts", [bundle, A_TXT, `${IDENTITY}x`, ISSUER]);
      expect(other.exitCode).toBe(1);
      expect(other.ok).toBe(false);
      expect(other.stderr).toContain('code: "UNTRUSTED_SIGNER_ERROR"');
    }
  }, SLOW);
});
