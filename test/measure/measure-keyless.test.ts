/**
 * `measure --keyless` against a private Sigstore on loopback
 * (test/helpers/local-sigstore.ts): the measurement is signed with a Fulcio
 * certificate for the CI identity and logged in Rekor, as build --keyless
 * signs, and verifies with that identity and the trusted root.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { MEASUREMENT_PREDICATE_TYPE } from "../../src/measure/predicate-type.ts";
import { runCli } from "../helpers/cli.ts";
import { gitRepo, type GitRepo } from "../helpers/git.ts";
import { startLocalSigstore, type LocalSigstore } from "../helpers/local-sigstore.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

let work: TestDir;
let repo: GitRepo;
let sigstore: LocalSigstore;
let artifact: string;
const noAmbientToken = { ACTIONS_ID_TOKEN_REQUEST_URL: "", ACTIONS_ID_TOKEN_REQUEST_TOKEN: "" };

beforeAll(async () => {
  [work, sigstore] = await Promise.all([makeTempDir("bunseal-measure-keyless-"), startLocalSigstore()]);
  repo = await gitRepo({
    "package.json": JSON.stringify({ name: "tiny" }),
    "bunseal.json": JSON.stringify({ service: "tiny", entrypoints: ["src/index.ts"], build: { target: "bun" }, run: { command: ["bun", "index.js"], ready: { stdout: "^listening" }, port: "PORT" } }),
    "src/index.ts": 'Bun.serve({ port: Number(process.env.PORT), fetch() { return new Response("ok"); } });\nconsole.log("listening");\n',
  });
  expect((await runCli(["keygen", "--out", join(work.path, "keys")])).exitCode).toBe(0);
  const built = await runCli(["build", repo.path, "--key", join(work.path, "keys", "bunseal.key"), "--json"]);
  expect(built.exitCode).toBe(0);
  artifact = built.json().artifact.path;
}, 60_000);
afterAll(async () => {
  await Promise.all([work?.cleanup(), repo?.cleanup(), sigstore?.stop()]);
});

test("--keyless signs the measurement with the CI identity; it verifies with that identity and the trusted root, and not as another", async () => {
  const out = await runCli(["measure", artifact, "--key", join(work.path, "keys", "bunseal.pub"), "--keyless", "--fulcio-url", sigstore.fulcioUrl, "--rekor-url", sigstore.rekorUrl, "--runs", "1", "--json"], { env: { ...noAmbientToken, SIGSTORE_ID_TOKEN: sigstore.token() } });
  expect(out.exitCode, out.stderr).toBe(0);
  const report = out.json();
  // ready by a line on stdout, and no load: a start, its memory, no latency
  expect(report.figures.coldStartMs.p50).toBeGreaterThan(0);
  expect(report.figures.latencyMs).toBeNull();
  const bundle = await Bun.file(report.bundle).json();
  expect(bundle.verificationMaterial.tlogEntries).toHaveLength(1);

  const verified = await runCli(["verify", artifact, "--bundle", report.bundle, "--predicate-type", MEASUREMENT_PREDICATE_TYPE, "--certificate-identity", sigstore.identity, "--certificate-oidc-issuer", sigstore.issuer, "--trusted-root", sigstore.trustedRootPath, "--json"]);
  expect(verified.exitCode, verified.stdout).toBe(0);
  expect(verified.json()).toMatchObject({ verified: true, signer: { identity: sigstore.identity, issuer: sigstore.issuer }, measurement: { passed: true, runs: 1, service: "tiny" } });

  const impostor = await runCli(["verify", artifact, "--bundle", report.bundle, "--predicate-type", MEASUREMENT_PREDICATE_TYPE, "--certificate-identity", `${sigstore.identity}x`, "--certificate-oidc-issuer", sigstore.issuer, "--trusted-root", sigstore.trustedRootPath, "--json"]);
  expect(impostor.exitCode).toBe(1);
  expect(impostor.json().failures.map((x: { code: string }) => x.code)).toEqual(["IDENTITY_MISMATCH"]);
}, 60_000);
