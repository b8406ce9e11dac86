/**
 * Issue #20, "Done when": the README's GitHub Actions examples are run, so an example that cannot
 * pass cannot ship. The YAML blocks are read from README.md by their comment lines (# build and
 * sign…, # release gate…, # nightly…), parsed with Bun.YAML, and the bunseal step of each is run
 * with its `with:` as printed, through the simulated runner (test/helpers/github-runner.ts), on a
 * real git repository of the example service, against the loopback Sigstore:
 *
 * 1. the release: keyless as `https://github.com/acme/service/.github/workflows/release.yml@refs/tags/v1.0.0`,
 *    `upload` to GitHub's attestations API on loopback;
 * 2. the release gate, its `args` as printed: that release gives `verified=true` and the deploy step's
 *    `if:` holds; a release signed by another repository's workflow does not;
 * 3. the nightly rebuild: the release's files put where its `gh release download` puts them, its other
 *    `run:` steps run in bash, its bunseal step as printed: the rebuild reproduces the release.
 *
 * What the test adds to a `with:`, and only that: the release's `--fulcio-url`/`--rekor-url` (bunseal
 * reads no variable that points it at another Sigstore than the public one) and the others'
 * `--trusted-root` (the loopback Sigstore is no root bunseal ships). Run as root and as an
 * unprivileged user.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { generateKeyPairSync } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { REPO_ROOT } from "../helpers/cli.ts";
import { exampleServiceRepo } from "../helpers/example-service.ts";
import type { GitRepo } from "../helpers/git.ts";
import { checkoutAction, evaluate, parseCommandFile, runAction, type ActionRun } from "../helpers/github-runner.ts";
import { mintToken, startLocalSigstore, type LocalSigstore } from "../helpers/local-sigstore.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(240_000);

interface Step {
  uses?: string;
  id?: string;
  if?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
}

const README = readFileSync(join(REPO_ROOT, "README.md"), "utf8");

/** The ```yaml block whose first line is `# <comment>…`, its steps: a workflow's first job's, or a list of steps as printed. */
function example(comment: string): { text: string; steps: Step[] } {
  const blocks = [...README.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((text) => text.startsWith(`# ${comment}`));
  if (blocks.length !== 1) throw new Error(`README.md: expected one yaml block starting "# ${comment}", found ${blocks.length}`);
  const text = blocks[0]!;
  // a block of steps is printed at the indentation it has in a workflow
  const indent = Math.min(...text.split("\n").filter((l) => l.trim() !== "" && !l.trim().startsWith("#")).map((l) => l.length - l.trimStart().length));
  const parsed = Bun.YAML.parse(text.split("\n").map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length))).join("\n")) as Step[] | { jobs: Record<string, { steps: Step[] }> };
  return { text, steps: Array.isArray(parsed) ? parsed : Object.values(parsed.jobs)[0]!.steps };
}

const isBunseal = (step: Step) => step.uses?.startsWith("<owner>/bunseal@") ?? false;
function bunsealStep(steps: Step[]): Step {
  const found = steps.filter(isBunseal);
  if (found.length !== 1) throw new Error(`expected one bunseal step, found ${found.length}`);
  return found[0]!;
}
/** A step's `with:`: every value a string, as the runner hands inputs over. */
const withOf = (step: Step) => Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, String(v)]));

const RELEASE_IDENTITY = "https://github.com/acme/service/.github/workflows/release.yml@refs/tags/v1.0.0";
const OTHER_IDENTITY = "https://github.com/acme/other/.github/workflows/release.yml@refs/tags/v1.0.0";
const ISSUER = "https://token.actions.githubusercontent.com";

let sigstore: LocalSigstore;
let repo: GitRepo;
let work: TestDir;
let actionPath: string;
let oidc: ReturnType<typeof Bun.serve>;
let api: ReturnType<typeof Bun.serve>;
const uploads: { path: string; authorization: string | null; body: unknown }[] = [];
/** the `sub` of the next OIDC token: the workflow whose identity Fulcio certifies */
let identity = RELEASE_IDENTITY;
const tokenKey = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey;
/** the release workflow's release, and acme/other's of the same commit */
const releases = {} as { release: ActionRun; other: ActionRun };

