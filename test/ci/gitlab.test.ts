/**
 * ci/gitlab/bunseal.gitlab-ci.yml as users write it (issues #11 and #20), run by a
 * local GitLab runner from the npm registry: gitlab-ci-local (a devDependency),
 * which checks the pipeline against GitLab's schema, merges `extends`, expands
 * variables, runs before_script and script in one shell, and hands the build
 * job's dotenv report to the job that needs it. It runs them with its shell
 * executor (no containers here): the job's `image` is not pulled, bun and
 * bubblewrap are this machine's. The user's pipeline includes the template,
 * writes a before_script of its own, builds a project in a subfolder that
 * imports a dependency it never installed, and signs keyless against Fulcio
 * and Rekor on loopback.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { REPO_ROOT } from "../helpers/cli.ts";
import { git, gitCommitAll, gitRepo, type GitRepo } from "../helpers/git.ts";
import { startLocalSigstore, type LocalSigstore } from "../helpers/local-sigstore.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";
import { packBunseal, type PackedBunseal } from "../package/pack-bunseal.ts";

setDefaultTimeout(240_000);

const TEMPLATE = join(REPO_ROOT, "ci/gitlab/bunseal.gitlab-ci.yml");
const RUNNER = join(REPO_ROOT, "node_modules/gitlab-ci-local/dist/index.js");

let sigstore: LocalSigstore;
let work: TestDir;
let tarball: string;
let packed: PackedBunseal;

async function run(cmd: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number; output: string }> {
  const path = `${join(process.execPath, "..")}:${process.env.PATH ?? ""}`;
  const proc = Bun.spawn(cmd, { cwd, env: { ...process.env, PATH: path, NO_COLOR: "1", ...env }, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, output: `${out}${err}` };
}

beforeAll(async () => {
  // bunseal's package as released: packing is bunseal building and signing itself (test/package/pack-bunseal.ts)
  [sigstore, work, packed] = await Promise.all([startLocalSigstore(), makeTempDir("bunseal-gitlab-"), packBunseal("bunseal-gitlab-pack-")]);
  tarball = packed.tarball;
});
afterAll(async () => {
  await Promise.all([sigstore?.stop(), work?.cleanup(), packed?.cleanup()]);
});

/** Runs the repository's .gitlab-ci.yml with gitlab-ci-local, as `gitlab-ci-local` in the project folder would. */
async function pipeline(repo: GitRepo, variables: Record<string, string>): Promise<{ code: number; output: string }> {
  const args = ["--force-shell-executor", "--home", join(work.path, "gcl-home"), "--ignore-predefined-vars", "CI_PROJECT_DIR"];
  // its shell executor runs jobs in the folder itself but names CI_PROJECT_DIR as a container would (/builds/…)
  for (const [name, value] of Object.entries({ CI_PROJECT_DIR: repo.path, ...variables })) args.push("--variable", `${name}=${value}`);
  return run([process.execPath, RUNNER, ...args], repo.path);
}

const report = (repo: GitRepo) =>
  Object.fromEntries(
    readFileSync(join(repo.path, ".bunseal-ci/bunseal.env"), "utf8")
      .trim()
      .split("\n")
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );

