/**
 * "Are we running the vulnerable version anywhere?": trace --package from a
 * real build of the example service, which locks hono and zod (bundled, so
 * shipped) and @types/bun (a dev dependency no output contains: locked only).
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { exampleServiceRepo } from "../helpers/example-service.ts";
import { recordPassingMeasurement } from "../helpers/measurements.ts";
import type { GitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(120_000);

let repo: GitRepo;
let work: TestDir;
let store: string;
let digest: string;
let bundle: string;
const trace = (...args: string[]) => runCli(["trace", ...args, "--store", store]);

beforeAll(async () => {
  [repo, work] = await Promise.all([exampleServiceRepo(), makeTempDir("bunseal-trace-pkg-")]);
  store = `sqlite:${join(work.path, "store.db")}`;
  await runCli(["keygen", "--out", work.path]);
  const built = await runCli(["build", repo.path, "--key", join(work.path, "bunseal.key"), "--store", store, "--json"]);
  expect(built.exitCode).toBe(0);
  digest = built.json().artifact.digest;
  bundle = built.json().bundle.path;
  // the example service has run, so its pin is held to its budgets: measured first, as measure --store would
  await recordPassingMeasurement(store, join(work.path, "bunseal.key"), { name: "example-service", digest: digest.slice(7) }, { service: "example-service" });
  expect((await runCli(["pin", digest, "--env", "prod", "--key", join(work.path, "bunseal.key"), "--pins-dir", join(work.path, "pins"), "--store", store])).exitCode).toBe(0);
});
afterAll(async () => {
  await Promise.all([repo?.cleanup(), work?.cleanup()]);
});

test("trace --package finds the artifacts that shipped hono, with where each runs", async () => {
  const hit = await trace("--package", "hono@4.13.19", "--json");
  expect(hit.exitCode).toBe(0);
  expect(hit.json().matches).toEqual([expect.objectContaining({ packageVersion: "4.13.19", shipped: true, artifact: expect.objectContaining({ digest: digest.slice(7) }), pins: [expect.objectContaining({ env: "prod", current: true })] })]);
  expect(hit.json()).toMatchObject({ package: { name: "hono", version: "4.13.19" }, count: { artifacts: 1, shipped: 1 }, nextCursor: null });
  expect((await trace("--package", "hono", "--json")).json().matches).toHaveLength(1);
  expect((await trace("--package", "hono@3.0.0", "--json")).json()).toMatchObject({ matches: [], count: { artifacts: 0, shipped: 0 } });
  const human = await trace("--package", "hono");
  expect(human.stdout).toContain("hono: locked by 1 artifact(s), shipped in 1\n");
  expect(human.stdout).toMatch(/^ {2}shipped {2}4\.13\.19 .*running in prod$/m);
});

test("a package locked but never bundled is said to be locked only, and --shipped-only leaves it out", async () => {
  const locked = await trace("--package", "@types/bun", "--json");
  expect(locked.exitCode).toBe(0);
  expect(locked.json().matches).toEqual([expect.objectContaining({ shipped: false, artifact: expect.objectContaining({ digest: digest.slice(7) }) })]);
  expect(locked.json().count).toEqual({ artifacts: 1, shipped: 0 });
  expect((await trace("--package", "@types/bun")).stdout).toMatch(/^ {2}locked {3}\d/m);
  expect((await trace("--package", "@types/bun", "--shipped-only", "--json")).json()).toMatchObject({ matches: [], count: { artifacts: 1, shipped: 0 }, nextCursor: null });
  expect((await trace("--package", "zod", "--shipped-only", "--json")).json().matches).toEqual([expect.objectContaining({ shipped: true })]);
});

test("--count gives the counts without listing", async () => {
  const counted = await trace("--package", "@types/bun", "--count", "--json");
  expect(counted.exitCode).toBe(0);
  expect(counted.json()).toEqual({ package: { name: "@types/bun", version: null }, count: { artifacts: 1, shipped: 0 } });
  expect((await trace("--package", "hono", "--count")).stdout).toBe("hono: locked by 1 artifact(s), shipped in 1\n");
});

test("paging flags are refused where they mean nothing, or with a value that is no page", async () => {
  const cases: [string[], string][] = [
    [["--package", "hono", "--limit", "0"], '--limit: expected a whole number from 1, got "0"'],
    [["--package", "hono", "--limit", "ten"], '--limit: expected a whole number from 1, got "ten"'],
    [["--package", "hono", "--after", "not-a-cursor"], '--after: expected a cursor from a previous page\'s nextCursor, got "not-a-cursor"'],
    [["--package", "hono", "--shipped-only", "--after", "l:"], "--after: expected a cursor from a previous page's nextCursor"],
    [["--package", "hono", "--count", "--limit", "5"], "--count lists nothing: expected it without --limit and --after"],
    [[digest, "--shipped-only"], "--shipped-only goes with --package NAME[@VERSION], not with a TARGET"],
    [[digest, "--count"], "--count goes with --package NAME[@VERSION], not with a TARGET"],
  ];
  for (const [args, message] of cases) {
    const out = await trace(...args, "--json");
    expect({ args, exit: out.exitCode, code: out.json().error.code }).toEqual({ args, exit: 2, code: "USAGE" });
    expect(out.json().error.message).toStartWith(message);
  }
});

test("rebuild --store records its verdict, and trace shows it", async () => {
  const rebuilt = await runCli(["rebuild", bundle, "--key", join(work.path, "bunseal.pub"), "--store", store, "--json", "--quiet"]);
  expect(rebuilt.exitCode).toBe(0);
  const traced = await trace(digest, "--json");
  expect(traced.exitCode).toBe(0);
  const [recorded] = traced.json().matches[0].rebuilds;
  expect(recorded).toEqual({ digest: digest.slice(7), reproducible: true, rebuiltDigest: digest.slice(7), bunVersion: Bun.version, rebuiltAt: expect.any(String), causes: [] });
  expect(Date.now() - Date.parse(recorded.rebuiltAt)).toBeLessThan(120_000);
  expect((await trace(digest)).stdout).toContain(`  rebuilt      ${new Date(recorded.rebuiltAt).toISOString().replace(/\.\d{3}Z$/, "Z")} with Bun ${Bun.version}: reproducible\n`);
});

test("rebuild --store checks the store before rebuilding, and records nothing when it cannot", async () => {
  await using blocked = await makeTempDir("bunseal-trace-blocked-");
  await Bun.write(join(blocked.path, "file"), "x");
  const out = await runCli(["rebuild", bundle, "--key", join(work.path, "bunseal.pub"), "--store", `sqlite:${join(blocked.path, "file", "store.db")}`, "--json", "--quiet"]);
  expect(out.exitCode).toBe(3);
  expect(out.json().error.code).toBe("STORE_FAILED");
});

test("issue 20: a range or partial version is matched as the policy matches it (hono 4.13.19 is locked and shipped)", async () => {
  for (const spec of ["hono@<4.14.0", "hono@^4.13.0", "hono@4.13", "hono@4.13.x", "hono@v4.13.19", "Hono@4.13.19", "hono@4.13.19 ", "hono@>=4.13.0 <5", "HONO"]) {
    const out = await trace("--package", spec, "--json");
    expect({ spec, exit: out.exitCode, count: out.json().count }).toEqual({ spec, exit: 0, count: { artifacts: 1, shipped: 1 } });
    expect(out.json().matches).toEqual([expect.objectContaining({ packageVersion: "4.13.19", shipped: true, pins: [expect.objectContaining({ env: "prod", current: true })] })]);
    expect(out.json().package.name).toBe("hono");
  }
  expect((await trace("--package", "hono@<4.14.0", "--json")).json().versions).toEqual({ locked: ["4.13.19"], matched: ["4.13.19"] });
  expect((await trace("--package", "hono@^4.13.0", "--count")).stdout).toBe("hono@^4.13.0: locked by 1 artifact(s), shipped in 1\n");
});

test("issue 20: a package whose locked versions all miss the range says so, rather than 'locked by 0'", async () => {
  const out = await trace("--package", "hono@<4.13.0", "--json");
  expect(out.exitCode).toBe(0);
  expect(out.json()).toMatchObject({ matches: [], count: { artifacts: 0, shipped: 0 }, versions: { locked: ["4.13.19"], matched: [] } });
  expect((await trace("--package", "hono@<4.13.0")).stdout).toBe("hono is locked, no version matches <4.13.0 (locked: 4.13.19)\n");
  expect((await trace("--package", "hono@<4.13.0", "--count")).stdout).toBe("hono is locked, no version matches <4.13.0 (locked: 4.13.19)\n");
  // a name no artifact locked at all is told apart from that
  expect((await trace("--package", "left-pad@1.3.0")).stdout).toBe("left-pad@1.3.0: locked by 0 artifact(s), shipped in 0\n");
  const bad = await trace("--package", "hono@4.13.19; rm -rf", "--json");
  expect(bad.exitCode).toBe(2);
  expect(bad.json().error).toMatchObject({ code: "USAGE", message: 'hono@4.13.19; rm -rf: expected a version or a semver range after @ (4.12.0, 4.12, 4.12.x, ^4.12.0, <4.13.0), got "4.13.19; rm -rf"' });
});