/** Runs the action in `workspace` as a job of acme/service would, with GitHub's OIDC endpoint and API on loopback. */
function onRunner(workspace: string, inputs: Record<string, string>) {
  const env = { ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${oidc.port}/token?api-version=2.0`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: "runner-token" };
  return runAction({ actionPath, workspace, temp: work.path, env, github: { api_url: `http://127.0.0.1:${api.port}`, token: "job-token" } }, inputs);
}

/** The README's release step, its `with:` as printed, signed as `as`. */
async function release(as: string): Promise<ActionRun> {
  const step = bunsealStep(example("build and sign").steps);
  const inputs = withOf(step);
  // the loopback Sigstore instead of the public one: the only way to name it is these two flags
  expect(inputs.args).toBeUndefined();
  identity = as;
  const run = await onRunner(repo.path, { ...inputs, args: `--fulcio-url ${sigstore.fulcioUrl} --rekor-url ${sigstore.rekorUrl}` });
  if (run.code !== 0) throw new Error(run.stderr + run.stdout);
  return run;
}

/** A folder for another job, with the release's artifact and bundle copied into `dir`, as a download would put them. */
function jobWith(name: string, run: ActionRun, dir: string): string {
  const root = join(work.path, name);
  mkdirSync(join(root, dir), { recursive: true });
  for (const file of [run.outputs["artifact-path"]!, run.outputs["bundle-path"]!]) copyFileSync(file, join(root, dir, basename(file)));
  return root;
}

beforeAll(async () => {
  [sigstore, repo, work] = await Promise.all([startLocalSigstore(), exampleServiceRepo(), makeTempDir("bunseal-readme-ci-")]);
  // GitHub's OIDC request endpoint; the loopback Fulcio certifies the token's `sub` as it is
  oidc = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (req) => (req.headers.get("authorization") === "Bearer runner-token" ? Response.json({ value: mintToken(tokenKey, { iss: ISSUER, sub: identity, aud: "sigstore" }) }) : new Response("no", { status: 401 })) });
  api = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      uploads.push({ path: new URL(req.url).pathname, authorization: req.headers.get("authorization"), body: await req.json() });
      return Response.json({ id: uploads.length }, { status: 201 });
    },
  });
  mkdirSync(join(work.path, "action"));
  actionPath = await checkoutAction(join(work.path, "action"));
  releases.release = await release(RELEASE_IDENTITY);
  // copied out now: the next release of the same commit is written under the same name
  jobWith("gate", releases.release, "dist");
  jobWith("nightly", releases.release, "release");
  releases.other = await release(OTHER_IDENTITY);
  jobWith("gate-other", releases.other, "dist");
});
afterAll(async () => {
  oidc?.stop(true);
  api?.stop(true);
  await Promise.all([sigstore?.stop(), repo?.cleanup(), work?.cleanup()]);
});

