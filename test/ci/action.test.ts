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
import { checkoutAction, CompositeAction, readAction, runAction as runOnRunner, type Action, type StepRun } from "../helpers/github-runner.ts";
import { uploadAttestation } from "../../ci/github/upload.ts";
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
  expect(out.summary).toBe("### bunseal deploy: FAILED\n\ninput command: expected build, verify, rebuild or check, got deploy\n\n");
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
      expect(out.summary).toStartWith("### bunseal verify: FAILED\n\ninput args: ");
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

describe("upload to GitHub's attestations API, and where a private repository signs (issue #20, item 15)", () => {
  /** GitHub's API on loopback: checks the documented request and answers as GitHub does. */
  function attestationsApi() {
    const seen: { method: string; path: string; headers: Record<string, string>; body: unknown }[] = [];
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(req) {
        const body = await req.json().catch(() => undefined);
        seen.push({ method: req.method, path: new URL(req.url).pathname, headers: Object.fromEntries(req.headers), body });
        const ok = req.method === "POST" && new URL(req.url).pathname === "/repos/acme/service/attestations" && req.headers.get("authorization") === "Bearer job-token" && req.headers.get("accept") === "application/vnd.github+json" && req.headers.get("content-type") === "application/json" && typeof (body as { bundle?: unknown })?.bundle === "object";
        return ok ? Response.json({ id: 4242 }, { status: 201 }) : Response.json({ message: "Validation Failed" }, { status: 422 });
      },
    });
    return { seen, server, url: `http://127.0.0.1:${server.port}` };
  }

  test("upload POSTs the keyless bundle to /repos/{owner}/{repo}/attestations with the job's token; outputs the id and the page", async () => {
    const api = attestationsApi();
    try {
      const built = await runOnRunner(
        { actionPath, workspace: repo.path, temp: work.path, env: { ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${oidc.port}/token?api-version=2.0`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: "runner-token" }, github: { api_url: api.url, token: "job-token" } },
        { command: "build", upload: "true", args: `--fulcio-url ${sigstore.fulcioUrl}\n--rekor-url ${sigstore.rekorUrl}` },
      );
      if (built.code !== 0) throw new Error(built.stderr);
      expect(api.seen).toHaveLength(1);
      expect(api.seen[0]).toMatchObject({ method: "POST", path: "/repos/acme/service/attestations", headers: { authorization: "Bearer job-token", "x-github-api-version": "2022-11-28" } });
      expect(api.seen[0]!.body).toEqual({ bundle: JSON.parse(readFileSync(built.outputs["bundle-path"]!, "utf8")) });
      expect(built.outputs["attestation-id"]).toBe("4242");
      expect(built.outputs["attestation-url"]).toBe("https://github.com/acme/service/attestations/4242");
      expect(built.summary).toContain("Attestation stored with GitHub: [4242](https://github.com/acme/service/attestations/4242)");
      // the token is in the upload step's environment and no other's
      expect(built.steps.filter((s) => s.ran && Object.values(s.env).includes("job-token")).map((s) => s.id)).toEqual(["upload"]);
      // an answer other than 201 fails the step (exit 3), naming the status and GitHub's message
      await expect(uploadAttestation({ bundlePath: built.outputs["bundle-path"]!, apiUrl: api.url, repository: "acme/service", token: "wrong-token" })).rejects.toMatchObject({ status: 3, message: `POST ${api.url}/repos/acme/service/attestations: expected 201 Created, got 422: {"message":"Validation Failed"}` });
    } finally {
      api.server.stop(true);
    }
  });

  test("upload refuses a key-signed build before building or sending anything: GitHub verifies certificates", async () => {
    const api = attestationsApi();
    try {
      const keys = join(work.path, "keys-upload");
      expect((await runCli(["keygen", "--out", keys])).exitCode).toBe(0);
      const built = await runOnRunner({ actionPath, workspace: repo.path, temp: work.path, github: { api_url: api.url, token: "job-token" } }, { command: "build", upload: "true", key: readFileSync(join(keys, "bunseal.key"), "utf8") });
      expect(built.code).toBe(2);
      expect(built.stderr).toContain("::error title=bunseal::input upload: GitHub's attestations verify a Sigstore certificate; expected command build, keyless, and no key");
      expect(built.steps.find((s) => s.id === "upload")!.ran).toBe(false);
      expect(api.seen).toEqual([]);
      // and the upload step itself, given a key-signed bundle, sends nothing either
      const keySigned = (await runCli(["build", repo.path, "--key", join(keys, "bunseal.key"), "--out", join(work.path, "out-upload"), "--json"])).json();
      await expect(uploadAttestation({ bundlePath: keySigned.bundle.path, apiUrl: api.url, repository: "acme/service", token: "job-token" })).rejects.toThrow("is signed with a key; GitHub's attestations verify a Sigstore certificate");
      expect(api.seen).toEqual([]);
    } finally {
      api.server.stop(true);
    }
  });

  test("rejects keyless signing of a private repository to the public log unless told: its name would become public", async () => {
    const env = { ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${oidc.port}/token?api-version=2.0`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: "runner-token" };
    const privately = { actionPath, workspace: repo.path, temp: work.path, env, github: { event: { repository: { visibility: "private" } } } };
    const bundles = () => (existsSync(join(repo.path, ".bunseal", "out")) ? readdirSync(join(repo.path, ".bunseal", "out")).filter((f) => f.endsWith(".sigstore.json")).length : 0);
    const before = bundles();
    const refused = await runOnRunner(privately, { command: "build" });
    expect(refused.code).toBe(2);
    expect(bundles()).toBe(before);
    expect(refused.stderr).toContain("::error title=bunseal::keyless signing from a private repository would publish its name and workflow in the public Fulcio and Rekor logs; expected --fulcio-url and --rekor-url of your own Sigstore in args (or --fulcio-url, --tsa-url and --no-tlog for one with no transparency log, as GitHub's private instance), a key, or public-log: true");
    // a Sigstore of its own (here the loopback one) is honoured
    const own = await runOnRunner(privately, { command: "build", args: `--fulcio-url=${sigstore.fulcioUrl} --rekor-url ${sigstore.rekorUrl}` });
    if (own.code !== 0) throw new Error(own.stderr);
    expect(own.summary).toContain(`| transparency log | ${sigstore.rekorUrl}, `);
    // an instance with no transparency log, as GitHub's private one: Fulcio and a TSA, no Rekor
    const noLog = await runOnRunner(privately, { command: "build", args: `--fulcio-url ${sigstore.fulcioUrl}\n--tsa-url=${sigstore.tsaUrl}\n--no-tlog` });
    if (noLog.code !== 0) throw new Error(noLog.stderr);
    expect(noLog.summary).toContain("| transparency log | none (--no-tlog: timestamped by the TSA only) |");
    expect(noLog.summary).toContain(`| timestamp | ${sigstore.tsaUrl} |`);
    // --no-tlog without a TSA is no private instance: refused before building, as above
    const noTime = await runOnRunner(privately, { command: "build", args: `--fulcio-url ${sigstore.fulcioUrl} --no-tlog` });
    expect(noTime.code).toBe(2);
    expect(noTime.stderr).toContain("::error title=bunseal::keyless signing from a private repository would publish");
  });
});

describe("bunseal's own install (issue #20, item 13)", () => {
  test("the action installs bunseal's production dependencies only, restored by actions/cache keyed on its bun.lock's digest", async () => {
    const caches: StepRun[] = [];
    const out = await runAction({ command: "verify", path: "no-such.tar" }, (step) => step.with && caches.push(step));
    // verify itself fails (no such file); the set-up before it is what this test looks at
    expect(out.code).not.toBe(0);
    const lock = new Bun.CryptoHasher("sha256").update(readFileSync(join(actionPath, "bun.lock"))).digest("hex");
    expect(caches.map((c) => c.with)).toEqual([{ path: join(actionPath, "node_modules"), key: `bunseal-deps-Linux-X64-${lock}` }]);
    const manifest = JSON.parse(readFileSync(join(actionPath, "package.json"), "utf8")) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    expect(Object.keys(manifest.dependencies).filter((name) => !existsSync(join(actionPath, "node_modules", name, "package.json")))).toEqual([]);
    expect(Object.keys(manifest.devDependencies).filter((name) => existsSync(join(actionPath, "node_modules", name)))).toEqual([]);
    // cache: false installs without it
    const uncached: StepRun[] = [];
    await runAction({ command: "verify", path: "no-such.tar", cache: "false" }, (step) => step.with && uncached.push(step));
    expect(uncached).toEqual([]);
  });

  test("the README's workflows set up Bun before any bun install", async () => {
    const readme = readFileSync(join(actionPath, "README.md"), "utf8");
    const workflows = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((text) => /^jobs:/m.test(text));
    expect(workflows.length).toBeGreaterThan(0);
    for (const text of workflows) {
      const workflow = Bun.YAML.parse(text) as { jobs: Record<string, { steps: { uses?: string; run?: string }[] }> };
      for (const job of Object.values(workflow.jobs)) {
        const setUp = job.steps.findIndex((step) => step.uses?.startsWith("oven-sh/setup-bun@"));
        const firstBun = job.steps.findIndex((step) => /(^|\s)(bun|bunx)\s/.test(step.run ?? ""));
        if (firstBun >= 0) expect({ setUp, firstBun, before: setUp >= 0 && setUp < firstBun }).toMatchObject({ before: true });
      }
    }
  });
});

test("the metadata follows GitHub's metadata syntax, and the check refuses what GitHub would", () => {
  const action = readAction(actionPath);
  expect(action.runs.using).toBe("composite");
  const raw = Bun.YAML.parse(readFileSync(join(actionPath, "action.yml"), "utf8")) as Action;
  const broken = (change: (copy: Action) => void) => {
    const copy = structuredClone(raw);
    change(copy);
    return CompositeAction.safeParse(copy).success;
  };
  expect(broken(() => undefined)).toBe(true);
  // a composite run step needs its shell; an output of a composite action needs its value; no unknown keys
  expect(broken((a) => delete (a.runs.steps[0] as { shell?: string }).shell)).toBe(false);
  expect(broken((a) => delete (a.outputs!.digest as { value?: string }).value)).toBe(false);
  expect(broken((a) => Object.assign(a, { input: {} }))).toBe(false);
  expect(broken((a) => delete (a as { description?: string }).description)).toBe(false);
});
