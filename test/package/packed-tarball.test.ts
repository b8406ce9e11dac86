/**
 * bunseal as users get it (issue #20, item 13; issue #23): `bun pm pack` of a
 * clean clone of the current commit runs prepack, which is `bunseal build` of
 * bunseal itself, signed (src/release/pack.ts): the tarball carries the CLI as
 * the outputs of that build (dist/, the bundle the package's `bin` names) with
 * its signed provenance beside it, and ships what runs and nothing else.
 * Installed into a fresh project with `bun add -d <tarball>` (its production
 * dependencies only, from the npm registry), the installed CLI verifies and
 * rebuilds its own release byte for byte, and `bunx bunseal build` signs a
 * project in the sandbox and `bunx bunseal verify` accepts it, the worker
 * running from the package's dist/.
 *
 * One pack in beforeAll, shared; it packs the current commit (HEAD of this
 * checkout), not uncommitted changes.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { REPO_ROOT } from "../helpers/cli.ts";
import { git, gitCommitAll, gitRepo, type GitRepo } from "../helpers/git.ts";
import { makeTempDir } from "../helpers/testdir.ts";
import { okIn, packBunseal, runIn, type PackedBunseal } from "./pack-bunseal.ts";
import { readFirstLine } from "../helpers/first-line.ts";

setDefaultTimeout(180_000);

let packed: PackedBunseal;
/** the clean clone the package was packed from */
let clone: string;
let commit: string;
let tarball: string;
let shipped: string[];
/** the release key's public half, made by the test */
let releasePub: string;
/** a fresh project with the tarball installed (`bun add -d`) */
let installed: string;

const run = runIn;
const ok = okIn;
const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");
/** the signed statement of a Sigstore bundle file (its DSSE payload, unverified: what the test compares against) */
const statementOf = (bundlePath: string) => JSON.parse(Buffer.from(JSON.parse(readFileSync(bundlePath, "utf8")).dsseEnvelope.payload, "base64").toString("utf8"));