test("the release, as printed: keyless as the release workflow, its bundle stored with GitHub's attestations API", () => {
  const run = releases.release;
  expect(run.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(run.outputs["bundle-path"]).toBe(`${run.outputs["artifact-path"]}.sigstore.json`);
  expect(run.summary).toContain(RELEASE_IDENTITY);
  // the copy the gate job got: the release of acme/other, of the same commit, was written over the original since
  const bundle = JSON.parse(readFileSync(join(work.path, "gate", "dist", basename(run.outputs["bundle-path"]!)), "utf8"));
  expect(uploads[0]).toEqual({ path: "/repos/acme/service/attestations", authorization: "Bearer job-token", body: { bundle } });
  expect(run.outputs["attestation-id"]).toBe("1");
  expect(uploads).toHaveLength(2);
});

/** The README's gate step, `with:` as printed plus the loopback root, run on `job`'s dist/. */
async function gate(job: string) {
  const steps = example("release gate").steps;
  const step = bunsealStep(steps);
  const inputs = withOf(step);
  expect(inputs).toEqual({ command: "verify", path: "dist/*.tar", args: expect.stringContaining("--certificate-identity-regexp ") });
  // the loopback Sigstore is no root bunseal ships; nothing else is added to the printed args
  const run = await onRunner(join(work.path, job), { ...inputs, args: `${inputs.args} --trusted-root ${sigstore.trustedRootPath}` });
  const verified = run.steps.find((s) => s.id === "run")!.outputs.verified;
  // the step after it: deploy when its if: holds, evaluated against the gate's outputs
  const deploy = steps[steps.indexOf(step) + 1]!;
  expect(deploy.run).toBe("./deploy.sh");
  const deploys = evaluate(deploy.if!, { steps: { [step.id!]: { outputs: run.outputs } } }, {});
  return { run, verified, deploys };
}

test("the release gate, as printed, verifies the release workflow's release and deploys it", async () => {
  const { run, verified, deploys } = await gate("gate");
  if (run.code !== 0) throw new Error(run.stderr + run.stdout);
  expect(verified).toBe("true");
  expect(run.outputs.verified).toBe("true");
  expect(deploys).toBe(true);
  expect(run.summary).toContain(basename(releases.release.outputs["artifact-path"]!));
});

test("rejects, through the printed gate, a release signed by another repository's release workflow: not verified, not deployed", async () => {
  const { run, verified, deploys } = await gate("gate-other");
  expect(run.code).toBe(1);
  expect(verified).toBe("false");
  expect(deploys).toBe(false);
  expect(run.stderr + run.stdout).toContain("IDENTITY_MISMATCH");
  expect(run.stderr + run.stdout).toContain(OTHER_IDENTITY);
});

test("the nightly rebuild, as printed, finds the downloaded release's bundle and rebuilds it to the same bytes", async () => {
  const steps = example("nightly").steps;
  const download = steps.find((s) => s.run?.startsWith("gh release download "))!;
  // jobWith put the release's files where this step puts them
  expect(download.run).toMatch(/ --dir release(\s|$)/);
  const job = join(work.path, "nightly");
  const contexts: { steps: Record<string, { outputs: Record<string, string> }> } = { steps: {} };
  for (const step of steps.slice(steps.indexOf(download) + 1, steps.findIndex(isBunseal))) {
    // the steps between the download and bunseal, in bash as the runner runs them
    const output = join(work.path, `nightly-output-${crypto.randomUUID()}`);
    const script = join(work.path, `nightly-step-${crypto.randomUUID()}.sh`);
    writeFileSync(output, "");
    writeFileSync(script, step.run!);
    const proc = Bun.spawn(["bash", "--noprofile", "--norc", "-eo", "pipefail", script], { cwd: job, env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? "/root", GITHUB_OUTPUT: output }, stderr: "pipe" });
    expect(await proc.exited, await new Response(proc.stderr).text()).toBe(0);
    if (step.id) contexts.steps[step.id] = { outputs: parseCommandFile(readFileSync(output, "utf8")) };
  }
  const inputs = Object.fromEntries(Object.entries(withOf(bunsealStep(steps))).map(([k, v]) => [k, v.replace(/\$\{\{(.*?)\}\}/gs, (_, e: string) => String(evaluate(e, contexts, {}) ?? ""))]));
  expect(inputs.path).toBe(`release/${basename(releases.release.outputs["bundle-path"]!)}`);
  const run = await onRunner(job, { ...inputs, args: `${inputs.args} --trusted-root ${sigstore.trustedRootPath}` });
  if (run.code !== 0) throw new Error(run.stderr + run.stdout);
  expect(run.summary).toContain("### bunseal rebuild: REPRODUCIBLE");
  expect(run.summary).toContain(`| recorded | \`${releases.release.outputs.digest}\` |`);
  expect(run.summary).toContain(`| rebuilt | \`${releases.release.outputs.digest}\` |`);
});