test("a user's pipeline with its own before_script and a project in a subfolder: the template installs bunseal's package and the project's dependencies, signs keyless, and the verify job gets a prefixed report whose paths are its artifacts; the work tree stays clean", async () => {
  // the project's lockfile is committed, its node_modules is not: the job must install it (zod was "Could not resolve")
  await using seed = await makeTempDir("bunseal-gitlab-lock-");
  writeFileSync(join(seed.path, "package.json"), JSON.stringify({ name: "gitlab-demo", private: true, dependencies: { zod: "4.6.7" } }));
  const locked = await run([process.execPath, "install", "--lockfile-only"], seed.path);
  if (locked.code !== 0) throw new Error(locked.output);
  await using repo = await gitRepo({
    // the local runner's own state folder, which GitLab's runner keeps outside the clone
    ".gitignore": "node_modules/\n.bunseal/\n.gitlab-ci-local/\n",
    "ci/bunseal.gitlab-ci.yml": readFileSync(TEMPLATE, "utf8"),
    ".gitlab-ci.yml": [
      "include:",
      "  - local: ci/bunseal.gitlab-ci.yml",
      "seal:",
      "  extends: .bunseal-build",
      "  id_tokens:",
      "    SIGSTORE_ID_TOKEN: { aud: sigstore }",
      "  variables:",
      "    BUNSEAL_PATH: services/api",
      "    BUNSEAL_ARGS: --fulcio-url $FULCIO_URL --rekor-url $REKOR_URL",
      "  before_script:",
      "    - echo \"the user's own before_script\"",
      "gate:",
      "  extends: .bunseal-verify",
      "  needs: [seal]",
      "  variables:",
      "    BUNSEAL_ARGS: --certificate-identity $IDENTITY --certificate-oidc-issuer $ISSUER --trusted-root $TRUSTED_ROOT",
      "",
    ].join("\n"),
    "services/api/package.json": readFileSync(join(seed.path, "package.json"), "utf8"),
    "services/api/bun.lock": readFileSync(join(seed.path, "bun.lock"), "utf8"),
    "services/api/bunseal.json": JSON.stringify({ service: "gitlab-demo", entrypoints: ["src/index.ts"] }),
    "services/api/src/index.ts": "import { z } from 'zod';\nconsole.log(z.string().parse('from a pipeline'));\n",
  }, { remote: "https://gitlab.com/acme/gitlab-demo.git" });
  try {
    const ran = await pipeline(repo, {
      BUNSEAL_PACKAGE: tarball,
      SIGSTORE_ID_TOKEN: sigstore.token(),
      FULCIO_URL: sigstore.fulcioUrl,
      REKOR_URL: sigstore.rekorUrl,
      IDENTITY: sigstore.identity,
      ISSUER: sigstore.issuer,
      TRUSTED_ROOT: sigstore.trustedRootPath,
    });
    if (ran.code !== 0) throw new Error(ran.output);
    expect(ran.output).toContain("json schema validated");
    // the user's before_script ran, and bunseal's script was not replaced by it
    expect(ran.output).toContain("seal > the user's own before_script\n");
    expect(ran.output).toMatch(/ PASS +seal\n/);
    expect(ran.output).toMatch(/ PASS +gate\n/);
    expect(ran.output).toContain("gate > OK: .bunseal-ci/out/gitlab-demo-");

    const values = report(repo);
    const artifact = join(repo.path, values.BUNSEAL_ARTIFACT_PATH!);
    expect(values.BUNSEAL_ARTIFACT_PATH).toStartWith(".bunseal-ci/out/gitlab-demo-");
    expect(values.BUNSEAL_DIGEST).toBe(`sha256:${new Bun.CryptoHasher("sha256").update(readFileSync(artifact)).digest("hex")}`);
    expect(existsSync(join(repo.path, values.BUNSEAL_BUNDLE_PATH!))).toBe(true);
    expect(values.BUNSEAL_VERIFIED).toBe("true");
    // the bare names the README promised before, kept
    expect(values.DIGEST).toBe(values.BUNSEAL_DIGEST);

    // nothing of the job's is an uncommitted change: a second build in the job finds the tree clean
    expect(await git(repo.path, ["status", "--porcelain"])).toBe("");
    const again = await run([join(`${repo.path}.tmp`, "bunseal/node_modules/.bin/bunseal"), "build", "services/api", "--no-sign"], repo.path);
    expect(again.output).not.toContain("SOURCE_DIRTY");
    expect(again.code).toBe(0);
  } finally {
    await rm(`${repo.path}.tmp`, { recursive: true, force: true });
  }
});

