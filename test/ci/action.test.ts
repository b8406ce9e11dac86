/**
 * action.yml under a simulated GitHub Actions runner (issue #11, item 1; issue #20, items 1, 13 and
 * 15): test/helpers/github-runner.ts checks the metadata, checks the action out into a folder of
 * its own and runs its steps as the runner does, against Fulcio and Rekor on loopback and
 * GitHub's OIDC request endpoint on loopback. Run as root and as an unprivileged user.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { gitRepo, type GitRepo } from "../helpers/git.ts";
import { checkoutAction, readAction, runAction as runOnRunner, type StepRun } from "../helpers/github-runner.ts";
import { startLocalSigstore, type LocalSigstore } from "../helpers/local-sigstore.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(120_000);

let sigstore: LocalSigstore;
let oidc: ReturnType<typeof Bun.serve>;
let work: TestDir;
let repo: GitRepo;
let actionPath: string;

beforeAll(async () => {
  [sigstore, work] = await Promise.all([startLocalSigstore(), makeTempDir("bunseal-action-")]);
  // GitHub's OIDC request endpoint: a bearer-authenticated GET answering {"value": <token>}
  oidc = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (req) => (req.headers.get("authorization") === "Bearer runner-token" ? Response.json({ value: sigstore.token() }) : new Response("no", { status: 401 })) });
  repo = await gitRepo({ ".gitignore": ".bunseal/\ndist/\n", "package.json": JSON.stringify({ name: "action-demo", private: true }), "bunseal.json": JSON.stringify({ service: "action-demo", entrypoints: ["src/index.ts"] }), "src/index.ts": "console.log('from a workflow');\n" });
  mkdirSync(join(work.path, "action"));
  actionPath = await checkoutAction(join(work.path, "action"));
});
afterAll(async () => {
  oidc?.stop(true);
  await Promise.all([sigstore?.stop(), work?.cleanup(), repo?.cleanup()]);
});

/** Runs the action with `inputs` on the simulated runner; `afterStep` sees each step that ran. */
async function runAction(inputs: Record<string, string>, afterStep?: (step: StepRun) => void) {
  const env = { ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${oidc.port}/token?api-version=2.0`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: "runner-token" };
  const run = await runOnRunner({ actionPath, workspace: repo.path, temp: work.path, env }, inputs, afterStep);
  return { ...run, stderr: `${run.stderr}${run.stdout}` };
}

test("build, keyless by default: the workflow's OIDC token, Fulcio and Rekor; outputs digest, artifact-path and bundle-path; then verify through the action", async () => {
  const built = await runAction({ command: "build", path: ".", args: `--fulcio-url ${sigstore.fulcioUrl} --rekor-url ${sigstore.rekorUrl}` });
  if (built.code !== 0) throw new Error(built.stderr);
  expect(built.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(built.outputs["artifact-path"]).toStartWith(join(repo.path, ".bunseal", "out"));
  expect(built.outputs["bundle-path"]).toBe(`${built.outputs["artifact-path"]}.sigstore.json`);
  expect(built.summary).toContain(sigstore.identity);
  // issue #20, item 15: the transparency log entry the signature was logged as, and the builder
  const logIndex = JSON.parse(readFileSync(built.outputs["bundle-path"]!, "utf8")).verificationMaterial.tlogEntries[0].logIndex;
  expect(built.summary).toMatch(new RegExp(`\\| transparency log \\| ${sigstore.rekorUrl.replaceAll(".", "\\.")}, (intoto|dsse) entry ${logIndex} \\|`));
  expect(built.summary).toMatch(/\| builder \| \S+ \|/);
  expect(built.summary).toMatch(/\| sandbox \| bubblewrap, network off/);

  const verified = await runAction({ command: "verify", path: built.outputs["artifact-path"]!, args: `--certificate-identity ${sigstore.identity} --certificate-oidc-issuer ${sigstore.issuer} --trusted-root ${sigstore.trustedRootPath}` });
  if (verified.code !== 0) throw new Error(verified.stderr);
  expect(verified.outputs.verified).toBe("true");
});

test("a key from a secret is passed through the environment, never on a command line, and is gone afterwards", async () => {
  const keys = join(work.path, "keys");
  expect((await runCli(["keygen", "--out", keys])).exitCode).toBe(0);
  const pem = readFileSync(join(keys, "bunseal.key"), "utf8");
  const action = await Bun.file(join(actionPath, "action.yml")).text();
  expect(action).not.toMatch(/--key \$\{\{/);
  const built = await runAction({ command: "build", key: pem });
  if (built.code !== 0) throw new Error(built.stderr);
  expect(built.outputs.digest).toMatch(/^sha256:/);
  // nothing of the key is left in RUNNER_TEMP
  expect([...new Bun.Glob("bunseal-key.*").scanSync({ cwd: work.path, onlyFiles: false })]).toEqual([]);
  const verified = await runAction({ command: "verify", path: built.outputs["artifact-path"]!, key: readFileSync(join(keys, "bunseal.pub"), "utf8") });
  expect(verified.outputs.verified).toBe("true");
});

test("the key is in the environment of the key step alone; bunseal's step gets the path of a 0600 file, removed at the end", async () => {
  const keys = join(work.path, "keys-own-step");
  expect((await runCli(["keygen", "--out", keys])).exitCode).toBe(0);
  const pem = readFileSync(join(keys, "bunseal.key"), "utf8");
  const seen: { id: string; keyInEnv: boolean; mode?: number }[] = [];
  let keyFile = "";
  const built = await runAction({ command: "build", key: pem }, ({ id, env, outputs, with: given }) => {
    if (outputs.path) keyFile = outputs.path;
    if (given) return;
    seen.push({ id, keyInEnv: Object.values(env).some((v) => v.includes("PRIVATE KEY")), ...(keyFile && existsSync(keyFile) ? { mode: statSync(keyFile).mode & 0o777 } : {}) });
  });
  if (built.code !== 0) throw new Error(built.stderr);
  // the key step wrote it, private to this user, under RUNNER_TEMP with a random name
  expect(keyFile).toMatch(new RegExp(`^${work.path}/bunseal-key\\.[A-Za-z0-9]{10}$`));
  expect(seen.find((s) => s.id === "key")).toEqual({ id: "key", keyInEnv: true, mode: 0o600 });
  // no other step had the key in its environment; the file is gone once bunseal is done
  expect(seen.filter((s) => s.id !== "key").map((s) => s.keyInEnv)).toEqual(seen.filter((s) => s.id !== "key").map(() => false));
  expect(seen.length).toBeGreaterThanOrEqual(4);
  expect(seen.find((s) => s.id === "run")!.mode).toBeUndefined();
  expect(existsSync(keyFile)).toBe(false);
});

test("the set-up step makes the build's sandbox work, and the key step is the only one given the key input", async () => {
  const action = readAction();
  const withKey = action.runs.steps.filter((step) => Object.values(step.env ?? {}).some((v) => /inputs\.key\b/.test(String(v))));
  expect(withKey.map((step) => step.id)).toEqual(["key"]);
  const setup = await Bun.file(join(actionPath, "ci/github/setup.sh")).text();
  expect(setup).toContain("env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends bubblewrap");
  expect(setup).toContain('"$here/.ci/sandbox-ready" --sudo');
  // the profile for bwrap alone, not the restriction turned off for every program
  expect(await Bun.file(join(actionPath, ".ci/bwrap.apparmor")).text()).toContain("profile bwrap /usr/bin/bwrap flags=(unconfined) {\n  userns,\n\n  include if exists <local/bwrap>\n}");
});

test("an unknown command fails the step with an annotation", async () => {
  const out = await runAction({ command: "deploy" });
  expect(out.code).toBe(2);
  expect(out.stderr).toContain("::error title=bunseal::input command");
});

describe("args as a shell splits them (issue #20, item 1)", () => {
  let artifact: string;
  let pub: string;
  beforeAll(async () => {
    const keys = join(work.path, "keys-args");
    expect((await runCli(["keygen", "--out", keys])).exitCode).toBe(0);
    pub = readFileSync(join(keys, "bunseal.pub"), "utf8");
    const built = await runCli(["build", repo.path, "--key", join(keys, "bunseal.key"), "--out", join(work.path, "out-args"), "--json"]);
    expect(built.exitCode).toBe(0);
    artifact = built.json().artifact.path;
  });
  const verdict = (run: Awaited<ReturnType<typeof runAction>>) => ({ code: run.code, verified: run.steps.find((s) => s.id === "run")?.outputs.verified, codes: [...new Set(run.stderr.match(/::error title=bunseal[^:]*%3A ([A-Z_]+)::/g) ?? [])] });

  test("rejects a release gate whose expectations on lines 2 and after were dropped: --service on line 2 fails as on line 1", async () => {
    const oneLine = await runAction({ command: "verify", path: artifact, key: pub, args: `--commit ${repo.commit} --service other` });
    const lines = await runAction({ command: "verify", path: artifact, key: pub, args: `--commit ${repo.commit}\n--service other\n` });
    expect(verdict(oneLine)).toEqual({ code: 1, verified: "false", codes: ["::error title=bunseal verify%3A EXPECTATION_FAILED::"] });
    expect(verdict(lines)).toEqual(verdict(oneLine));
    expect(lines.stderr).toContain("other");
  });

  test("a policy named on line 3 is read as on one line: a missing file is the same error", async () => {
    const oneLine = await runAction({ command: "verify", path: artifact, args: `--commit ${repo.commit} --service other --policy missing.json` });
    const lines = await runAction({ command: "verify", path: artifact, args: `--commit ${repo.commit}\n  --service other\n  --policy missing.json` });
    expect(oneLine.code).toBe(2);
    expect(oneLine.stderr).toMatch(/::error title=bunseal%3A [A-Z_]+::.*missing\.json/);
    expect(verdict(lines)).toEqual(verdict(oneLine));
    expect(lines.stderr.match(/bunseal: [A-Z_]+: .*missing\.json.*/)?.[0]).toBe(oneLine.stderr.match(/bunseal: [A-Z_]+: .*missing\.json.*/)?.[0]!);
  });

  test("rejects a command substitution in args: nothing runs, the step fails with an annotation", async () => {
    const marker = join(work.path, `ran-${crypto.randomUUID()}`);
    for (const args of [`--service $(touch ${marker})`, `--service "\`touch ${marker}\`"`, `--service x; touch ${marker}`]) {
      const out = await runAction({ command: "verify", path: artifact, key: pub, args });
      expect(out.code).toBe(2);
      expect(out.stderr).toContain("::error title=bunseal::input args: ");
      expect(existsSync(marker)).toBe(false);
    }
  });
});

describe("verify's path as subject-path, and usage errors through args (issue #20, item 15)", () => {
  let pub: string;
  beforeAll(async () => {
    const keys = join(work.path, "keys-subjects");
    expect((await runCli(["keygen", "--out", keys])).exitCode).toBe(0);
    pub = readFileSync(join(keys, "bunseal.pub"), "utf8");
    const built = (await runCli(["build", repo.path, "--key", join(keys, "bunseal.key"), "--out", join(repo.path, "dist"), "--json"])).json();
    // a second artifact with its bundle: the same bytes under another name verify the same
    copyFileSync(built.artifact.path, join(repo.path, "dist", "second.tar"));
    copyFileSync(built.bundle.path, join(repo.path, "dist", "second.tar.sigstore.json"));
  });

  test("a glob verifies every artifact it matches in one step, each bundle going with its artifact", async () => {
    const out = await runAction({ command: "verify", path: "dist/*", key: pub });
    if (out.code !== 0) throw new Error(out.stderr);
    expect(out.outputs.verified).toBe("true");
    const rows = out.summary.split("\n").filter((l) => l.startsWith("| `"));
    expect(rows.map((r) => r.slice(3, r.indexOf("`", 3)))).toEqual(readdirSync(join(repo.path, "dist")).filter((f) => f.endsWith(".tar")).sort().map((f) => `dist/${f}`));
  });

  test("rejects a glob that matches nothing: the step fails with an annotation, nothing verified", async () => {
    const out = await runAction({ command: "verify", path: "release/*.tar", key: pub });
    expect(out.code).toBe(2);
    expect(out.stderr).toContain(`::error title=bunseal::input path: path "release/*.tar" matches no file (in ${repo.path}); expected at least one artifact`);
  });

  test("an unknown flag in args is an ::error annotation and a failed summary", async () => {
    const out = await runAction({ command: "verify", path: "dist/second.tar", key: pub, args: "--no-such-flag" });
    expect(out.code).toBe(2);
    expect(out.stderr).toContain("::error title=bunseal%3A USAGE::unknown option '--no-such-flag'");
    expect(out.summary).toStartWith("### bunseal verify: FAILED\n");
  });
});