beforeAll(async () => {
  packed = await packBunseal();
  ({ clone, commit, tarball, releasePub } = packed);
  shipped = (await ok(["tar", "-tzf", tarball], packed.path)).trim().split("\n").map((line) => line.replace(/^package\//, ""));
  installed = join(packed.path, "project");
  await Bun.write(join(installed, "package.json"), JSON.stringify({ name: "release-check", private: true }));
  await ok([process.execPath, "add", "-d", tarball], installed);
});
afterAll(async () => {
  await packed?.cleanup();
});

test("a pack with no way to sign is refused before anything is built (exit 2, naming BUNSEAL_RELEASE_KEY and BUNSEAL_RELEASE_KEYLESS)", async () => {
  const out = join(packed.path, "unsigned");
  const refused = await run([process.execPath, "pm", "pack", "--destination", out, "--quiet"], clone, { BUNSEAL_RELEASE_KEY: undefined, BUNSEAL_RELEASE_KEYLESS: undefined });
  expect(refused.code).toBe(2);
  expect(refused.err).toContain("bunseal prepack: expected a way to sign bunseal's release, got none: set BUNSEAL_RELEASE_KEY=<private key file> (bunseal keygen makes one) or BUNSEAL_RELEASE_KEYLESS=1");
  expect(existsSync(out) && readdirSync(out).some((f) => f.endsWith(".tgz"))).toBe(false);
  // the clone stays as it was: no dist/ left behind
  expect(existsSync(join(clone, "dist"))).toBe(false);
});

test("the packed tarball ships what runs (the sealed bundle and its provenance, bin, src, schemas, the sandbox probe, the GitLab job, README, LICENSE) and no tests, fixtures, benches or docs", async () => {
  // what runs, as git tracks it: the tarball holds exactly these files, so a new module ships and a new test folder does not
  const runs = ["bin/", "src/", "schemas/", ".ci/sandbox-ready", ".ci/bwrap.apparmor", "ci/gitlab/", "tsconfig.json", "README.md", "LICENSE", "package.json"];
  const tracked = (await git(clone, ["ls-files", "-z", "--", ...runs])).split("\0").filter(Boolean);
  expect(tracked).toContain("LICENSE");
  // dist/: the files of bunseal's own artifact, exactly its subjects (after the tar itself), and the signed bundle
  const provenance = join(installed, "node_modules", "bunseal", "dist", "entry.js.sigstore.json");
  const statement = statementOf(provenance);
  const [tar, ...files] = statement.subject as { name: string; digest: { sha256: string } }[];
  expect(tar!.name).toBe(`bunseal-${commit.slice(0, 12)}.tar`);
  expect(files.map((f) => f.name)).toEqual(expect.arrayContaining(["entry.js", "worker.js", "prober.js", "observe-preload.js"]));
  const dist = [...files.map((f) => `dist/${f.name}`), "dist/entry.js.sigstore.json"];
  expect(shipped.toSorted()).toEqual([...tracked, ...dist].toSorted());
  // and each installed file is the one signed for, byte for byte (the CLI's chunks too, which `verify dist/entry.js` does not read)
  for (const file of files) expect({ name: file.name, sha256: sha256(join(installed, "node_modules", "bunseal", "dist", file.name)) }).toEqual({ name: file.name, sha256: file.digest.sha256 });
  expect(shipped.filter((path) => /^(test|fixtures|bench|docs)\//.test(path) || /\.test\.ts$/.test(path))).toEqual([]);
  // the package's command is the bundle, started the way bin/bunseal is
  const manifest = JSON.parse(readFileSync(join(installed, "node_modules", "bunseal", "package.json"), "utf8"));
  expect(manifest.bin).toEqual({ bunseal: "dist/entry.js" });
  expect(readFileSync(join(installed, "node_modules", "bunseal", "dist", "entry.js"), "utf8")).toStartWith("#!/usr/bin/env -S bun --no-env-file --config=/dev/null\n");
  // what was built is the commit packed, from a clean tree, in the sandbox
  expect(statement.predicate.buildDefinition.externalParameters.source.commit).toBe(commit);
  expect(statement.predicate.buildDefinition.externalParameters.source.dirty).toBe(false);
  expect(statement.predicate.buildDefinition.internalParameters.sandbox.kind).toBe("bubblewrap");
});

test("the installed bunseal verifies its own CLI against the release key (exit 0), and refuses a tampered copy of it (exit 1, SUBJECT_MISMATCH)", async () => {
  const cli = join(installed, "node_modules", "bunseal", "dist", "entry.js");
  const verified = await run(["bunx", "bunseal", "verify", cli, "--key", releasePub, "--commit", commit, "--service", "bunseal"], installed);
  expect(verified.err).toBe("");
  expect(verified.code).toBe(0);
  expect(verified.out).toStartWith(`OK: ${cli} verifies\n`);

  const tampered = join(packed.path, "entry.js");
  copyFileSync(cli, tampered);
  writeFileSync(tampered, `${readFileSync(tampered, "utf8")}\nprocess.env.PLANTED = "1";\n`);
  const refused = await run(["bunx", "bunseal", "verify", tampered, "--bundle", `${cli}.sigstore.json`, "--key", releasePub, "--json"], installed);
  expect(refused.code).toBe(1);
  const report = JSON.parse(refused.out);
  expect(report.verified).toBe(false);
  expect(report.failures.map((f: { code: string }) => f.code)).toEqual(["SUBJECT_MISMATCH"]);
});

test("the installed bunseal rebuilds its own release from the recorded commit byte for byte", async () => {
  const cli = join(installed, "node_modules", "bunseal", "dist", "entry.js");
  const rebuilt = await run(["bunx", "bunseal", "rebuild", `${cli}.sigstore.json`, "--key", releasePub, "--source", clone, "--json"], installed);
  if (rebuilt.code !== 0) throw new Error(`bunseal rebuild exited ${rebuilt.code}\n${rebuilt.out}\n${rebuilt.err}`);
  const report = JSON.parse(rebuilt.out);
  expect(report.reproducible).toBe(true);
  expect(report.artifact.rebuilt).toBe(report.artifact.recorded);
  // and what was rebuilt is what is installed: the CLI's digest is the statement's entry.js
  const subjects = statementOf(`${cli}.sigstore.json`).subject as { name: string; digest: { sha256: string } }[];
  expect(subjects.find((s) => s.name === "entry.js")?.digest.sha256).toBe(sha256(cli));
});

test("bun add -d <tarball> in a fresh project installs production dependencies only; bunx bunseal build signs in the sandbox and bunx bunseal verify accepts it", async () => {
  await using repo: GitRepo = await gitRepo({
    ".gitignore": "node_modules/\n.bunseal/\n.keys/\n",
    "package.json": JSON.stringify({ name: "fresh-service", private: true }),
    "bunseal.json": JSON.stringify({ service: "fresh-service", entrypoints: ["src/index.ts"] }),
    "src/index.ts": "export const greeting = (name: string): string => `hello ${name}`;\nconsole.log(greeting('world'));\n",
  });
  // the npm registry for bunseal's dependencies; no lockfile of bunseal's comes with it
  await ok([process.execPath, "add", "-d", tarball], repo.path);
  const own = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  for (const name of Object.keys(own.dependencies)) expect(existsSync(join(repo.path, "node_modules", name, "package.json"))).toBe(true);
  expect(Object.keys(own.devDependencies).filter((name) => existsSync(join(repo.path, "node_modules", name)))).toEqual([]);
  expect(existsSync(join(repo.path, "node_modules", "bunseal", "test"))).toBe(false);
  const commit = await gitCommitAll(repo.path, "add bunseal");

  await ok(["bunx", "bunseal", "keygen", "--out", ".keys"], repo.path);
  const built = JSON.parse(await ok(["bunx", "bunseal", "build", "--key", ".keys/bunseal.key", "--json"], repo.path));
  expect(built.artifact.path).toBe(join(repo.path, ".bunseal", "out", `fresh-service-${commit.slice(0, 12)}.tar`));
  const bundle = JSON.parse(readFileSync(`${built.artifact.path}.sigstore.json`, "utf8"));
  const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, "base64").toString("utf8"));
  // the worker ran from node_modules/bunseal/dist inside bubblewrap, not unsandboxed
  expect(statement.predicate.buildDefinition.internalParameters.sandbox.kind).toBe("bubblewrap");

  const verified = await run(["bunx", "bunseal", "verify", built.artifact.path, "--key", ".keys/bunseal.pub", "--commit", commit, "--service", "fresh-service"], repo.path);
  expect(verified.err).toBe("");
  expect(verified.code).toBe(0);
  expect(verified.out).toStartWith(`OK: ${built.artifact.path} verifies\n`);

  // the library, as `import … from "bunseal"` in the project finds it
  const library = await ok([process.execPath, "-e", `import { verifyBundle, loadPublicKey } from "bunseal"; const r = await verifyBundle({ artifact: ${JSON.stringify(built.artifact.path)}, bundlePath: ${JSON.stringify(`${built.artifact.path}.sigstore.json`)}, keys: [await loadPublicKey(".keys/bunseal.pub")], expectations: {} }); console.log(r.verified);`], repo.path);
  expect(library).toBe("true\n");
});

test("bunseal installed in a folder of its own, outside the project (as the GitLab template installs it), builds in the sandbox: its worker runs from the package's bundle, which needs none of the dependencies hoisted beside it", async () => {
  await using home = await makeTempDir("bunseal-home-");
  await using repo: GitRepo = await gitRepo({
    ".gitignore": ".bunseal/\n",
    "package.json": JSON.stringify({ name: "elsewhere-service", private: true }),
    "bunseal.json": JSON.stringify({ service: "elsewhere-service", entrypoints: ["src/index.ts"] }),
    "src/index.ts": "console.log('built by a bunseal installed elsewhere');\n",
  });
  await Bun.write(join(home.path, "package.json"), JSON.stringify({ private: true }));
  await ok([process.execPath, "add", tarball], home.path);
  // bun hoists bunseal's dependencies beside it, out of node_modules/bunseal
  expect(existsSync(join(home.path, "node_modules", "tar-stream", "package.json"))).toBe(true);
  expect(existsSync(join(home.path, "node_modules", "bunseal", "node_modules"))).toBe(false);
  const bunseal = join(home.path, "node_modules", ".bin", "bunseal");
  const built = await run([bunseal, "build", repo.path, "--no-sign", "--json"], repo.path);
  if (built.code !== 0) throw new Error(`bunseal build exited ${built.code}\n${built.err}`);
  const result = JSON.parse(built.out);
  const statement = JSON.parse(readFileSync(result.statement.path, "utf8"));
  expect(statement.predicate.buildDefinition.internalParameters.sandbox.kind).toBe("bubblewrap");
});

test("the installed bunseal serves its console from the package's bundle, started outside it: the page, and the script and stylesheet it names", async () => {
  const store = `sqlite:${join(packed.path, "console.db")}`;
  const proc = Bun.spawn([join(installed, "node_modules", ".bin", "bunseal"), "serve", "--listen", "127.0.0.1:0", "--store", store], {
    cwd: installed,
    env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}`, NO_COLOR: "1" },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  try {
    const text = await readFirstLine(proc.stdout);
    const url = text.split("\n")[0]!;
    if (!/^http:\/\/127\.0\.0\.1:\d+\/$/.test(url)) throw new Error(`bunseal serve printed ${JSON.stringify(text)}\n${await new Response(proc.stderr).text()}`);
    // a nested route gets the page too, and what it names must resolve from there
    const page = await fetch(new URL("/artifacts/sha256:00", url));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("<title>bunseal console</title>");
    const named = [...html.matchAll(/(?:src|href)="(\/chunk-[^"]+)"/g)].map((m) => m[1]!);
    expect(named.some((path) => path.endsWith(".js"))).toBe(true);
    expect(named.some((path) => path.endsWith(".css"))).toBe(true);
    for (const path of named) {
      const asset = await fetch(new URL(path, url));
      expect({ path, status: asset.status, sha256: createHash("sha256").update(new Uint8Array(await asset.arrayBuffer())).digest("hex") }).toEqual({ path, status: 200, sha256: sha256(join(installed, "node_modules", "bunseal", "dist", path.slice(1))) });
    }
  } finally {
    proc.kill("SIGTERM");
    await proc.exited;
  }
});

test("the bundle started as `bun node_modules/bunseal/dist/entry.js` starts itself again where no project code ran, and refuses after a bunfig.toml preload ran in its process (UNSAFE_START, exit 2)", async () => {
  await using project = await makeTempDir("bunseal-bundle-start-");
  const cli = join(installed, "node_modules", "bunseal", "dist", "entry.js");
  // no preload: the bundle's own chunks are bunseal's, and the start is a clean one
  const plain = await run([process.execPath, cli, "--version"], project.path);
  expect({ code: plain.code, err: plain.err }).toEqual({ code: 0, err: "" });
  expect(plain.out).toMatch(/^\d+\.\d+\.\d+/);

  await Bun.write(join(project.path, "bunfig.toml"), 'preload = ["./planted.ts"]\n');
  await Bun.write(join(project.path, "planted.ts"), 'console.error("planted preload ran");\n');
  const refused = await run([process.execPath, cli, "--version"], project.path);
  expect(refused.code).toBe(2);
  expect(refused.err).toContain(`bunseal: UNSAFE_START: Bun ran ${join(project.path, "planted.ts")} in bunseal's process before bunseal started`);
  expect(refused.out).toBe("");
});
