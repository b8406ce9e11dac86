/**
 * `pin DIGEST --env E --measure` through the real CLI: tiny services built
 * from real git repositories into one out folder and a SQLite store, signed
 * with a real key, measured in the real sandbox, then gated. Timing
 * assertions are what holds on a noisy 2-core machine: a 300 ms sleep before
 * listening is seen; a change to a response's text is not a regression.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { gitRepo, type GitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

const RUN = { command: ["bun", "index.js"], ready: { http: "/health" }, port: "PORT" };
const LOAD = { path: "/", requests: 100, concurrency: 4 };

function serviceFiles(before: string, hello = "hello") {
  return {
    "package.json": JSON.stringify({ name: "tiny" }),
    "bunseal.json": JSON.stringify({ service: "tiny", entrypoints: ["src/index.ts"], build: { target: "bun" }, run: RUN, load: LOAD }),
    "src/index.ts": `${before}\nBun.serve({ port: Number(process.env.PORT), fetch(req) { return new URL(req.url).pathname === "/health" ? new Response("ok") : new Response(${JSON.stringify(hello)}); } });\n`,
  };
}

let work: TestDir;
const repos: GitRepo[] = [];
const digests: Record<string, string> = {};
const key = () => join(work.path, "keys", "bunseal.key");
const out = () => join(work.path, "out");
const pin = (name: string, extra: string[]) =>
  runCli(["pin", `sha256:${digests[name]}`, "--env", "prod", "--key", key(), "--reason", name, "--pins-dir", join(work.path, "pins"), "--store", join(work.path, "store.db"), "--json", ...extra]);

async function build(name: string, files: Record<string, string>): Promise<void> {
  const repo = await gitRepo(files, { message: name });
  repos.push(repo);
  const result = await runCli(["build", repo.path, "--key", key(), "--out", out(), "--store", join(work.path, "store.db"), "--json"]);
  expect(result.exitCode).toBe(0);
  digests[name] = result.json().artifact.digest.slice(7);
}

beforeAll(async () => {
  work = await makeTempDir("bunseal-pin-measure-");
  expect((await runCli(["keygen", "--out", join(work.path, "keys")])).exitCode).toBe(0);
  await build("first", serviceFiles(""));
  // another release, as fast: only what / answers changed
  await build("next", serviceFiles("", "hello, world"));
  await build("slow", serviceFiles("await Bun.sleep(300);"));
}, 120_000);
afterAll(async () => {
  await Promise.all([...repos.map((r) => r.cleanup()), work?.cleanup()]);
});

describe("pin --measure", () => {
  test("a service with run recorded and no measurement is refused, and the refusal names pin --measure", async () => {
    const refused = await pin("first", []);
    expect(refused.exitCode).toBe(1);
    expect(refused.json().error.code).toBe("MEASUREMENT_MISSING");
    expect(refused.json().error.message).toContain("or pin again with --measure");
  }, 30_000);

  test("the first pin of an env measures the artifact alone, stores the measurement signed by the pin's key, and pins", async () => {
    const pinned = await pin("first", ["--measure", "--runs", "2", "--artifacts", out()]);
    expect(pinned.exitCode).toBe(0);
    expect(pinned.json().pin.sequence).toBe(1);
    expect(pinned.json().measurement).toMatchObject({ against: null, passed: true });
  }, 90_000);

  test("a release that does not regress is measured against what prod runs now and pinned", async () => {
    // an even number of runs: as many A B pairs as B A
    const pinned = await pin("next", ["--measure", "--runs", "6", "--artifacts", out()]);
    expect(pinned.exitCode).toBe(0);
    expect(pinned.json().pin).toMatchObject({ sequence: 2, previousDigest: digests.first });
    expect(pinned.json().measurement).toMatchObject({ against: digests.first, passed: true });
    // stored: trace lists the measurement the pin rested on
    const traced = await runCli(["trace", `sha256:${digests.next}`, "--store", join(work.path, "store.db"), "--json"]);
    expect(traced.json().matches[0].measurements[0]).toMatchObject({ env: "prod", againstDigest: digests.first, verifies: true, passed: true, runs: 6 });
  }, 150_000);

  test("a planted 300 ms start-up sleep is measured, stored and refused BUDGET_REGRESSION; the stored measurement is what --allow-regression then pins on", async () => {
    const refused = await pin("slow", ["--measure", "--runs", "4", "--artifacts", out()]);
    expect(refused.exitCode).toBe(1);
    const error = refused.json().error;
    expect(error.code).toBe("BUDGET_REGRESSION");
    expect(error.field).toBe("coldStartP95Ms");
    expect(error.message).toContain(`its measurement against sha256:${digests.next!.slice(0, 12)}`);
    expect(error.message).toContain("BUDGET_REGRESSION: coldStartP95Ms: budget a ratio within 1.10");
    // no second measurement: the one pin --measure stored is found by the gate
    const allowed = await pin("slow", ["--allow-regression", "a slower start, accepted for the fix"]);
    expect(allowed.exitCode).toBe(0);
    expect(allowed.json().measurement).toMatchObject({ against: digests.next, passed: false, allowedRegression: { reason: "a slower start, accepted for the fix" } });
  }, 120_000);

  test("usage: --runs, --timeout, --artifacts without --measure (exit 2); no file of the digest in --artifacts (ARTIFACT_NOT_FOUND, exit 2)", async () => {
    for (const flags of [["--runs", "3"], ["--timeout", "1000"], ["--artifacts", out()]]) {
      const result = await pin("next", flags);
      expect(result.exitCode).toBe(2);
      expect(result.json().error).toMatchObject({ code: "USAGE", field: flags[0], message: `${flags[0]} applies to the measurement --measure makes; expected --measure with it` });
    }
    const empty = join(work.path, "empty");
    await Bun.write(join(empty, "unrelated.tar"), "not an artifact");
    const missing = await pin("next", ["--measure", "--artifacts", empty]);
    expect(missing.exitCode).toBe(2);
    expect(missing.json().error.code).toBe("ARTIFACT_NOT_FOUND");
    expect(missing.json().error.message).toContain(`sha256:${digests.next}, and no file in ${empty} has that digest; expected --artifacts DIR holding that artifact and its .sigstore.json`);
  }, 30_000);
});
