/**
 * A rebuild's own build settles on the recorded digest (src/pipeline/build.ts,
 * SettlingRequest): once the tar it made is measured to be the recorded one,
 * its inputs are not read again and no statement is made, since nothing reads
 * one; a tar that differs is attested as any build, so the explanation has its
 * record to compare. Either way the tar is measured and checked by bunseal.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readdirSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { plantedRepo } from "../helpers/fixture-repo.ts";
import { gitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(60_000);

let keys: TestDir;
const key = () => join(keys.path, "bunseal.key");
const pub = () => join(keys.path, "bunseal.pub");

beforeAll(async () => {
  keys = await makeTempDir("bunseal-settle-keys-");
  await runCli(["keygen", "--out", keys.path]);
});
afterAll(() => keys?.cleanup());

async function build(dir: string) {
  const out = await runCli(["build", dir, "--key", key(), "--json"]);
  if (out.exitCode !== 0) throw new Error(`build failed: ${out.stderr}`);
  return out.json() as { artifact: { path: string; digest: string }; bundle: { path: string } };
}

const sha256 = (data: Uint8Array) => new Bun.CryptoHasher("sha256").update(data).digest("hex");

describe("a rebuild settles on the recorded digest", () => {
  test("a rebuild that makes the recorded tar stops once it is measured: the kept out folder holds that tar and no statement", async () => {
    await using repo = await plantedRepo("control");
    const built = await build(repo.path);
    const result = await runCli(["rebuild", built.bundle.path, "--key", pub(), "--keep", "--json"]);
    expect(result.exitCode).toBe(0);
    const report = result.json();
    try {
      expect(report.reproducible).toBe(true);
      expect(report.artifact.rebuilt).toBe(built.artifact.digest);
      // the boundary is reported as it was enforced, though no statement records it
      expect(report.sandbox.rebuilt.kind).toBe(report.sandbox.recorded.kind);
      const out = join(report.source.checkout, "out");
      const name = built.artifact.path.split("/").at(-1)!;
      expect(readdirSync(out)).toEqual([name]);
      expect(`sha256:${sha256(await Bun.file(join(out, name)).bytes())}`).toBe(built.artifact.digest);
    } finally {
      await rm(report.source.checkout, { recursive: true, force: true });
    }
  });

  test("a rebuild that makes another tar attests it as a build does: its statement is there and the difference is explained", async () => {
    await using repo = await plantedRepo("timestamp");
    const built = await build(repo.path);
    const result = await runCli(["rebuild", built.bundle.path, "--key", pub(), "--keep", "--max-experiments", "0", "--json"]);
    expect(result.exitCode).toBe(1);
    const report = result.json();
    try {
      expect(report.reproducible).toBe(false);
      expect(report.differences.map((d: { path: string }) => d.path)).toContain("index.js");
      expect(report.causes.length).toBeGreaterThan(0);
      const name = report.artifact.rebuilt && built.artifact.path.split("/").at(-1)!;
      expect(readdirSync(join(report.source.checkout, "out")).sort()).toEqual([name, `${name}.intoto.json`]);
    } finally {
      await rm(report.source.checkout, { recursive: true, force: true });
    }
  });

  test("rejects a secret in a settled rebuild's outputs: the tar is scanned before it settles anything", async () => {
    // the original was built where DEPLOY_TOKEN was unset; the rebuilder's environment holds a value the output carries
    const value = "tok-3f9a1c7e5b2d";
    await using repo = await gitRepo({
      "bunseal.json": JSON.stringify({ service: "settle-secret", entrypoints: ["src/index.ts"], secrets: ["DEPLOY_TOKEN"] }),
      "package.json": JSON.stringify({ name: "settle-secret", private: true }),
      ".gitignore": ".bunseal/\n",
      "src/index.ts": `console.log(${JSON.stringify(value)});\n`,
    });
    const built = await build(repo.path);
    const result = await runCli(["rebuild", built.bundle.path, "--key", pub(), "--json"], { env: { DEPLOY_TOKEN: value } });
    expect(result.exitCode).toBe(1);
    expect(result.json().error.code).toBe("SECRET_IN_OUTPUT");
    expect(result.stderr).toContain("env:DEPLOY_TOKEN");
  });
});
