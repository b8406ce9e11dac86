/**
 * ci/gitlab/bunseal.gitlab-ci.yml under a simulated GitLab runner (issue #11,
 * item 1): the job definitions are read with Bun.YAML; the build job asks for
 * an OIDC token with audience "sigstore" as SIGSTORE_ID_TOKEN, signs keyless
 * against Fulcio and Rekor on loopback, and leaves a dotenv report that the
 * verify job reads. (before_script, the image's set-up, is not run here: Bun
 * and bunseal are this checkout.)
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../helpers/cli.ts";
import { gitRepo, type GitRepo } from "../helpers/git.ts";
import { startLocalSigstore, type LocalSigstore } from "../helpers/local-sigstore.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(120_000);

interface Job { extends?: string; script?: string[]; id_tokens?: Record<string, { aud: string }>; variables?: Record<string, string>; artifacts?: { reports?: { dotenv?: string } } }

let sigstore: LocalSigstore;
let work: TestDir;
let repo: GitRepo;

beforeAll(async () => {
  [sigstore, work] = await Promise.all([startLocalSigstore(), makeTempDir("bunseal-gitlab-")]);
  repo = await gitRepo({ ".gitignore": ".bunseal/\n", "package.json": JSON.stringify({ name: "gitlab-demo", private: true }), "bunseal.json": JSON.stringify({ service: "gitlab-demo", entrypoints: ["src/index.ts"] }), "src/index.ts": "console.log('from a pipeline');\n" });
});
afterAll(async () => {
  await Promise.all([sigstore?.stop(), work?.cleanup(), repo?.cleanup()]);
});

async function runJob(jobs: Record<string, Job>, name: string, variables: Record<string, string>, prefix: string[] = []): Promise<{ code: number; output: string }> {
  const job = jobs[name]!;
  const script = job.script ?? jobs[job.extends!]!.script!;
  // GitLab runs a job's script lines one after another in one shell
  {
    const proc = Bun.spawn([...prefix, "bash", "-e", "-c", script.join("\n")], { cwd: repo.path, env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? "/root", GITLAB_CI: "true", CI_PROJECT_DIR: repo.path, BUNSEAL_HOME: REPO_ROOT, BUNSEAL_PATH: ".", BUNSEAL_ARGS: "", BUNSEAL_DOTENV: join(repo.path, "bunseal.env"), ...variables }, stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    if (code !== 0) return { code, output: `${out}${err}` };
  }
  return { code: 0, output: "" };
}

test("the build job signs with the job's sigstore OIDC token and leaves a dotenv report; the verify job reads it", async () => {
  const jobs = Bun.YAML.parse(await Bun.file(join(REPO_ROOT, "ci/gitlab/bunseal.gitlab-ci.yml")).text()) as Record<string, Job>;
  expect(jobs[".bunseal-build"]!.id_tokens).toEqual({ SIGSTORE_ID_TOKEN: { aud: "sigstore" } });
  expect(jobs[".bunseal"]!.artifacts!.reports!.dotenv).toBe("bunseal.env");

  const built = await runJob(jobs, ".bunseal-build", { SIGSTORE_ID_TOKEN: sigstore.token(), BUNSEAL_ARGS: `--fulcio-url ${sigstore.fulcioUrl} --rekor-url ${sigstore.rekorUrl}` });
  if (built.code !== 0) throw new Error(built.output);
  const report = Object.fromEntries(readFileSync(join(repo.path, "bunseal.env"), "utf8").trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
  expect(report.DIGEST).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(report.BUNDLE_PATH).toBe(`${report.ARTIFACT_PATH}.sigstore.json`);

  // a later job gets the report's values as variables
  const verified = await runJob(jobs, ".bunseal-verify", { ARTIFACT_PATH: report.ARTIFACT_PATH!, BUNSEAL_ARGS: `--certificate-identity ${sigstore.identity} --certificate-oidc-issuer ${sigstore.issuer} --trusted-root ${sigstore.trustedRootPath}` });
  if (verified.code !== 0) throw new Error(verified.output);
  expect(readFileSync(join(repo.path, "bunseal.env"), "utf8")).toContain("VERIFIED=true");
});

test("on a runner whose bubblewrap cannot make namespaces, the build job fails closed (exit 3) with the runner's fix in its log, and signs nothing", async () => {
  const jobs = Bun.YAML.parse(await Bun.file(join(REPO_ROOT, "ci/gitlab/bunseal.gitlab-ci.yml")).text()) as Record<string, Job>;
  const fake = join(work.path, "bwrap");
  // what bwrap says in a docker executor's default container
  writeFileSync(fake, "#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n");
  chmodSync(fake, 0o755);
  // a private mount namespace with the failing bwrap in place of the real one (root and users alike)
  const inPlace = ["unshare", "-Urm", "sh", "-c", `mount --bind '${fake}' /usr/bin/bwrap && exec "$0" "$@"`];
  const built = await runJob(jobs, ".bunseal-build", { SIGSTORE_ID_TOKEN: sigstore.token(), BUNSEAL_DOTENV: join(work.path, "unsandboxed.env") }, inPlace);
  expect(built.code).toBe(3);
  expect(built.output).toContain("setup: bubblewrap is installed but cannot make its namespaces here: bwrap: No permissions to create new namespace\n");
  expect(built.output).toContain("bunseal: no sandbox on this runner; see the runner settings at the top of bunseal.gitlab-ci.yml\n");
  expect(existsSync(join(work.path, "unsandboxed.env"))).toBe(false);
  // the settings named there
  expect(await Bun.file(join(REPO_ROOT, "ci/gitlab/bunseal.gitlab-ci.yml")).text()).toContain('security_opt = ["seccomp=unconfined", "apparmor=unconfined"]');
});
