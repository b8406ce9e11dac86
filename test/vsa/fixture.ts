/**
 * A real signed artifact for the summary tests: a small project built by
 * `bunseal build` with a build key made by `bunseal keygen`, and a second key
 * pair, the verifier's, that signs the summaries. Nothing is stubbed.
 */
import { expect } from "bun:test";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { gitRepo, type GitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

export interface VsaFixture {
  repo: GitRepo;
  work: TestDir;
  artifact: string;
  bundle: string;
  commit: string;
  buildKey: { key: string; pub: string };
  verifierKey: { key: string; pub: string };
  cleanup(): Promise<void>;
}

export async function vsaFixture(service = "vsa-service"): Promise<VsaFixture> {
  const [repo, work] = await Promise.all([
    gitRepo({ "package.json": JSON.stringify({ name: service, private: true }), "bunseal.json": JSON.stringify({ service, entrypoints: ["src/index.ts"] }), "src/index.ts": `console.log(${JSON.stringify(service)});\n` }),
    makeTempDir("bunseal-vsa-"),
  ]);
  for (const who of ["build", "verifier"]) expect((await runCli(["keygen", "--out", join(work.path, who)])).exitCode).toBe(0);
  const built = await runCli(["build", repo.path, "--key", join(work.path, "build", "bunseal.key"), "--json"]);
  expect(built.exitCode, built.stderr).toBe(0);
  const pair = (who: string) => ({ key: join(work.path, who, "bunseal.key"), pub: join(work.path, who, "bunseal.pub") });
  return {
    repo,
    work,
    artifact: built.json().artifact.path,
    bundle: built.json().bundle.path,
    commit: built.json().commit,
    buildKey: pair("build"),
    verifierKey: pair("verifier"),
    cleanup: async () => void (await Promise.all([repo.cleanup(), work.cleanup()])),
  };
}

/** The statement inside a bundle file, as written (not verified). */
export async function statementOf(bundlePath: string): Promise<any> {
  const bundle = await Bun.file(bundlePath).json();
  return JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, "base64").toString("utf8"));
}
