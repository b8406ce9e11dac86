/**
 * action.yml under a simulated GitHub Actions runner (issue #11, item 1): the
 * steps are read from the YAML with Bun.YAML and run as the runner runs a
 * composite action's steps (bash, the step's env with `${{ inputs.* }}`
 * filled in, GITHUB_ACTION_PATH, a GITHUB_OUTPUT file per step,
 * GITHUB_STEP_SUMMARY, RUNNER_TEMP, and the OIDC request endpoint), against
 * Fulcio and Rekor on loopback. The action's outputs are read back through
 * `${{ steps.<id>.outputs.* }}` as the runner resolves them.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, runCli } from "../helpers/cli.ts";
import { gitRepo, type GitRepo } from "../helpers/git.ts";
import { startLocalSigstore, type LocalSigstore } from "../helpers/local-sigstore.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(120_000);

interface ActionYaml {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: { id?: string; shell: string; run: string; env?: Record<string, string> }[] };
}

let sigstore: LocalSigstore;
let oidc: ReturnType<typeof Bun.serve>;
let work: TestDir;
let repo: GitRepo;

beforeAll(async () => {
  [sigstore, work] = await Promise.all([startLocalSigstore(), makeTempDir("bunseal-action-")]);
  // GitHub's OIDC request endpoint: a bearer-authenticated GET answering {"value": <token>}
  oidc = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (req) => (req.headers.get("authorization") === "Bearer runner-token" ? Response.json({ value: sigstore.token() }) : new Response("no", { status: 401 })) });
  repo = await gitRepo({ ".gitignore": ".bunseal/\n", "package.json": JSON.stringify({ name: "action-demo", private: true }), "bunseal.json": JSON.stringify({ service: "action-demo", entrypoints: ["src/index.ts"] }), "src/index.ts": "console.log('from a workflow');\n" });
});
afterAll(async () => {
  oidc?.stop(true);
  await Promise.all([sigstore?.stop(), work?.cleanup(), repo?.cleanup()]);
});

/** Runs the composite action with `inputs`, as the runner would; returns the action's outputs and what the steps printed. */
async function runAction(inputs: Record<string, string>, afterStep?: (id: string, env: Record<string, string>, output: Record<string, string>) => void): Promise<{ code: number; outputs: Record<string, string>; stderr: string; summary: string }> {
  const action = Bun.YAML.parse(await Bun.file(join(REPO_ROOT, "action.yml")).text()) as ActionYaml;
  expect(action.runs.using).toBe("composite");
  const values = Object.fromEntries(Object.entries(action.inputs).map(([name, spec]) => [name, inputs[name] ?? spec.default ?? ""]));
  const expand = (text: string, steps: Record<string, Record<string, string>>) =>
    text.replace(/\$\{\{\s*(inputs|steps)\.([\w-]+)(?:\.outputs\.([\w-]+))?\s*\}\}/g, (_, scope: string, name: string, output?: string) => (scope === "inputs" ? values[name] ?? "" : steps[name]?.[output ?? ""] ?? ""));
  const steps: Record<string, Record<string, string>> = {};
  const summary = join(work.path, `summary-${crypto.randomUUID()}.md`);
  writeFileSync(summary, "");
  let stderr = "";
  for (const [index, step] of action.runs.steps.entries()) {
    expect(step.shell).toBe("bash");
    const output = join(work.path, `output-${crypto.randomUUID()}`);
    writeFileSync(output, "");
    const env: Record<string, string> = {
      PATH: process.env.PATH!,
      HOME: process.env.HOME ?? "/root",
      GITHUB_ACTIONS: "true",
      GITHUB_ACTION_PATH: REPO_ROOT,
      GITHUB_WORKSPACE: repo.path,
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
      RUNNER_TEMP: work.path,
      ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${oidc.port}/token?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: "runner-token",
      ...Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, expand(String(v), steps)])),
    };
    const proc = Bun.spawn(["bash", "-e", "-c", step.run], { cwd: repo.path, env, stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    stderr += err;
    if (code !== 0) return { code, outputs: {}, stderr: `${stderr}${out}`, summary: readFileSync(summary, "utf8") };
    steps[step.id ?? `step-${index}`] = Object.fromEntries(readFileSync(output, "utf8").split("\n").filter((l) => l.includes("=")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
    afterStep?.(step.id ?? `step-${index}`, env, steps[step.id ?? `step-${index}`]!);
  }
  const outputs = Object.fromEntries(Object.entries(action.outputs).map(([name, spec]) => [name, expand(spec.value, steps)]));
  return { code: 0, outputs, stderr, summary: readFileSync(summary, "utf8") };
}

test("build, keyless by default: the workflow's OIDC token, Fulcio and Rekor; outputs digest, artifact-path and bundle-path; then verify through the action", async () => {
  const built = await runAction({ command: "build", path: ".", args: `--fulcio-url ${sigstore.fulcioUrl} --rekor-url ${sigstore.rekorUrl}` });
  if (built.code !== 0) throw new Error(built.stderr);
  expect(built.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(built.outputs["artifact-path"]).toStartWith(join(repo.path, ".bunseal", "out"));
  expect(built.outputs["bundle-path"]).toBe(`${built.outputs["artifact-path"]}.sigstore.json`);
  expect(built.summary).toContain(sigstore.identity);

  const verified = await runAction({ command: "verify", path: built.outputs["artifact-path"]!, args: `--certificate-identity ${sigstore.identity} --certificate-oidc-issuer ${sigstore.issuer} --trusted-root ${sigstore.trustedRootPath}` });
  if (verified.code !== 0) throw new Error(verified.stderr);
  expect(verified.outputs.verified).toBe("true");
});

test("a key from a secret is passed through the environment, never on a command line, and is gone afterwards", async () => {
  const keys = join(work.path, "keys");
  expect((await runCli(["keygen", "--out", keys])).exitCode).toBe(0);
  const pem = readFileSync(join(keys, "bunseal.key"), "utf8");
  const action = await Bun.file(join(REPO_ROOT, "action.yml")).text();
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
  const built = await runAction({ command: "build", key: pem }, (id, env, output) => {
    if (output.path) keyFile = output.path;
    seen.push({ id, keyInEnv: Object.values(env).some((v) => v.includes("PRIVATE KEY")), ...(keyFile && existsSync(keyFile) ? { mode: statSync(keyFile).mode & 0o777 } : {}) });
  });
  if (built.code !== 0) throw new Error(built.stderr);
  // the key step wrote it, private to this user, under RUNNER_TEMP with a random name
  expect(keyFile).toMatch(new RegExp(`^${work.path}/bunseal-key\\.[A-Za-z0-9]{10}$`));
  expect(seen.find((s) => s.id === "key")).toEqual({ id: "key", keyInEnv: true, mode: 0o600 });
  // no other step had the key in its environment; the file is gone once bunseal is done
  expect(seen.filter((s) => s.id !== "key").map((s) => s.keyInEnv)).toEqual([false, false, false]);
  expect(seen.find((s) => s.id === "run")!.mode).toBeUndefined();
  expect(existsSync(keyFile)).toBe(false);
});

test("the set-up step makes the build's sandbox work, and the key step is the only one given the key input", async () => {
  const action = Bun.YAML.parse(await Bun.file(join(REPO_ROOT, "action.yml")).text()) as ActionYaml;
  const withKey = action.runs.steps.filter((step) => Object.values(step.env ?? {}).some((v) => /inputs\.key\b/.test(String(v))));
  expect(withKey.map((step) => step.id)).toEqual(["key"]);
  const setup = await Bun.file(join(REPO_ROOT, "ci/github/setup.sh")).text();
  expect(setup).toContain("env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends bubblewrap");
  expect(setup).toContain('"$here/.ci/sandbox-ready" --sudo');
  // the profile for bwrap alone, not the restriction turned off for every program
  expect(await Bun.file(join(REPO_ROOT, ".ci/bwrap.apparmor")).text()).toContain("profile bwrap /usr/bin/bwrap flags=(unconfined) {\n  userns,\n\n  include if exists <local/bwrap>\n}");
});

test("an unknown command fails the step with an annotation", async () => {
  const out = await runAction({ command: "deploy" });
  expect(out.code).toBe(2);
  expect(out.stderr).toContain("::error title=bunseal::input command");
});