test("rejects a project whose own postinstall would read the job's signing key and token: the template's install runs no install script, and the build still signs", async () => {
  const stolen = join(work.path, `stolen-${crypto.randomUUID()}`);
  const manifest = { name: "gitlab-demo", private: true, dependencies: { zod: "4.6.7" }, scripts: { postinstall: `{ env; cat "$BUNSEAL_KEY_FILE"; } > '${stolen}' 2>&1 || true` } };
  await using seed = await makeTempDir("bunseal-gitlab-lock-");
  writeFileSync(join(seed.path, "package.json"), JSON.stringify(manifest));
  const locked = await run([process.execPath, "install", "--lockfile-only", "--ignore-scripts"], seed.path);
  if (locked.code !== 0) throw new Error(locked.output);
  await using repo = await gitRepo({ ".gitignore": ".bunseal/\nnode_modules/\n", "package.json": JSON.stringify(manifest), "bun.lock": readFileSync(join(seed.path, "bun.lock"), "utf8"), "bunseal.json": JSON.stringify({ service: "gitlab-demo", entrypoints: ["src/index.ts"] }), "src/index.ts": "console.log('from a pipeline');\n" });
  await using keys = await makeTempDir("bunseal-gitlab-keys-");
  const made = await run([join(REPO_ROOT, "bin/bunseal"), "keygen", "--out", keys.path], keys.path);
  if (made.code !== 0) throw new Error(made.output);
  // the template's own default, as a job that does not set BUNSEAL_INSTALL gets it
  const template = Bun.YAML.parse(readFileSync(TEMPLATE, "utf8")) as Record<string, { variables?: Record<string, string> }>;
  const install = template[".bunseal"]!.variables!.BUNSEAL_INSTALL!;
  const built = await run([join(REPO_ROOT, "ci/gitlab/job.sh"), "build"], repo.path, { CI_PROJECT_DIR: repo.path, BUNSEAL_INSTALL: install, BUNSEAL_KEY_FILE: join(keys.path, "bunseal.key"), SIGSTORE_ID_TOKEN: "a-token-the-install-must-not-see" });
  if (built.code !== 0) throw new Error(built.output);
  expect(existsSync(stolen)).toBe(false);
  expect(report(repo).BUNSEAL_DIGEST).toMatch(/^sha256:[0-9a-f]{64}$/);
});

test("on a runner whose bubblewrap cannot make namespaces, the build job fails closed (exit 3) with the runner's fix in its log, and signs nothing", async () => {
  await using repo = await gitRepo({ ".gitignore": ".bunseal/\n", "package.json": JSON.stringify({ name: "gitlab-demo", private: true }), "bunseal.json": JSON.stringify({ service: "gitlab-demo", entrypoints: ["src/index.ts"] }), "src/index.ts": "console.log('from a pipeline');\n" });
  const fake = join(work.path, "bwrap");
  // what bwrap says in a docker executor's default container
  writeFileSync(fake, "#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n");
  chmodSync(fake, 0o755);
  // a private mount namespace with the failing bwrap in place of the real one (root and users alike)
  const inPlace = ["unshare", "-Urm", "sh", "-c", `mount --bind '${fake}' /usr/bin/bwrap && exec "$0" "$@"`];
  const built = await run([...inPlace, join(REPO_ROOT, "ci/gitlab/job.sh"), "build"], repo.path, { CI_PROJECT_DIR: repo.path, BUNSEAL_INSTALL: "", SIGSTORE_ID_TOKEN: sigstore.token() });
  expect(built.code).toBe(3);
  expect(built.output).toContain("setup: bubblewrap is installed but cannot make its namespaces here: bwrap: No permissions to create new namespace\n");
  expect(built.output).toContain("bunseal: no sandbox on this runner; see the runner settings at the top of bunseal.gitlab-ci.yml\n");
  expect(readdirSync(join(repo.path, ".bunseal-ci/out"))).toEqual([]);
  expect(existsSync(join(repo.path, ".bunseal"))).toBe(false);
  // the settings named there
  expect(readFileSync(TEMPLATE, "utf8")).toContain('security_opt = ["seccomp=unconfined", "apparmor=unconfined"]');
});
